import path from 'node:path';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { runCli, USAGE, type CliIo } from '../../src/cli.js';
import { COMMANDS } from '../../src/cli/commands.js';

function io(env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    env: { TWINSEG_HOME: path.join(os.tmpdir(), 'twinseg-cli-test-home'), ...env },
    stdout: (s: string) => {
      o.out += s;
    },
    stderr: (s: string) => {
      o.err += s;
    },
  };
  return o;
}

describe('twinseg CLI', () => {
  it('prints usage on --help to stdout and exits 0', async () => {
    const x = io();
    expect(await runCli(['--help'], x)).toBe(0);
    expect(x.out).toBe(USAGE);
    expect(x.err).toBe('');
  });

  it('exits 2 with usage on stderr for an unknown command, leaving stdout empty', async () => {
    const x = io();
    expect(await runCli(['frobnicate'], x)).toBe(2);
    expect(x.out).toBe('');
    expect(x.err).toMatch(/Unknown command "frobnicate"/);
  });

  it('exits 2 when a required argument or flag is missing or malformed', async () => {
    const a = io();
    expect(await runCli(['mask', 'twin-1', '3,7'], a)).toBe(2);
    expect(a.err).toMatch(/--out/);
    const b = io();
    expect(await runCli(['mask', 'twin-1', '3,x', '--out', 'm.png'], b)).toBe(2);
    expect(b.err).toMatch(/IDS must be positive integers/);
    const c = io();
    expect(await runCli(['build', 'a.jpg', '--preset', 'turbo'], c)).toBe(2);
    expect(c.err).toMatch(/--preset must be one of/);
    const d = io();
    expect(await runCli(['serve', '--http', 'eighty'], d)).toBe(2);
    const e = io();
    expect(await runCli(['build', 'a.jpg', '--bogus'], e)).toBe(2);
  });

  it('reports a configuration error with its code and exits 1', async () => {
    const x = io({ TWINSEG_PROVIDERS: 'tpu' });
    expect(await runCli(['models', 'list'], x)).toBe(1);
    expect(x.err).toMatch(/INVALID_INPUT: Invalid twinseg configuration: providers/);
    expect(x.out).toBe('');
  });

  it('answers --help for every command with its usage and options, exit 0, nothing on stderr', async () => {
    for (const c of COMMANDS) {
      const x = io({ TWINSEG_PROVIDERS: 'not-a-provider' }); // help must not depend on the environment
      expect(await runCli([c.name, '--help'], x)).toBe(0);
      expect(x.out).toContain(`Usage: twinseg ${c.usage}`);
      expect(x.err).toBe('');
    }
  });

  it('prints the version', async () => {
    const x = io();
    expect(await runCli(['--version'], x)).toBe(0);
    expect(x.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

import net from 'node:net';
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

  it('reports a configuration error with its code and the variable that holds the bad value, and exits 1', async () => {
    const x = io({ TWINSEG_PROVIDERS: 'gpu' });
    expect(await runCli(['models', 'list'], x)).toBe(1);
    expect(x.err).toMatch(
      /INVALID_INPUT: Invalid twinseg configuration: TWINSEG_PROVIDERS="gpu": Invalid option: expected one of "cuda"\|"webgpu"\|"cpu"/,
    );
    expect(x.out).toBe('');
    const port = io({ TWINSEG_HTTP_PORT: '99999' });
    expect(await runCli(['models', 'list'], port)).toBe(1);
    expect(port.err).toMatch(/TWINSEG_HTTP_PORT="99999": /);
  });

  it('maps a busy port to PORT_UNAVAILABLE with a hint, not INTERNAL: listen EADDRINUSE', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as net.AddressInfo;
    try {
      const x = io();
      expect(await runCli(['serve', '--http', String(port)], x)).toBe(1);
      expect(x.err).toBe(
        `twinseg: PORT_UNAVAILABLE: 127.0.0.1:${port} is already in use. Stop the other server, or choose another port (--http PORT; 0 picks a free one).\n`,
      );
    } finally {
      busy.close();
    }
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

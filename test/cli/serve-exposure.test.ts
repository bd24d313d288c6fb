// `twinseg serve --http` listens beyond this machine only when asked (--host / TWINSEG_HTTP_HOST) and
// only with a token the operator set (TWINSEG_TOKEN); a generated token is for loopback alone.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli.js';
import { checkHttpExposure, isLoopbackHost } from '../../src/config.js';
import { createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { startHttpServer } from '../../src/server/http.js';
import { RecordingTwinService } from '../helpers/recording-twin-service.js';

const CLI = path.resolve('dist/cli.js');
const HOME = path.join(os.tmpdir(), 'twinseg-serve-exposure-home');

function io(env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    env: { TWINSEG_HOME: HOME, ...env },
    stdout: (s: string) => void (o.out += s),
    stderr: (s: string) => void (o.err += s),
  };
  return o;
}

describe('isLoopbackHost', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
  });
  it('counts everything else as reachable from other machines', () => {
    for (const h of [
      '',
      ' ',
      '0.0.0.0',
      '::',
      '[::]',
      '192.168.1.10',
      '10.0.0.1',
      '::ffff:10.0.0.1',
      'example.com',
      'localhost.example.com',
      '127.1',
      '128.0.0.1',
      'my-host',
    ]) {
      expect(isLoopbackHost(h), JSON.stringify(h)).toBe(false);
    }
  });
});

describe('checkHttpExposure', () => {
  it('allows loopback without a token and any host with one', () => {
    expect(() => checkHttpExposure('127.0.0.1', undefined)).not.toThrow();
    expect(() => checkHttpExposure('0.0.0.0', 'an-explicit-token-of-32-chars!!')).not.toThrow();
  });
  it('refuses a non-loopback host without a token, saying how to set one', () => {
    expect(() => checkHttpExposure('0.0.0.0', undefined)).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/"0\.0\.0\.0" without a token/),
        hint: expect.stringMatching(/Set TWINSEG_TOKEN/),
      }),
    );
    expect(() => checkHttpExposure('', undefined)).toThrow(/every network interface/);
  });
});

describe('twinseg serve --http', () => {
  it.each([
    ['--host 0.0.0.0', ['--host', '0.0.0.0'], {}],
    ['--host ::', ['--host', '::'], {}],
    ['an empty --host', ['--host', ''], {}],
    ['TWINSEG_HTTP_HOST=0.0.0.0', [], { TWINSEG_HTTP_HOST: '0.0.0.0' }],
  ])('refuses to start on %s without TWINSEG_TOKEN, exit 1 with the fix', async (_name, args, env) => {
    const x = io(env);
    expect(await runCli(['serve', '--http', '0', ...args], x)).toBe(1);
    expect(x.err).toMatch(
      /^twinseg: INVALID_INPUT: Refusing to serve HTTP on .* without a token: that address is reachable from other machines\. Set TWINSEG_TOKEN/,
    );
    expect(x.out).toBe('');
  });

  it('startHttpServer itself refuses a non-loopback host without a token', async () => {
    const config = loadConfig({ TWINSEG_HOME: HOME, TWINSEG_ROOTS: HOME });
    const app = await createAppContext(config, { twins: new RecordingTwinService(), log: () => undefined });
    await expect(startHttpServer(app, { host: '0.0.0.0', port: 0, allowedOrigins: [], maxBodyBytes: 1024 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('listens on 0.0.0.0 when asked with a token, and every request needs that token', async () => {
    const token = 'exposure-test-token-0123456789';
    const child = spawn(process.execPath, [CLI, 'serve', '--http', '0', '--host', '0.0.0.0'], {
      env: { ...process.env, TWINSEG_HOME: HOME, TWINSEG_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let err = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (c: Buffer) => {
          err += c.toString();
          const m = /at (http:\/\/0\.0\.0\.0:\d+\/mcp)/.exec(err);
          if (m && /reachable from other machines/.test(err)) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      expect(err).not.toMatch(/bearer token \(set TWINSEG_TOKEN/); // the chosen token is never printed
      const local = url.replace('0.0.0.0', '127.0.0.1');
      const post = (headers: Record<string, string>) =>
        fetch(local, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
          body: '{}',
        });
      expect((await post({})).status).toBe(401);
      expect((await post({ authorization: `Bearer ${token}` })).status).toBe(400); // past the token check: "{}" is no initialize
    } finally {
      child.kill('SIGTERM');
    }
  });
});

// `twinseg view`: serves the twin view for a browser under the rules of `serve --http`, prints the link
// to open (with a generated token in its fragment), and can open on what a TWINSEG_TRACE session chose.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli.js';
import { tempDir } from '../helpers/mcp-harness.js';

const CLI = path.resolve('dist/cli.js');
let home: string;

beforeAll(async () => {
  home = await tempDir('twinseg-view-command-');
});

afterAll(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

function io(env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    env: { TWINSEG_HOME: home, ...env },
    stdout: (s: string) => void (o.out += s),
    stderr: (s: string) => void (o.err += s),
  };
  return o;
}

describe('twinseg view', () => {
  it('prints a link with the generated token, serves the view and the trace, and stops on SIGTERM', async () => {
    const trace = path.join(home, 'trace.jsonl');
    await fs.writeFile(
      trace,
      '{"image": "/photos/a.jpg", "twin_id": "tw_0123456789abcdef", "ids": [3, 7], "op": "union"}\n' +
        '{"image": "/photos/b.jpg", "twin_id": "tw_fedcba9876543210", "ids": [2, 4], "op": "union", "exclude": [5]}\n',
    );
    const child = spawn(process.execPath, [CLI, 'view', '--trace', trace, '--port', '0'], {
      env: { ...process.env, TWINSEG_HOME: home, TWINSEG_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => void (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const link = await new Promise<URL>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.endsWith('\n')) resolve(new URL(out.trim()));
      });
      void exited.then((code) => reject(new Error(`view exited ${code}: ${err}`)));
    });
    try {
      expect(link.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(link.pathname).toBe('/view');
      const token = new URLSearchParams(link.hash.slice(1)).get('token')!;
      expect(token.length).toBeGreaterThanOrEqual(24);
      expect((await fetch(new URL('/view', link))).status).toBe(200);
      expect((await fetch(new URL('/view/session.json', link))).status).toBe(401);
      const session = await (await fetch(new URL('/view/session.json', link), { headers: { authorization: `Bearer ${token}` } })).json();
      expect(session).toEqual({
        trace: [
          { line: 1, image: '/photos/a.jpg', twin_id: 'tw_0123456789abcdef', ids: [3, 7], op: 'union' },
          { line: 2, image: '/photos/b.jpg', twin_id: 'tw_fedcba9876543210', ids: [2, 4], op: 'union', exclude: [5] },
        ],
      });
      // The same MCP endpoint and token rules as serve --http.
      const mcp = new URL('/mcp', link);
      expect((await fetch(mcp, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('says how to get a twin when the id names none, before serving anything', async () => {
    const x = io();
    expect(await runCli(['view', 'tw_0000000000000000'], x)).toBe(1);
    expect(x.err).toMatch(/TWIN_NOT_FOUND.*twinseg build/);
    expect(x.out).toBe('');
  });

  it('refuses a host reachable from other machines without TWINSEG_TOKEN, and more than one twin', async () => {
    const open = io();
    expect(await runCli(['view', '--host', '0.0.0.0'], open)).toBe(1);
    expect(open.err).toMatch(/INVALID_INPUT: Refusing to serve HTTP on .* without a token/);
    const two = io();
    expect(await runCli(['view', 'tw_a', 'tw_b'], two)).toBe(2);
    expect(two.err).toMatch(/One twin id at most/);
  });
});

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli.js';

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-demo-'));
afterAll(() => fs.rm(work, { recursive: true, force: true }));

function io(): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    env: { TWINSEG_HOME: path.join(work, 'home'), TWINSEG_ROOTS: work, TWINSEG_PROVIDERS: 'cpu', TWINSEG_PRESET: 'fast' },
    stdout: (s: string) => void (o.out += s),
    stderr: (s: string) => void (o.err += s),
  };
  return o;
}

it('draws a scene, builds its twin with the real model and writes the scene and its marks picture, replacing nothing', async () => {
  const out = path.join(work, 'demo');
  const first = io();
  expect(await runCli(['demo', '--out', out, '--seed', '3'], first), first.err).toBe(0);
  expect((await fs.readFile(path.join(out, 'scene.png'))).subarray(1, 4).toString()).toBe('PNG');
  expect((await fs.readFile(path.join(out, 'marks.jpg'))).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  expect(first.out).toMatch(/Built twin tw_[0-9a-f]{16}.*: \d+ objects/);
  expect(first.out).toContain('mcp-config --host claude-code');
  // A second run never replaces the first one's files.
  const second = io();
  expect(await runCli(['demo', '--out', out, '--seed', '3'], second), second.err).toBe(0);
  expect(await fs.readdir(work)).toEqual(expect.arrayContaining(['demo', 'demo-2']));
});

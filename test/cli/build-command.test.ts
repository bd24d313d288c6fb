import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntryPoint } from '../../src/package-info.js';
import { cliWorkspace, type CliWorkspace } from '../helpers/cli-run.js';

let ws: CliWorkspace;
beforeAll(async () => {
  ws = await cliWorkspace('twinseg-build-cli-');
});
afterAll(() => ws?.remove());

describe('twinseg build', () => {
  it('builds several images in turn, one JSON line each, and reports one that fails without stopping the rest', async () => {
    const a = await ws.scene(11);
    const b = await ws.scene(12);
    const r = await ws.run(['build', a, path.join(ws.dir, 'missing.png'), b, '--json']);
    expect(r.code).toBe(1);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { twin_id: string; image: { source: string } });
    expect(lines).toHaveLength(2);
    expect(lines[0]!.twin_id).not.toBe(lines[1]!.twin_id);
    expect(r.err).toMatch(/missing\.png: IMAGE_NOT_FOUND/);
    expect(r.err).toMatch(/1 of 3 images failed/);
  });

  it('refuses --marks with several images, and an existing --marks file before any work, unless --force', async () => {
    const a = await ws.scene(11);
    const two = await ws.run(['build', a, a, '--marks', path.join(ws.dir, 'm.png')]);
    expect(two.code).toBe(2);
    expect(two.err).toMatch(/--marks names one file, and 2 images were given/);
    const marks = path.join(ws.dir, 'marks.png');
    await fs.writeFile(marks, 'mine');
    const refused = await ws.run(['build', a, '--marks', marks]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/FILE_EXISTS: .*marks\.png already exists; nothing was written\. Pass --force/);
    expect(await fs.readFile(marks, 'utf8')).toBe('mine');
    const forced = await ws.run(['build', a, '--marks', marks, '--force']);
    expect(forced.code, forced.err).toBe(0);
    expect((await fs.readFile(marks)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('exits 130 on Ctrl-C (SIGINT) during a build, as a shell expects', async () => {
    const image = await ws.scene(13, 'big.png');
    const child = spawn(process.execPath, [cliEntryPoint(), 'build', image, '--preset', 'thorough'], {
      env: { ...process.env, ...ws.env, TWINSEG_HOME: path.join(ws.dir, 'sigint-home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      // Interrupt once the build is under way (its first progress line).
      if (/\d+\/\d+/.test(err) && !child.killed) child.kill('SIGINT');
    });
    expect(await exited, err).toBe(130);
    expect(err).toMatch(/twinseg: interrupted; nothing more was written/);
  });
});

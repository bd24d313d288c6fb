// The attacks of issue 20 on paths, through the MCP tools: a folder inside the root flipped between a
// real directory and a symlink to a folder outside while builds read through it and get_mask writes
// through it; a FIFO and /dev/zero given as images. The twin service is real (images are read and
// decoded for real); only the model is scripted.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promises as fs, watch } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { encodeRaw } from '../../src/image/codec.js';
import { noisyRaw } from '../helpers/hostile-images.js';
import { startHarness, textOf, type Harness } from '../helpers/mcp-harness.js';

const FLIPPER = path.resolve('test/helpers/folder-flipper.mjs');
const MiB = 1024 * 1024;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function flip(folder: string, stash: string, target: string, ms: number): Promise<number> {
  const child = spawn(process.execPath, [FLIPPER, folder, stash, target, String(ms)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(err)))));
}

it('a folder flipped to outside while builds and get_mask run: 0 reads and 0 writes outside, 0 hangs, bounded memory', async () => {
  h = await startHarness();
  const { root, outside } = h;
  const d = path.join(root, 'd');
  await fs.mkdir(d);
  await fs.copyFile(path.join(root, 'photo.png'), path.join(d, 'photo.png'));
  await fs.writeFile(path.join(d, 'victim.png'), 'inside');
  // The file outside under the same name is another picture (30×15), so a build of it would show.
  await fs.writeFile(
    path.join(outside, 'photo.png'),
    await encodeRaw({ data: noisyRaw(30, 15), width: 30, height: 15, channels: 3 }, 'png'),
  );
  await fs.writeFile(path.join(outside, 'victim.png'), 'UNTOUCHED');
  const before = (await fs.readdir(outside)).sort();
  const built = await h.call('build_digital_twin', { image: path.join(root, 'photo.png') });
  const twinId = (built.structuredContent as { twin_id: string }).twin_id;

  const events: string[] = [];
  const watcher = watch(outside, (_e, name) => events.push(String(name)));
  const rss = process.memoryUsage().rss;
  let done = false;
  const flipping = flip(d, path.join(root, 'd.stash'), outside, 6_000).finally(() => (done = true));
  const sizes = new Map<string, number>();
  const codes = new Map<string, number>();
  let hangs = 0;
  let n = 0;
  const count = (r: { isError?: boolean; content: unknown[] } | 'hang') => {
    if (r === 'hang') return hangs++;
    const code = r.isError ? (/^([A-Z_]+):/.exec(textOf(r as never))?.[1] ?? 'OTHER') : 'ok';
    codes.set(code, (codes.get(code) ?? 0) + 1);
  };
  while (!done) {
    const i = n++;
    const timeout = { timeout: 10_000 };
    const calls = [
      h.call('build_digital_twin', { image: path.join(d, 'photo.png') }, timeout).then((r) => {
        const image = (r.structuredContent as { twin?: { image: { width: number; height: number } } } | undefined)?.twin?.image;
        if (image) sizes.set(`${image.width}x${image.height}`, (sizes.get(`${image.width}x${image.height}`) ?? 0) + 1);
        return r;
      }),
      h.call('get_mask', { twin_id: twinId, ids: [1], output_path: path.join(d, `m-${i}.png`) }, timeout),
      h.call('get_mask', { twin_id: twinId, ids: [1], output_path: path.join(d, 'victim.png'), overwrite: true }, timeout),
    ];
    for (const r of await Promise.all(calls.map((c) => c.catch(() => 'hang' as const)))) count(r);
  }
  const flips = await flipping;
  await new Promise((resolve) => setTimeout(resolve, 200));
  watcher.close();
  const grew = (process.memoryUsage().rss - rss) / MiB;
  console.log(
    `tool path race: ${flips} flips, ${n} rounds, builds ${JSON.stringify(Object.fromEntries(sizes))}, results ${JSON.stringify(Object.fromEntries(codes))}, RSS +${grew.toFixed(0)} MiB`,
  );
  expect(flips).toBeGreaterThan(50);
  expect([...sizes.keys()]).toEqual(['20x10']); // never the 30×15 picture outside
  expect(hangs).toBe(0);
  expect(events).toEqual([]);
  expect((await fs.readdir(outside)).sort()).toEqual(before);
  expect(await fs.readFile(path.join(outside, 'victim.png'), 'utf8')).toBe('UNTOUCHED');
  expect(codes.get('ok') ?? 0).toBeGreaterThan(0);
  expect(codes.get('PATH_NOT_ALLOWED') ?? 0).toBeGreaterThan(0);
  expect(codes.get('INTERNAL') ?? 0).toBe(0);
  expect(grew).toBeLessThan(256);
});

it('a FIFO or /dev/zero named as the image is refused at once, and the server keeps answering', async () => {
  const tmp = await fs.realpath(os.tmpdir());
  h = await startHarness({ env: { TWINSEG_ROOTS: ['/dev', tmp].join(path.delimiter) } });
  const fifo = path.join(h.root, 'pipe.png');
  await promisify(execFile)('mkfifo', [fifo]);
  const rss = process.memoryUsage().rss;
  for (const image of [fifo, '/dev/zero', fifo, '/dev/zero']) {
    const r = await h.call('build_digital_twin', { image }, { timeout: 5_000 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^IMAGE_UNREADABLE: .* is (a FIFO|a character device), not a regular file; it was not read/);
  }
  expect((process.memoryUsage().rss - rss) / MiB).toBeLessThan(64);
  expect((await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png') })).isError).toBeFalsy();
});

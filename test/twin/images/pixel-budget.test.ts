// Two pictures at the pixel limit (64 Mpx, 192 MiB of RGB each) built at once through the real twin
// service: the pixel budget decodes the second only once the first build has given its pixels back, so
// the segmenter never holds two of them, and the process's memory stays bounded. The model is scripted
// (the real one on 64 Mpx takes minutes on a CPU; `npm run bench:limits` measures that from outside).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { Segmenter } from '../../../src/perception/contract.js';
import { LocalTwinStore } from '../../../src/twin/store/twin-store.js';
import { TwinService } from '../../../src/twin/twin-service.js';
import { tempDir } from '../../helpers/mcp-harness.js';
import { scriptedSegmenter } from '../../helpers/recording-twin-service.js';
import { fileSource } from '../../../src/perception/image-input.js';

const SIDE = 8000; // 64 Mpx: the default TWINSEG_MAX_IMAGE_PIXELS
const MiB = 1024 * 1024;
let work: string;

beforeAll(async () => {
  work = await tempDir('twinseg-peaks-');
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** A flat 64 Mpx PNG with a block of colour (a few hundred kB that decode to 192 MiB). */
async function bigPng(file: string, shade: number): Promise<void> {
  const block = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: { r: 200, g: shade, b: 40 } } })
    .png()
    .toBuffer();
  await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: { r: shade, g: 120, b: 160 } }, limitInputPixels: false })
    .composite([{ input: block, left: 1000 + shade, top: 2000 }])
    .png()
    .toFile(file);
}

it('two 64 Mpx pictures built at once are decoded one after the other: one in the segmenter at a time, memory bounded', async () => {
  const files = [path.join(work, 'a.png'), path.join(work, 'b.png')];
  await Promise.all(files.map((f, i) => bigPng(f, 60 + i * 70)));
  const inner = scriptedSegmenter({});
  let started = 0;
  let holding = 0;
  let mostHeld = 0;
  const sizes: string[] = [];
  const segmenter: Segmenter = {
    ...inner,
    async everything(image, options, control) {
      holding++;
      mostHeld = Math.max(mostHeld, holding);
      sizes.push(`${image.width}x${image.height}`);
      try {
        // The first to arrive waits twice as long as its own decode took: were the other build allowed to
        // decode meanwhile, it would arrive here too. (A wait measured in this run, not a timed assertion.)
        if (sizes.length === 1) await new Promise((resolve) => setTimeout(resolve, 2 * (performance.now() - started) + 500));
        return await inner.everything(image, options, control);
      } finally {
        holding--;
      }
    },
  };
  const config = loadConfig({ TWINSEG_HOME: path.join(work, 'home'), TWINSEG_ROOTS: work, TWINSEG_PROVIDERS: 'cpu' });
  const store = new LocalTwinStore({ maxBytes: config.twinCacheBytes, dir: path.join(config.home, 'twins') });
  const twins = new TwinService(config, store, { segmenter, log: () => undefined });
  try {
    const before = process.memoryUsage().rss;
    let peak = before;
    started = performance.now();
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const built = await Promise.all(files.map((file) => twins.build({ image: fileSource(file) }))).finally(() => clearInterval(sampler));
    peak = Math.max(peak, process.memoryUsage().rss);
    const grew = (peak - before) / MiB;
    console.log(`two 64 Mpx builds at once (scripted model): RSS peak +${grew.toFixed(0)} MiB over ${(before / MiB).toFixed(0)} MiB`);
    expect(built.map((b) => b.twin.image.width * b.twin.image.height)).toEqual([SIDE * SIDE, SIDE * SIDE]);
    expect(new Set(built.map((b) => b.twin.id)).size).toBe(2);
    expect(sizes).toEqual([`${SIDE}x${SIDE}`, `${SIDE}x${SIDE}`]);
    expect(mostHeld).toBe(1);
    // The bound: the pixel memory (512 MiB of recent pictures) plus one picture in flight, with room for
    // the allocator; two decodes side by side on top of the kept ones would pass it.
    expect(grew).toBeLessThan(1024);
  } finally {
    await twins.close();
  }
});

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRaw } from '../../../src/image/codec.js';
import type { LoadedImage } from '../../../src/perception/contract.js';
import { ImageMemory } from '../../../src/twin/images/image-memory.js';
import { PixelBudget } from '../../../src/twin/images/pixel-budget.js';
import type { Twin } from '../../../src/twin/scene-model.js';
import { noisyRaw } from '../../helpers/hostile-images.js';
import { tempDir } from '../../helpers/mcp-harness.js';
import { fileSource, classifyImageSource } from '../../../src/perception/image-input.js';

const LIMITS = { maxBytes: 1 << 20, maxPixels: 1 << 20 };
let dir: string;
beforeEach(async () => {
  dir = await tempDir('twinseg-image-memory-');
  for (const who of ['a', 'b', 'inline']) await fs.mkdir(path.join(dir, who));
});
afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

const png = (w: number, h: number) => encodeRaw({ data: noisyRaw(w, h), width: w, height: h, channels: 3 }, 'png');
const twinOf = (image: LoadedImage, source = image.source): Twin =>
  ({ id: 'tw_0000000000000001', image: { hash: image.hash, width: image.width, height: image.height, source } }) as Twin;

describe("ImageMemory.of reads a twin's image again only for a caller, inside its roots", () => {
  it("from the twin's recorded path when the caller's roots hold it; never without an access", async () => {
    const file = path.join(dir, 'a', 'p.png');
    await fs.writeFile(file, await png(8, 6));
    const built = (await new ImageMemory({ limits: LIMITS, log: () => undefined }).load(fileSource(file))).image;
    const fresh = () => new ImageMemory({ limits: LIMITS, log: () => undefined });
    expect((await fresh().of(twinOf(built), { roots: [path.join(dir, 'a')] })).hash).toBe(built.hash);
    await expect(fresh().of(twinOf(built), { roots: [path.join(dir, 'b')] })).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    await expect(fresh().of(twinOf(built))).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
  });

  it("from the caller's own path for the same picture first", async () => {
    const bytes = await png(8, 6);
    await fs.writeFile(path.join(dir, 'a', 'p.png'), bytes);
    await fs.writeFile(path.join(dir, 'b', 'mine.png'), bytes);
    const built = (await new ImageMemory({ limits: LIMITS, log: () => undefined }).load(fileSource(path.join(dir, 'a', 'p.png')))).image;
    const image = await new ImageMemory({ limits: LIMITS, log: () => undefined }).of(twinOf(built), {
      roots: [path.join(dir, 'b')],
      source: path.join(dir, 'b', 'mine.png'),
    });
    expect([image.hash, image.source]).toEqual([built.hash, path.join(dir, 'b', 'mine.png')]);
  });

  it('refuses a file that changed since the twin was built', async () => {
    const file = path.join(dir, 'a', 'p.png');
    await fs.writeFile(file, await png(8, 6));
    const built = (await new ImageMemory({ limits: LIMITS, log: () => undefined }).load(fileSource(file))).image;
    await fs.writeFile(file, await png(9, 6));
    await expect(new ImageMemory({ limits: LIMITS, log: () => undefined }).of(twinOf(built), { roots: [dir] })).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      cause: { code: 'IMAGE_UNREADABLE' },
    });
  });
});

describe('copies of inline images', () => {
  it('are the bytes sent, read back after a restart for any holder of the twin, and bounded in number and bytes', async () => {
    const inlineDir = path.join(dir, 'inline');
    const memory = new ImageMemory({ limits: LIMITS, inlineDir, inlineKept: { count: 3, bytes: 1 << 20 }, log: () => undefined });
    const sent: { base64: string; image: LoadedImage }[] = [];
    for (let i = 0; i < 5; i++) {
      const base64 = (await png(8 + i, 6)).toString('base64');
      const { image, release } = await memory.load(classifyImageSource(base64));
      release();
      await memory.remember(image, classifyImageSource(base64));
      sent.push({ base64, image });
      await new Promise((resolve) => setTimeout(resolve, 15)); // distinct mtimes
    }
    const files = (await fs.readdir(inlineDir)).sort();
    expect(files).toHaveLength(3);
    const last = sent[4]!;
    expect(await fs.readFile(path.join(inlineDir, `${last.image.hash}.img`))).toEqual(Buffer.from(last.base64, 'base64'));
    const restarted = new ImageMemory({ limits: LIMITS, inlineDir, log: () => undefined });
    expect((await restarted.of(twinOf(last.image))).hash).toBe(last.image.hash);

    const bytesBound = new ImageMemory({ limits: LIMITS, inlineDir, inlineKept: { count: 100, bytes: 1 }, log: () => undefined });
    const base64 = (await png(20, 20)).toString('base64');
    const { image } = await bytesBound.load(classifyImageSource(base64));
    await bytesBound.remember(image, classifyImageSource(base64));
    expect(await fs.readdir(inlineDir)).toEqual([`${image.hash}.img`]);
  });
});

describe('PixelBudget', () => {
  it('lets a second picture decode only when the first gives its pixels back, and one over the budget still alone', async () => {
    const budget = new PixelBudget(100);
    const first = await budget.take(80);
    let second: (() => void) | undefined;
    const waiting = budget.take(80).then((r) => (second = r));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(second).toBeUndefined();
    first();
    await waiting;
    expect(budget.inFlight).toBe(80);
    second!();
    const huge = await budget.take(1e9);
    expect(budget.inFlight).toBe(100);
    huge();
    expect(budget.inFlight).toBe(0);
  });

  it('gives up waiting when the caller cancels', async () => {
    const budget = new PixelBudget(10);
    const held = await budget.take(10);
    const ac = new AbortController();
    const waiting = budget.take(5, ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    held();
    expect(budget.inFlight).toBe(0);
  });
});

// Small datasets written by the tests: plain PNG images, ReasonSeg JSONs and COCO files around them.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeRaw } from '../../src/image/codec.js';
import { rleFromBitmap, type Box, type Rle } from '../../src/mask/rle.js';

export async function tempDir(prefix = 'twinseg-eval-'): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

/** A grey PNG of the given size. */
export async function writePng(file: string, width: number, height: number): Promise<void> {
  const data = new Uint8Array(width * height * 3).fill(128);
  await fs.writeFile(file, await encodeRaw({ data, width, height, channels: 3 }, 'png'));
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.writeFile(file, JSON.stringify(value));
}

/** A box mask [x1, y1, x2, y2) (x2, y2 exclusive). */
export function boxRle(width: number, height: number, [x1, y1, x2, y2]: Box): Rle {
  const bits = new Uint8Array(width * height);
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) bits[y * width + x] = 1;
  return rleFromBitmap(bits, width, height);
}

/**
 * A rectangle as polygon points whose OpenCV fill (outline included, vertices truncated) is exactly the
 * pixels [x1, x2) × [y1, y2): corners at the first and last pixel.
 */
export function rectPoints([x1, y1, x2, y2]: Box): [number, number][] {
  return [
    [x1, y1],
    [x2 - 1, y1],
    [x2 - 1, y2 - 1],
    [x1, y2 - 1],
  ];
}

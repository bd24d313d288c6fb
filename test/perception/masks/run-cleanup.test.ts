// Region cleanup on runs must give the pixel cleanup's result exactly: on random masks of every density
// (noise, blobs with holes, masks at the image edges), with areas that make it fill, drop, keep one, or
// leave the mask alone.
import { describe, expect, it } from 'vitest';
import { rleArea, rleBbox, rleFromBitmap, rleToBitmap, type Rle } from '../../../src/mask/rle.js';
import { cleanupMask } from '../../../src/perception/masks/region-cleanup.js';
import { cleanupRuns } from '../../../src/perception/masks/run-cleanup.js';
import { randomBits } from '../../helpers/random-bits.js';

function byPixels(rle: Rle, minArea: number): Rle | undefined {
  const bits = rleToBitmap(rle);
  return cleanupMask(bits, rle.width, rle.height, minArea, rleBbox(rle)) ? rleFromBitmap(bits, rle.width, rle.height) : undefined;
}

/** Noise thinned to blobs: a pixel is on where most of its 3×3 neighbourhood was, so blobs keep holes and islands. */
function blobs(w: number, h: number, seed: number, density: number): Uint8Array {
  const noise = randomBits(w, h, seed, density);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let n = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++)
          n += noise[(y + dy) * w + x + dx] && x + dx >= 0 && x + dx < w && y + dy >= 0 && y + dy < h ? 1 : 0;
      out[y * w + x] = n >= 5 ? 1 : 0;
    }
  return out;
}

describe('region cleanup on runs', () => {
  it('gives the pixel cleanup’s mask on 1,200 random masks, and says when nothing changes', () => {
    let changed = 0;
    for (let seed = 1; seed <= 1200; seed++) {
      const w = 8 + (seed % 53);
      const h = 6 + ((seed * 7) % 41);
      const density = [0.3, 0.5, 0.6, 0.75][seed % 4]!;
      const bits = seed % 3 === 0 ? randomBits(w, h, seed, density) : blobs(w, h, seed, density);
      const rle = rleFromBitmap(bits, w, h);
      if (rleArea(rle) === 0) continue;
      const minArea = [1, 2, 3, 5, 9, 20, 60][seed % 7]!;
      const want = byPixels(rle, minArea);
      const got = cleanupRuns(rle, minArea);
      expect(got === undefined, `seed ${seed}: changed`).toBe(want === undefined);
      if (want && got) {
        changed++;
        expect(Array.from(rleToBitmap(got)), `seed ${seed}`).toEqual(Array.from(rleToBitmap(want)));
      }
    }
    expect(changed).toBeGreaterThan(600);
  });

  it('leaves an empty mask and area 0 alone', () => {
    const rle = rleFromBitmap(randomBits(10, 10, 3, 0.5), 10, 10);
    expect(cleanupRuns(rle, 0)).toBeUndefined();
    expect(cleanupRuns(rleFromBitmap(new Uint8Array(100), 10, 10), 50)).toBeUndefined();
  });
});

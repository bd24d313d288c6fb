import { describe, expect, it } from 'vitest';
import { rleFromBitmap } from '../../src/mask/rle.js';
import { rleHullArea } from '../../src/mask/hull.js';

const W = 40;
const H = 30;
function bits(fill: (x: number, y: number) => boolean): Uint8Array {
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[y * W + x] = fill(x, y) ? 1 : 0;
  return out;
}

describe('rleHullArea', () => {
  it('is the area of a rectangle, and of the rectangle an L-shape spans', () => {
    expect(
      rleHullArea(
        rleFromBitmap(
          bits((x, y) => x >= 5 && x < 15 && y >= 2 && y < 22),
          W,
          H,
        ),
      ),
    ).toBe(200);
    const l = bits((x, y) => x >= 5 && x < 25 && y >= 2 && y < 22 && (x < 10 || y >= 17));
    expect(rleHullArea(rleFromBitmap(l, W, H))).toBe(20 * 20 - (15 * 15) / 2);
  });

  it('is 0 for an empty mask and 1 for one pixel', () => {
    expect(rleHullArea(rleFromBitmap(new Uint8Array(W * H), W, H))).toBe(0);
    expect(
      rleHullArea(
        rleFromBitmap(
          bits((x, y) => x === 39 && y === 29),
          W,
          H,
        ),
      ),
    ).toBe(1);
  });
});

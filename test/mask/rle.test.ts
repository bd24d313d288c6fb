import { randomBits } from '../helpers/random-bits.js';
import { describe, expect, it } from 'vitest';
import {
  rleArea,
  rleBbox,
  rleContains,
  rleDifference,
  rleFromBitmap,
  rleFromSpans,
  rleIntersection,
  rleIntersectionArea,
  rleIou,
  rleToBitmap,
  rleUnion,
} from '../../src/mask/rle.js';

describe('rle', () => {
  it('encodes column-major runs starting with background', () => {
    // 3x2 image, row-major:  1 0 0
    //                        1 1 0
    const rle = rleFromBitmap([1, 0, 0, 1, 1, 0], 3, 2);
    // column-major pixels: (0,0)=1 (0,1)=1 (1,0)=0 (1,1)=1 (2,0)=0 (2,1)=0
    expect(Array.from(rle.counts)).toEqual([0, 2, 1, 1, 2]);
    expect(rleArea(rle)).toBe(3);
    expect(rleBbox(rle)).toEqual([0, 0, 2, 2]);
    expect(rleContains(rle, 1, 1)).toBe(true);
    expect(rleContains(rle, 1, 0)).toBe(false);
  });

  it('round-trips random bitmaps', () => {
    for (const [w, h] of [
      [1, 1],
      [7, 5],
      [64, 33],
    ] as const) {
      const bits = randomBits(w, h, w * 31 + h);
      expect(Array.from(rleToBitmap(rleFromBitmap(bits, w, h)))).toEqual(Array.from(bits));
    }
  });

  it('gives an empty box for an empty mask', () => {
    expect(rleBbox(rleFromBitmap(new Uint8Array(12), 4, 3))).toEqual([0, 0, 0, 0]);
  });

  it('computes set operations like pixelwise logic', () => {
    const w = 23;
    const h = 17;
    const a = randomBits(w, h, 1);
    const b = randomBits(w, h, 2);
    const ra = rleFromBitmap(a, w, h);
    const rb = rleFromBitmap(b, w, h);
    const expectOp = (got: Uint8Array, f: (x: number, y: number) => number) =>
      expect(Array.from(got)).toEqual(Array.from(a, (v, i) => f(v, b[i]!)));
    expectOp(rleToBitmap(rleUnion(ra, rb)), (x, y) => (x || y ? 1 : 0));
    expectOp(rleToBitmap(rleIntersection(ra, rb)), (x, y) => (x && y ? 1 : 0));
    expectOp(rleToBitmap(rleDifference(ra, rb)), (x, y) => (x && !y ? 1 : 0));
    const inter = a.reduce((n, v, i) => n + (v && b[i] ? 1 : 0), 0);
    const union = a.reduce((n, v, i) => n + (v || b[i] ? 1 : 0), 0);
    expect(rleIntersectionArea(ra, rb)).toBe(inter);
    expect(rleIou(ra, rb)).toBeCloseTo(inter / union, 12);
  });
});

describe('rleFromBitmap with a bounds hint', () => {
  it('encodes exactly as without it when the box holds all foreground', () => {
    const w = 29;
    const h = 17;
    for (const box of [
      [3, 2, 11, 9],
      [0, 0, 29, 17],
      [0, 5, 29, 6],
      [28, 0, 29, 17],
      [5, 16, 9, 17],
    ] as const) {
      const bits = randomBits(w, h, box[0] * 7 + box[1]);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) if (x < box[0] || x >= box[2] || y < box[1] || y >= box[3]) bits[y * w + x] = 0;
      const hinted = rleFromBitmap(bits, w, h, [...box]);
      expect(Array.from(hinted.counts)).toEqual(Array.from(rleFromBitmap(bits, w, h).counts));
    }
    expect(Array.from(rleFromBitmap(new Uint8Array(w * h), w, h, [0, 0, 0, 0]).counts)).toEqual([w * h]);
  });
});

describe('rleFromSpans', () => {
  it('builds the same runs as the bitmap encoder from column-major spans, merging touching ones', () => {
    // 3x2, row-major: 1 0 0 / 1 1 0 → column-major spans (0,2) and (3,1).
    expect(Array.from(rleFromSpans(3, 2, [0, 1, 1, 1, 3, 1]).counts)).toEqual(Array.from(rleFromBitmap([1, 0, 0, 1, 1, 0], 3, 2).counts));
    expect(Array.from(rleFromSpans(4, 4, []).counts)).toEqual([16]);
  });
});

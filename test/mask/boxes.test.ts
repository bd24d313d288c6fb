import { describe, expect, it } from 'vitest';
import { rleArea, rleBbox, rleFromBitmap, rleIou } from '../../src/mask/rle.js';
import { boxGap, boxIou, masksOverlap } from '../../src/mask/boxes.js';

describe('boxIou', () => {
  it('matches hand-computed overlaps', () => {
    expect(boxIou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 12);
    expect(boxIou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(boxIou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0); // touching edges share no pixel
    expect(boxIou([0, 0, 4, 4], [1, 1, 3, 3])).toBeCloseTo(4 / 16, 12);
    expect(boxIou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0);
  });
});

describe('boxGap', () => {
  it('is zero on an axis where boxes overlap and the pixel gap otherwise', () => {
    expect(boxGap([0, 0, 10, 10], [12, 5, 20, 20])).toEqual({ dx: 2, dy: 0 });
    expect(boxGap([0, 0, 10, 10], [10, 10, 20, 20])).toEqual({ dx: 0, dy: 0 });
  });
});

describe('masksOverlap', () => {
  const W = 40;
  const H = 30;
  const rect = (x1: number, y1: number, x2: number, y2: number) => {
    const bits = new Uint8Array(W * H);
    for (let y = y1; y < y2; y++) bits.fill(1, y * W + x1, y * W + x2);
    const rle = rleFromBitmap(bits, W, H);
    return { rle, area: rleArea(rle), bbox: rleBbox(rle) };
  };

  it('agrees with the masks IoU at the threshold, whichever test rules a pair out', () => {
    const a = rect(0, 0, 10, 10);
    const pairs = [rect(0, 0, 10, 9), rect(1, 0, 11, 10), rect(0, 0, 20, 20), rect(20, 20, 30, 30), rect(2, 2, 8, 8)];
    for (const b of pairs) {
      for (const t of [0.3, 0.5, 0.8, 0.9]) expect(masksOverlap(a, b, t), `${b.bbox} at ${t}`).toBe(rleIou(a.rle, b.rle) >= t);
    }
  });
});

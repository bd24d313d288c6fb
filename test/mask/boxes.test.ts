import { describe, expect, it } from 'vitest';
import { boxGap, boxIou } from '../../src/mask/boxes.js';

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

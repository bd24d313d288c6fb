import { describe, expect, it } from 'vitest';
import { stabilityScore } from '../../../src/perception/sam/stability.js';

describe('stabilityScore', () => {
  it('is IoU of the masks at logit > +offset and > -offset', () => {
    // > -1: {3, 0.5, -0.5} (3 px); > +1: {3} (1 px)  =>  1/3
    expect(stabilityScore([3, 0.5, -0.5, -3], 1)).toBeCloseTo(1 / 3, 12);
    expect(stabilityScore([5, 4, 2, -5], 1)).toBe(1);
    // offset 2: > -2: {3, 0.5, -0.5, -1.5}; > 2: {3}
    expect(stabilityScore([3, 0.5, -0.5, -1.5, -3], 2)).toBeCloseTo(1 / 4, 12);
  });

  it('scores an empty mask 0 and uses strict thresholds', () => {
    expect(stabilityScore([-5, -4], 1)).toBe(0);
    expect(stabilityScore([1, -1], 1)).toBe(0); // 1 is not > 1, -1 is not > -1
  });
});

import { describe, expect, it } from 'vitest';
import { boxNms } from '../../../src/perception/everything/nms.js';
import type { Box } from '../../../src/mask/rle.js';

describe('boxNms', () => {
  it('keeps the best-scored box of an overlapping pair and any separate box, best first', () => {
    const boxes: Box[] = [
      [0, 0, 10, 10], // 0: score 0.9
      [1, 0, 11, 10], // 1: IoU with 0 = 90/110 = 0.82, score 0.95
      [50, 50, 60, 60], // 2: separate, score 0.5
    ];
    expect(boxNms(boxes, [0.9, 0.95, 0.5], 0.7)).toEqual([1, 2]);
  });

  it('drops only above the threshold (IoU equal to it stays)', () => {
    const boxes: Box[] = [
      [0, 0, 10, 10],
      [5, 0, 15, 10], // IoU 1/3
    ];
    expect(boxNms(boxes, [1, 0.5], 1 / 3)).toEqual([0, 1]);
    expect(boxNms(boxes, [1, 0.5], 0.3)).toEqual([0]);
  });

  it('suppresses greedily: a box removed by a better one cannot remove a third', () => {
    const boxes: Box[] = [
      [0, 0, 10, 10], // A, best
      [3, 0, 13, 10], // B overlaps A (IoU 70/130 = 0.54) and C
      [6, 0, 16, 10], // C overlaps B (0.54) but A only 40/160 = 0.25
    ];
    expect(boxNms(boxes, [0.9, 0.8, 0.7], 0.5)).toEqual([0, 2]);
  });

  it('breaks score ties by input order and refuses mismatched lengths', () => {
    expect(
      boxNms(
        [
          [0, 0, 5, 5],
          [0, 0, 5, 5],
        ],
        [0.5, 0.5],
        0.7,
      ),
    ).toEqual([0]);
    expect(() => boxNms([[0, 0, 5, 5]], [], 0.7)).toThrow(RangeError);
  });
});

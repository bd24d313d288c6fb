import { describe, expect, it } from 'vitest';
import { scoreMask, summariseScores } from '../../src/eval/metrics.js';
import { TwinsegError } from '../../src/errors.js';
import { boxRle } from './eval-fixtures.js';

const W = 10;
const H = 10;
const box = (b: [number, number, number, number]) => boxRle(W, H, b);
const empty = box([0, 0, 0, 0]);

describe('per-sample IoU', () => {
  it('is 1 for a perfect prediction', () => {
    expect(scoreMask(box([2, 2, 6, 6]), box([2, 2, 6, 6]))).toEqual({
      intersection: 16,
      union: 16,
      iou: 1,
      predictionArea: 16,
      targetArea: 16,
    });
  });

  it('counts a partial overlap by hand: 4x4 target, 4x4 prediction shifted by 2 → 8 / 24', () => {
    const s = scoreMask(box([4, 2, 8, 6]), box([2, 2, 6, 6]));
    expect(s).toMatchObject({ intersection: 8, union: 24 });
    expect(s.iou).toBeCloseTo(1 / 3, 12);
  });

  it('scores an empty prediction 0 against a target, and a missing one the same', () => {
    expect(scoreMask(empty, box([2, 2, 6, 6]))).toMatchObject({ iou: 0, intersection: 0, union: 16 });
    expect(scoreMask(undefined, box([2, 2, 6, 6]))).toMatchObject({ iou: 0, union: 16, predictionArea: 0 });
  });

  it('scores a prediction 0 when the target is empty', () => {
    expect(scoreMask(box([0, 0, 2, 2]), empty)).toMatchObject({ iou: 0, intersection: 0, union: 4 });
  });

  it("scores an empty prediction on an empty target 1 (LISA's no-object target)", () => {
    expect(scoreMask(empty, empty)).toMatchObject({ iou: 1, intersection: 0, union: 0 });
    expect(scoreMask(undefined, empty).iou).toBe(1);
  });

  it('leaves ignore pixels out of both masks', () => {
    // Target 4x4 at (2,2); prediction covers it plus a 2x4 strip to the right that is ignored.
    const s = scoreMask(box([2, 2, 8, 6]), box([2, 2, 6, 6]), box([6, 0, 10, 10]));
    expect(s).toMatchObject({ intersection: 16, union: 16, iou: 1, predictionArea: 16 });
    // Ignore inside the target shrinks the target too: 4x4 minus a 2x4 ignored half.
    const t = scoreMask(box([2, 2, 4, 6]), box([2, 2, 6, 6]), box([4, 0, 10, 10]));
    expect(t).toMatchObject({ intersection: 8, union: 8, targetArea: 8, iou: 1 });
  });

  it('counts a target that lies wholly in ignore as empty', () => {
    expect(scoreMask(empty, box([2, 2, 4, 4]), box([0, 0, 10, 10])).iou).toBe(1);
  });

  it('refuses a prediction of another size, naming both sizes', () => {
    const e = (() => {
      try {
        scoreMask(boxRle(5, 5, [0, 0, 1, 1]), box([0, 0, 1, 1]));
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(TwinsegError);
    expect((e as TwinsegError).message).toMatch(/5x5.*10x10/);
  });
});

describe('gIoU and cIoU', () => {
  it('averages per sample (gIoU) and pools pixels (cIoU), by hand', () => {
    // Sample 1: I 8, U 24 (IoU 1/3). Sample 2: I 1, U 1 (IoU 1). Sample 3: empty on empty (IoU 1, U 0).
    const s = summariseScores([
      { intersection: 8, union: 24, iou: 1 / 3 },
      { intersection: 1, union: 1, iou: 1 },
      { intersection: 0, union: 0, iou: 1 },
    ]);
    expect(s.count).toBe(3);
    expect(s.gIoU).toBeCloseTo((1 / 3 + 1 + 1) / 3, 12);
    expect(s.cIoU).toBeCloseTo(9 / 25, 12);
  });

  it('gives cIoU 1 when no sample has any union (all empty on empty), and 0 for no samples', () => {
    expect(summariseScores([{ intersection: 0, union: 0, iou: 1 }]).cIoU).toBe(1);
    expect(summariseScores([])).toEqual({ gIoU: 0, cIoU: 0, count: 0 });
  });
});

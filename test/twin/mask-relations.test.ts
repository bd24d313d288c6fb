import { describe, expect, it } from 'vitest';
import { rleArea, rleBbox, rleFromBitmap } from '../../src/mask/rle.js';
import { maskRelations, missedPoints } from '../../src/twin/mask-relations.js';
import { makeTwin, W, H } from '../helpers/recording-twin-service.js';

function rect(x1: number, y1: number, x2: number, y2: number) {
  const bits = new Uint8Array(W * H);
  for (let y = y1; y < y2; y++) bits.fill(1, y * W + x1, y * W + x2);
  return rleFromBitmap(bits, W, H);
}

// makeTwin: object 1 = [1,1,8,9] (56 px), 2 = [12,2,19,8] (42 px), 3 = [2,2,5,5] (9 px, inside 1).
describe("what a new mask is, next to the twin's objects", () => {
  const twin = makeTwin();
  const rel = (m: ReturnType<typeof rect>, exclude?: number) => maskRelations(twin, m, rleArea(m), rleBbox(m), exclude);

  it('names a near-copy a duplicate, with its IoU', () => {
    expect(rel(rect(1, 1, 8, 9))[0]).toEqual({ id: 1, iou: 1, relation: 'duplicate' });
  });

  it('says which objects the mask lies inside, contains and overlaps, most overlapping first', () => {
    // A mask over object 3 and a bit more, inside object 1.
    expect(rel(rect(2, 2, 6, 6))).toEqual([
      { id: 3, iou: 0.563, relation: 'contains' },
      { id: 1, iou: 0.286, relation: 'inside' },
    ]);
    // Straddling objects 1 and 2.
    expect(rel(rect(6, 3, 14, 6)).map((r) => [r.id, r.relation])).toEqual([
      [2, 'overlaps'],
      [1, 'overlaps'],
    ]);
  });

  it('leaves out the object being refined', () => {
    expect(rel(rect(1, 1, 8, 9), 1).map((r) => r.id)).toEqual([3]);
  });

  it('lists positive clicks the mask leaves out and negative clicks it covers', () => {
    const m = rect(1, 1, 8, 9);
    expect(
      missedPoints(m, [
        { x: 2, y: 2, label: 1 },
        { x: 15, y: 5, label: 1 },
        { x: 3, y: 3, label: 0 },
        { x: 15, y: 5, label: 0 },
      ]),
    ).toEqual([
      { x: 15, y: 5, label: 1 },
      { x: 3, y: 3, label: 0 },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { buildTwin } from '../../src/twin/build-twin.js';
import { holds, masksWithin, nearestTo, relationsFor } from '../../src/twin/relations.js';
import { proposalOf, rectBits, Scene, standardScene, toRle } from './scene-fixture.js';

const meta = { model: 'm', params: {} };
// Ids: 1 rectangle, 2 disc, 3 post (touching 1's right side), 4 window (inside 1), 5 tag (below 2).
const { scene, proposals } = standardScene();
const twin = buildTwin(scene.image(), proposals, meta);

describe('directional relations', () => {
  it('puts side-by-side objects left/right of each other, never a part relative to its whole', () => {
    expect(holds(twin, 'left_of', 1, 2)).toBe(true);
    expect(holds(twin, 'right_of', 2, 1)).toBe(true);
    expect(holds(twin, 'left_of', 1, 3)).toBe(true);
    expect(holds(twin, 'left_of', 4, 1)).toBe(false);
    expect(holds(twin, 'right_of', 1, 4)).toBe(false);
  });

  it('puts the tag below the disc but neither left nor right of it (they share its width)', () => {
    expect(holds(twin, 'below', 5, 2)).toBe(true);
    expect(holds(twin, 'above', 2, 5)).toBe(true);
    expect(holds(twin, 'left_of', 5, 2)).toBe(false);
    expect(holds(twin, 'right_of', 5, 2)).toBe(false);
  });
});

describe('mask relations', () => {
  it('finds containment both ways', () => {
    expect(holds(twin, 'inside', 4, 1)).toBe(true);
    expect(holds(twin, 'contains', 1, 4)).toBe(true);
    expect(holds(twin, 'inside', 1, 4)).toBe(false);
    expect(holds(twin, 'overlaps', 1, 4)).toBe(false);
  });

  it('finds adjacent masks touching and separated ones not', () => {
    expect(holds(twin, 'touches', 1, 3)).toBe(true);
    expect(holds(twin, 'touches', 3, 1)).toBe(true);
    expect(holds(twin, 'touches', 2, 5)).toBe(false);
    expect(holds(twin, 'touches', 1, 4)).toBe(false); // overlapping is not touching
  });

  it('counts a gap of 2 px as touching and 3 px as not', () => {
    const w = 40;
    const h = 10;
    const a = { rle: toRle(rectBits(w, h, [0, 0, 10, 10]), w, h), bbox: [0, 0, 10, 10] as [number, number, number, number] };
    const at = (x: number) => ({
      rle: toRle(rectBits(w, h, [x, 2, x + 5, 6]), w, h),
      bbox: [x, 2, x + 5, 6] as [number, number, number, number],
    });
    expect(masksWithin(a, at(12), 2)).toBe(true); // columns 10 and 11 between
    expect(masksWithin(a, at(13), 2)).toBe(false);
    expect(masksWithin(a, at(10), 0)).toBe(true);
  });

  it('reports partial overlaps with their IoU', () => {
    const s = new Scene(60, 30);
    const a = toRle(rectBits(60, 30, [0, 0, 30, 20]), 60, 30);
    const b = toRle(rectBits(60, 30, [20, 5, 50, 25]), 60, 30);
    const t = buildTwin(s.image(), [proposalOf(a), proposalOf(b)], meta);
    const rels = relationsFor(t, undefined, ['overlaps']);
    // intersection [20,30)x[5,20) = 150; union 600 + 600 - 150
    expect(rels).toEqual([{ subject: 1, kind: 'overlaps', object: 2, value: Math.round((150 / 1050) * 1000) / 1000 }]);
  });
});

describe('relationsFor', () => {
  it('lists nearest neighbours by bbox gap, skipping the object’s own parts', () => {
    expect(nearestTo(twin, 1, 2)).toEqual([
      { id: 3, gap: 0 },
      { id: 2, gap: 30 },
    ]);
    expect(relationsFor(twin, [1], ['near'], { k: 3 }).map((r) => [r.object, r.value])).toEqual([
      [3, 0],
      [2, 30],
      [5, 65],
    ]);
  });

  it('ranks sizes with 1 for the largest', () => {
    expect(relationsFor(twin, [2, 5], ['size_rank'])).toEqual([
      { subject: 2, kind: 'size_rank', value: 2 },
      { subject: 5, kind: 'size_rank', value: 5 },
    ]);
  });

  it('lists a symmetric relation once per pair and restricts objects with `among`', () => {
    expect(relationsFor(twin, undefined, ['touches'])).toEqual([{ subject: 1, kind: 'touches', object: 3 }]);
    expect(relationsFor(twin, [1, 2], ['left_of', 'right_of'], { among: true })).toEqual([
      { subject: 1, kind: 'left_of', object: 2 },
      { subject: 2, kind: 'right_of', object: 1 },
    ]);
    expect(relationsFor(twin, [4], ['inside', 'contains'])).toEqual([{ subject: 4, kind: 'inside', object: 1 }]);
  });

  it('names the existing ids when asked about an unknown object', () => {
    expect(() => relationsFor(twin, [9])).toThrow(
      expect.objectContaining({ code: 'OBJECT_NOT_FOUND', hint: expect.stringContaining('Use ids the twin has: 1–5') }),
    );
  });
});

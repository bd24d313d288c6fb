import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Box } from '../../../src/mask/rle.js';
import {
  boxesTouch,
  deepestClear,
  layoutLabels,
  segmentHitsBox,
  segmentsCross,
  type LabelTarget,
} from '../../../src/twin/pictures/label-layout.js';
import { distanceTransform, interiorCandidates } from '../../../src/twin/pictures/mark-placement.js';

/** A label target for a w×h rectangle of the picture at (x, y). */
function rectTarget(id: number, [x1, y1, x2, y2]: Box, label: [number, number] = [30, 24]): LabelTarget {
  const w = x2 - x1;
  const h = y2 - y1;
  const dist = distanceTransform(new Uint8Array(w * h).fill(1), w, h);
  const spots = interiorCandidates(dist, w, h, label[1] * 1.5, 12, label[1], [w / 2, h / 2]).map((c) => ({
    ...c,
    x: c.x + x1,
    y: c.y + y1,
  }));
  return { id, width: label[0], height: label[1], spots, depth: { box: [x1, y1, x2, y2], values: dist }, area: w * h };
}

const inside = (x: number, y: number, [x1, y1, x2, y2]: Box) => x >= x1 && x < x2 && y >= y1 && y < y2;

describe('label layout', () => {
  it('puts a label on its object when the object has room', () => {
    const { placed, unplaced } = layoutLabels([rectTarget(1, [100, 100, 300, 200])], [0, 0, 400, 300]);
    expect(unplaced).toEqual([]);
    expect(placed[0]!.leader).toBeUndefined();
    const [x1, y1, x2, y2] = placed[0]!.box;
    expect(inside((x1 + x2) / 2, (y1 + y2) / 2, [100, 100, 300, 200])).toBe(true);
  });

  it('moves the label of an object too thin to hold it beside it, with a leader ending inside the object', () => {
    const thin: Box = [200, 50, 206, 250];
    const { placed } = layoutLabels([rectTarget(1, thin)], [0, 0, 400, 300]);
    const { box, leader } = placed[0]!;
    expect(leader).toBeDefined();
    expect(inside(leader!.to[0], leader!.to[1], thin)).toBe(true);
    expect(boxesTouch(box, thin)).toBe(false);
  });

  it('keeps every pair of labels apart, leaders clear of other labels, all inside the frame', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 380 }),
            fc.integer({ min: 0, max: 280 }),
            fc.integer({ min: 3, max: 120 }),
            fc.integer({ min: 3, max: 120 }),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        (rects) => {
          const frame: Box = [10, 20, 400, 300];
          const targets = rects.map(([x, y, w, h], i) => rectTarget(i + 1, [x, y, Math.min(400, x + w), Math.min(300, y + h)]));
          const { placed, unplaced } = layoutLabels(targets, frame);
          expect(placed.length + unplaced.length).toBe(targets.length);
          for (const [i, a] of placed.entries()) {
            expect(a.box[0] >= frame[0] && a.box[1] >= frame[1] && a.box[2] <= frame[2] && a.box[3] <= frame[3]).toBe(true);
            for (const b of placed.slice(i + 1)) expect(boxesTouch(a.box, b.box, 2), `${a.id} and ${b.id}`).toBe(false);
            if (!a.leader) continue;
            const seg = [...a.leader.from, ...a.leader.to] as [number, number, number, number];
            const own = targets[a.id - 1]!.depth.box;
            expect(inside(a.leader.to[0], a.leader.to[1], own), `leader of ${a.id} ends on its object`).toBe(true);
            for (const b of placed)
              if (b.id !== a.id) expect(segmentHitsBox(seg, b.box), `leader of ${a.id} through label ${b.id}`).toBe(false);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports a label with no free place instead of overlapping it', () => {
    // Twenty objects on one spot of a frame with room for few labels.
    const targets = Array.from({ length: 20 }, (_, i) => rectTarget(i + 1, [40, 30, 60, 50]));
    const { placed, unplaced } = layoutLabels(targets, [0, 0, 100, 80], { maxLeader: 30 });
    expect(unplaced.length).toBeGreaterThan(0);
    expect(placed.length + unplaced.length).toBe(20);
  });
});

describe('layout geometry', () => {
  it('tells whether a segment passes through a box', () => {
    expect(segmentHitsBox([0, 0, 10, 10], [4, 4, 6, 6])).toBe(true);
    expect(segmentHitsBox([0, 10, 10, 10], [4, 4, 6, 6])).toBe(false);
    expect(segmentHitsBox([5, 5, 5, 5], [4, 4, 6, 6])).toBe(true);
    expect(segmentHitsBox([0, 0, 3, 3], [4, 4, 6, 6])).toBe(false);
  });

  it('tells whether two segments cross', () => {
    expect(segmentsCross([0, 0, 10, 10], [0, 10, 10, 0])).toBe(true);
    expect(segmentsCross([0, 0, 10, 0], [0, 5, 10, 5])).toBe(false);
    expect(segmentsCross([0, 0, 5, 5], [5, 5, 10, 0])).toBe(false);
  });

  it('finds the deepest points of an object that no label hides', () => {
    const t = rectTarget(1, [0, 0, 100, 40]);
    const [first] = deepestClear(t.depth, [], 1, 0);
    expect(first![1]).toBeCloseTo(19.5, 0);
    const hider: Box = [30, 0, 70, 40];
    const clear = deepestClear(t.depth, [hider], 3, 5);
    expect(clear).toHaveLength(3);
    for (const [x, y] of clear) expect(inside(x, y, [27, -3, 73, 43])).toBe(false);
  });
});

// Measurements of drawn-scene ground truth the request generator needs: centroids, and the twin's own
// definitions of left/right/above/below (src/twin/relations.ts) applied to exact masks, so that a request's
// words mean what the twin's filters mean.
import type { Box, Rle } from '../../mask/rle.js';
import type { SceneObject } from '../../scenes/scene.js';

/** Mean of pixel centres, as the twin computes centroids. */
export function rleCentroid(rle: Rle): [number, number] {
  let sx = 0;
  let sy = 0;
  let n = 0;
  let pos = 0;
  const h = rle.height;
  for (let k = 0; k < rle.counts.length; k++) {
    const run = rle.counts[k]!;
    if (k % 2 === 1) {
      for (let p = pos; p < pos + run; p++) {
        sx += Math.floor(p / h) + 0.5;
        sy += (p % h) + 0.5;
      }
      n += run;
    }
    pos += run;
  }
  return n === 0 ? [0, 0] : [sx / n, sy / n];
}

export type Direction = 'left_of' | 'right_of' | 'above' | 'below';
export const DIRECTIONS: readonly Direction[] = ['left_of', 'right_of', 'above', 'below'];

const overlap1d = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/** A `dir` B as the twin defines it: centroid beyond B's, and boxes sharing at most half the narrower extent. */
export function holdsDirection(
  dir: Direction,
  a: { bbox: Box; centroid: [number, number] },
  b: { bbox: Box; centroid: [number, number] },
): boolean {
  const horizontal = dir === 'left_of' || dir === 'right_of';
  const axis = horizontal ? 0 : 1;
  const [lo, hi] = horizontal ? [0, 2] : [1, 3];
  const shared = overlap1d(a.bbox[lo]!, a.bbox[hi]!, b.bbox[lo]!, b.bbox[hi]!);
  const narrower = Math.min(a.bbox[hi]! - a.bbox[lo]!, b.bbox[hi]! - b.bbox[lo]!);
  if (shared > narrower / 2) return false;
  const before = dir === 'left_of' || dir === 'above';
  return before ? a.centroid[axis]! < b.centroid[axis]! : a.centroid[axis]! > b.centroid[axis]!;
}

export interface Placed {
  object: SceneObject;
  centroid: [number, number];
}

export const DIRECTION_WORDS: Record<Direction, string> = { left_of: 'left of', right_of: 'right of', above: 'above', below: 'below' };

// Convex hull area of a run-length mask: each column's first and last set pixel (as pixel squares'
// corners) give the hull's candidate points, so a mask costs one walk over its runs.
import type { Rle } from './rle.js';

type Pt = [number, number];

const cross = (o: Pt, a: Pt, b: Pt) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/** Area of the convex hull of the mask's pixel squares (0 for an empty mask). */
export function rleHullArea(rle: Rle): number {
  const { height, counts } = rle;
  const pts: Pt[] = [];
  let pos = 0;
  // Column-major runs: a foreground run [start, end) spans rows within one or more columns.
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k]!;
    if (k % 2 === 1 && n > 0) {
      const end = pos + n;
      for (let col = Math.floor(pos / height); col <= Math.floor((end - 1) / height); col++) {
        const top = Math.max(pos, col * height) - col * height;
        const bottom = Math.min(end, (col + 1) * height) - col * height; // exclusive
        pts.push([col, top], [col + 1, top], [col, bottom], [col + 1, bottom]);
      }
    }
    pos += n;
  }
  if (pts.length < 3) return 0;
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const lower: Pt[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Pt[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  const hull = [...lower.slice(0, -1), ...upper.slice(0, -1)];
  let twice = 0;
  for (let i = 0; i < hull.length; i++) {
    const [x1, y1] = hull[i]!;
    const [x2, y2] = hull[(i + 1) % hull.length]!;
    twice += x1 * y2 - x2 * y1;
  }
  return Math.abs(twice) / 2;
}

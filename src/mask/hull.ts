// Convex hulls: of a set of points (the twin's shape measures), and the hull area of a run-length mask,
// whose candidate points are each column's first and last set pixel (as pixel squares' corners), so a
// mask costs one walk over its runs (the twin's group test).
import { signedArea, type Point, type Ring } from './contours.js';
import type { Rle } from './rle.js';

/** Andrew's monotone chain; returns the hull counter-clockwise in math axes (clockwise on screen). */
export function convexHull(points: readonly Point[]): Ring {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length <= 2) return pts.map((p) => [p[0], p[1]]);
  const cross = (o: Point, a: Point, b: Point): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper).map((p) => [p[0], p[1]]);
}

/** Area of the convex hull of the mask's pixel squares (0 for an empty mask). */
export function rleHullArea(rle: Rle): number {
  const { height, counts } = rle;
  const pts: Point[] = [];
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
  return pts.length < 3 ? 0 : Math.abs(signedArea(convexHull(pts)));
}

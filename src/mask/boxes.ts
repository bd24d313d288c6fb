// Box arithmetic on [x1, y1, x2, y2] boxes (x2/y2 exclusive), shared by proposal NMS, hierarchy,
// relations and label placement, and the box-first test of whether two masks are the same.
import { rleIntersectionArea, type Box, type Rle } from './rle.js';

export function boxArea(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

/** Intersection over union of two [x1,y1,x2,y2] boxes; 0 when both are empty. */
export function boxIou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  const inter = iw > 0 && ih > 0 ? iw * ih : 0;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Gap between two boxes along x and y (0 where they overlap on that axis). */
export function boxGap(a: Box, b: Box): { dx: number; dy: number } {
  const dx = Math.max(0, a[0] - b[2], b[0] - a[2]);
  const dy = Math.max(0, a[1] - b[3], b[1] - a[3]);
  return { dx, dy };
}

export function boxIntersectionArea(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** A mask with its area and box, as proposals and objects carry them. */
export interface MeasuredMask {
  readonly rle: Rle;
  readonly area: number;
  readonly bbox: Box;
}

/**
 * Whether two masks overlap by IoU ≥ minIou. IoU ≥ t needs the smaller area, and the boxes' overlap, to be at
 * least t of the larger area, which rules most pairs out without reading their runs.
 */
export function masksOverlap(a: MeasuredMask, b: MeasuredMask, minIou: number): boolean {
  const larger = Math.max(a.area, b.area);
  if (Math.min(a.area, b.area) < minIou * larger) return false;
  if (boxIntersectionArea(a.bbox, b.bbox) < minIou * larger) return false;
  const inter = rleIntersectionArea(a.rle, b.rle);
  return inter / (a.area + b.area - inter) >= minIou;
}

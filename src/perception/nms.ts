// Greedy non-maximum suppression on boxes, as SAM's automatic mask generator uses it
// (torchvision batched_nms with one category): the best-scored box wins, overlapping ones go.
import type { Box } from './rle.js';

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

/**
 * Indices of the boxes kept, best score first. A box is dropped when its IoU with an already kept,
 * higher-scored box exceeds iouThresh. Ties keep input order, so results are deterministic.
 */
export function boxNms(boxes: Box[], scores: number[], iouThresh: number): number[] {
  if (boxes.length !== scores.length) {
    throw new RangeError(`boxNms needs one score per box: ${boxes.length} boxes, ${scores.length} scores`);
  }
  const order = boxes.map((_, i) => i).sort((i, j) => scores[j]! - scores[i]! || i - j);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.every((k) => boxIou(boxes[i]!, boxes[k]!) <= iouThresh)) kept.push(i);
  }
  return kept;
}

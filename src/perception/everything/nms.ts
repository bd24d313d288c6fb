// Greedy non-maximum suppression on boxes, as SAM's automatic mask generator uses it
// (torchvision batched_nms with one category): the best-scored box wins, overlapping ones go.
import { boxIou } from '../../mask/boxes.js';
import type { Box } from '../../mask/rle.js';

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

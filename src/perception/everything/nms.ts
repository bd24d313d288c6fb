// Greedy non-maximum suppression on boxes, as SAM's automatic mask generator uses it
// (torchvision batched_nms with one category): the best-scored box wins, overlapping ones go. And the
// same on masks, for crowds, where the boxes of a rider and of the horse she sits on overlap more than
// their masks do, and for the twin's merging of duplicates.
import { boxIntersectionArea, boxIou } from '../../mask/boxes.js';
import { rleIntersectionArea, type Box, type Rle } from '../../mask/rle.js';

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

/** A mask with its area and box (the box only guards the exact intersection). */
export interface NmsMask {
  readonly rle: Rle;
  readonly area: number;
  readonly bbox: Box;
}

/**
 * Indices of the masks kept, best score first (ties in input order): an empty mask, or one whose mask IoU
 * with an already kept, higher-scored mask is iouThresh or more, is dropped. Pairs whose areas or boxes
 * cannot reach iouThresh skip the exact intersection.
 */
export function maskNms(masks: readonly NmsMask[], scores: readonly number[], iouThresh: number): number[] {
  if (masks.length !== scores.length) {
    throw new RangeError(`maskNms needs one score per mask: ${masks.length} masks, ${scores.length} scores`);
  }
  const order = masks.map((_, i) => i).sort((i, j) => scores[j]! - scores[i]! || i - j);
  const kept: number[] = [];
  for (const i of order) {
    const a = masks[i]!;
    if (a.area === 0) continue;
    const same = kept.some((j) => {
      const b = masks[j]!;
      // IoU ≤ min/max of the areas, and ≤ the boxes' overlap over the larger area: skip hopeless pairs.
      const small = Math.min(a.area, b.area);
      const large = Math.max(a.area, b.area);
      if (small / large < iouThresh) return false;
      if (Math.min(boxIntersectionArea(a.bbox, b.bbox), small) / large < iouThresh) return false;
      const inter = rleIntersectionArea(a.rle, b.rle);
      return inter / (a.area + b.area - inter) >= iouThresh;
    });
    if (!same) kept.push(i);
  }
  return kept;
}

// gIoU and cIoU as LISA defines them (dvlab-research/LISA, train_ds.py `validate`): per sample, the
// intersection and union of prediction and target over the pixels that are not `ignore`; gIoU is the
// mean of the per-sample IoUs, cIoU the summed intersections over the summed unions. A large target
// weighs more in cIoU, every sample the same in gIoU.
//
// Empty masks, chosen to match LISA where it decides and stated where it does not:
// - target empty and prediction empty (after removing ignore): IoU 1. Nothing was to be found and
//   nothing was claimed (LISA: `acc_iou[union == 0] += 1.0`, its "no-object target").
// - target empty, prediction not: IoU 0 (union > 0, intersection 0). Same for the reverse.
// - no prediction for a sample: scored as an empty prediction, not skipped, so a run that gave up on
//   the hard samples cannot score better than one that answered them all.
// - cIoU when every sample's union is 0: 1, by the same reasoning as the per-sample rule (LISA's
//   epsilon would print 0 there). LISA's epsilons (1e-5, 1e-10) are left out elsewhere: exact ratios.
import { rleArea, rleDifference, rleIntersectionArea, type Rle } from '../mask/rle.js';
import { TwinsegError } from '../errors.js';

export interface MaskScore {
  intersection: number;
  union: number;
  iou: number;
  /** Pixels of each mask outside the ignore region. */
  predictionArea: number;
  targetArea: number;
}

/** Scores one prediction (undefined: none given) against a target, both without the ignore pixels. */
export function scoreMask(prediction: Rle | undefined, target: Rle, ignore?: Rle, what = 'the prediction'): MaskScore {
  for (const [m, name] of [
    [prediction, what],
    [ignore, 'the ignore mask'],
  ] as const) {
    if (m && (m.width !== target.width || m.height !== target.height)) {
      throw new TwinsegError(
        'INVALID_INPUT',
        `The size of ${name} (${m.width}x${m.height}) differs from the ground truth's (${target.width}x${target.height}).`,
        { hint: "Masks are compared at the image's full resolution; give predictions at the size of the image." },
      );
    }
  }
  const t = ignore ? rleDifference(target, ignore) : target;
  const p = prediction ? (ignore ? rleDifference(prediction, ignore) : prediction) : undefined;
  const targetArea = rleArea(t);
  const predictionArea = p ? rleArea(p) : 0;
  const intersection = p ? rleIntersectionArea(p, t) : 0;
  const union = predictionArea + targetArea - intersection;
  return { intersection, union, iou: union === 0 ? 1 : intersection / union, predictionArea, targetArea };
}

export interface IouSummary {
  /** Mean per-sample IoU. */
  gIoU: number;
  /** Cumulative intersection over cumulative union. */
  cIoU: number;
  count: number;
}

export function summariseScores(scores: readonly Pick<MaskScore, 'intersection' | 'union' | 'iou'>[]): IouSummary {
  let inter = 0;
  let union = 0;
  let sum = 0;
  for (const s of scores) {
    inter += s.intersection;
    union += s.union;
    sum += s.iou;
  }
  const count = scores.length;
  return { gIoU: count === 0 ? 0 : sum / count, cIoU: union === 0 ? (count === 0 ? 0 : 1) : inter / union, count };
}

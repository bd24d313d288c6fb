// Prompt shapes for a region's second look (region-detail.ts). In a crowd SAM's masks merge what overlaps:
// a rider and the horse in front of her come back as one mask, and the horse as another. What the merge
// holds besides the occluder is the other object (the rider: her body above the horse's neck and a leg on
// each side of it), so each such difference is asked again the way a careful host asks it: a tight box
// around it, a click on its deepest point, a negative click on the occluder, and the difference itself as
// the mask SAM refines (mask_input). The pieces around the occluder come back as one object.
import { cropMask } from '../../mask/crop.js';
import { boxIntersectionArea, masksOverlap, type MeasuredMask } from '../../mask/boxes.js';
import { deepestPixel } from '../../mask/bitmap-regions.js';
import { rleArea, rleBbox, rleDifference, rleIntersectionArea, type Box, type Rle } from '../../mask/rle.js';
import type { Prompt } from '../contract.js';

/** A mask with its area and box, as the pool of a region holds them. */
export type RegionMask = MeasuredMask;

/** A merged mask less the occluder inside it: the object the merge holds besides it. */
export interface OccluderDifference extends RegionMask {
  /** The merged mask and the object inside it. */
  readonly whole: RegionMask;
  readonly occluder: RegionMask;
}

/** Masks that mostly repeat one already in the pool (IoU) are left out of it. */
const POOL_SAME_IOU = 0.85;
/** Pool masks lie at least this much inside the region… */
const POOL_INSIDE_FRACTION = 0.8;
/** …and are at most this share of it: objects of the crowd, not the crowd or the ground. */
export const POOL_MAX_REGION_SHARE = 0.3;
/** An occluder lies this much inside the merged mask… */
const OCCLUDER_INSIDE_FRACTION = 0.85;
/** …and is between these shares of it: a thing in front of another, not a sliver nor nearly all of it. */
const OCCLUDER_MIN_SHARE = 0.2;
const OCCLUDER_MAX_SHARE = 0.8;
/** Differences that repeat a larger one (IoU) are asked once. */
const DIFFERENCE_SAME_IOU = 0.85;

const withMeasures = (rle: Rle): RegionMask => ({ rle, area: rleArea(rle), bbox: rleBbox(rle) });

/** Largest first, each mask that does not repeat a kept one (IoU ≥ sameIou). */
function distinct<T extends RegionMask>(masks: readonly T[], sameIou: number): T[] {
  const kept: T[] = [];
  for (const m of [...masks].sort((a, b) => b.area - a.area)) if (!kept.some((k) => masksOverlap(k, m, sameIou))) kept.push(m);
  return kept;
}

/**
 * The masks a region's differences are made from: object-sized (at least minArea pixels, at most
 * POOL_MAX_REGION_SHARE of the region), lying POOL_INSIDE_FRACTION inside it by their box, without repeats.
 */
export function regionPool(masks: readonly Rle[], region: Box, minArea: number): RegionMask[] {
  const regionArea = (region[2] - region[0]) * (region[3] - region[1]);
  const inside = masks.map(withMeasures).filter((m) => {
    const boxArea = (m.bbox[2] - m.bbox[0]) * (m.bbox[3] - m.bbox[1]);
    return (
      m.area >= minArea &&
      m.area <= POOL_MAX_REGION_SHARE * regionArea &&
      boxIntersectionArea(m.bbox, region) >= POOL_INSIDE_FRACTION * boxArea
    );
  });
  return distinct(inside, POOL_SAME_IOU);
}

/**
 * Each merged mask less each pool mask that lies OCCLUDER_INSIDE_FRACTION inside it and is between
 * OCCLUDER_MIN_SHARE and OCCLUDER_MAX_SHARE of it, where at least minArea pixels are left; largest first,
 * without repeats.
 */
export function occluderDifferences(pool: readonly RegionMask[], minArea: number): OccluderDifference[] {
  const out: OccluderDifference[] = [];
  for (const whole of pool) {
    for (const occluder of pool) {
      if (occluder === whole || occluder.area < OCCLUDER_MIN_SHARE * whole.area || occluder.area > OCCLUDER_MAX_SHARE * whole.area)
        continue;
      if (boxIntersectionArea(occluder.bbox, whole.bbox) < OCCLUDER_INSIDE_FRACTION * occluder.area) continue;
      if (rleIntersectionArea(whole.rle, occluder.rle) < OCCLUDER_INSIDE_FRACTION * occluder.area) continue;
      const rest = withMeasures(rleDifference(whole.rle, occluder.rle));
      if (rest.area >= minArea) out.push({ ...rest, whole, occluder });
    }
  }
  return distinct(out, DIFFERENCE_SAME_IOU);
}

/** The deepest pixel of a mask (bitmap-regions.ts), decoded only inside its box. */
export function deepestPoint(m: RegionMask): { x: number; y: number } | undefined {
  const crop = cropMask(m.rle, m.bbox);
  const p = deepestPixel(crop.bits, crop.width, crop.height);
  return p && { x: crop.x0 + p[0], y: crop.y0 + p[1] };
}

/** The host's prompt for a difference: its box, a click on its deepest point, a negative on the occluder's. */
export function differencePrompt(d: OccluderDifference): Prompt | undefined {
  const inside = deepestPoint(d);
  const occluder = deepestPoint(d.occluder);
  if (!inside || !occluder) return undefined;
  return {
    box: [...d.bbox],
    points: [
      { ...inside, label: 1 },
      { ...occluder, label: 0 },
    ],
  };
}

// Turning a bag of overlapping mask proposals into a scene tree: near-duplicates are merged, and a
// mask that lies almost entirely inside a clearly larger one becomes its part (or mostly inside, when
// the model proposed both for one prompt as finer and coarser granularities). Every pairwise test
// is guarded by cheap bbox bounds so 60–200 masks cost a few hundred exact run-list intersections,
// not 20,000.
import { rleIntersectionArea, rleUnion, type Box, type Rle } from '../mask/rle.js';
import { boxGap, boxIntersectionArea } from '../mask/boxes.js';
import { rleHullArea } from '../mask/hull.js';
import { maskNms } from '../perception/everything/nms.js';

/** Mask IoU at or above which two proposals are the same object. */
export const DUPLICATE_IOU = 0.88;
/** Fraction of B that must lie inside A for B to be a part of A. */
export const CONTAIN_FRACTION = 0.9;
/** B must be at most this fraction of A's area to be a part (else it is A again, slightly trimmed). */
export const PART_MAX_AREA_RATIO = 0.8;

/** A part need only lie this much inside a whole that the model itself proposed as its coarser granularity. */
export const GRANULARITY_CONTAIN_FRACTION = 0.6;

export interface MaskItem {
  rle: Rle;
  area: number;
  bbox: Box;
  /** Higher is better; decides which of two duplicates survives. */
  score: number;
  /**
   * Masks proposed for the same prompt share a family; `granularity` orders them (SAM's tokens 1 sub-part,
   * 2 part, 3 whole). A finer mask of a family is a part of a coarser one on looser containment: the
   * model said so, and its coarse mask may stop short of a limb the fine one holds.
   */
  family?: unknown;
  granularity?: number;
  /** Basic colour name of the mask's pixels, where known (groupsOfSeparateObjects needs it). */
  colour?: string;
}

/** Exact intersection area, or 0 straight away when the boxes don't meet. */
export function maskIntersection(a: MaskItem, b: MaskItem): number {
  if (boxIntersectionArea(a.bbox, b.bbox) === 0) return 0;
  return rleIntersectionArea(a.rle, b.rle);
}

/** Indices of the items to keep, best score first; drops any item whose mask IoU with a kept one ≥ iou. */
export function mergeNearDuplicates(items: readonly MaskItem[], iou = DUPLICATE_IOU): number[] {
  return maskNms(
    items,
    items.map((i) => i.score),
    iou,
  );
}

/** Whether `whole` is a coarser granularity the model proposed for the same prompt as `part`. */
function coarserSibling(part: MaskItem, whole: MaskItem): boolean {
  return (
    part.family !== undefined &&
    part.family === whole.family &&
    (part.granularity ?? 0) > 0 &&
    (whole.granularity ?? 0) > (part.granularity ?? 0)
  );
}

const containFraction = (part: MaskItem, whole: MaskItem) =>
  coarserSibling(part, whole) ? GRANULARITY_CONTAIN_FRACTION : CONTAIN_FRACTION;

/** Whether `part` (with `inter` pixels shared with `whole`) counts as a part of `whole`. */
export function isPartOf(part: MaskItem, whole: MaskItem, inter: number): boolean {
  return part.area <= PART_MAX_AREA_RATIO * whole.area && inter >= containFraction(part, whole) * part.area;
}

/** Cheap necessary condition for isPartOf: enough of part's bbox lies inside whole's bbox. */
export function mayBePartOf(part: MaskItem, whole: MaskItem): boolean {
  if (part.area > PART_MAX_AREA_RATIO * whole.area) return false;
  return boxIntersectionArea(part.bbox, whole.bbox) >= containFraction(part, whole) * part.area;
}

/**
 * Parent of each item (index into `items`, or -1): the smallest item it is a part of. Parents are
 * always at least 1.25x larger, so the result is a forest (no cycles).
 */
export function containmentParents(items: readonly MaskItem[]): number[] {
  const parents = new Array<number>(items.length).fill(-1);
  for (let i = 0; i < items.length; i++) {
    const part = items[i]!;
    let best = -1;
    for (let j = 0; j < items.length; j++) {
      if (i === j) continue;
      const whole = items[j]!;
      if (!mayBePartOf(part, whole)) continue;
      if (best >= 0 && whole.area >= items[best]!.area) continue; // cannot beat the current one
      if (isPartOf(part, whole, rleIntersectionArea(part.rle, whole.rle))) best = j;
    }
    parents[i] = best;
  }
  return parents;
}

/** A piece of a group is at least this share of the group's pixels… */
export const GROUP_PIECE_MIN_FRACTION = 0.15;
/** …and the pieces together cover at least this share of them. */
export const GROUP_COVER_FRACTION = 0.85;
/** Pieces whose boxes come this close (px) belong to one object: a roof sits on its wall edge to edge. */
export const GROUP_PIECE_GAP = 4;
/** A piece of a group lies this much inside it (a merge may cut a little off the object behind it). */
export const GROUP_PIECE_CONTAIN_FRACTION = 0.8;
/**
 * Touching pieces make a group when the group's convex hull exceeds the sum of theirs by this share of
 * its area: things that merely touch or overlap leave a concave gulf between them, while a whole's
 * parts fit together (a roof on its wall, a window in a car: 0.03-0.07 on drawn scenes; touching or
 * overlapping objects 0.12-0.5).
 */
export const GROUP_HULL_EXCESS = 0.1;

/**
 * Items that are only several separate objects taken together (SAM's coarsest granularity often spans a
 * car and a sign beside it, or a ball and the crate it touches). Their pieces are other items
 * ≥ GROUP_PIECE_MIN_FRACTION of them and at most PART_MAX_AREA_RATIO, each lying
 * GROUP_PIECE_CONTAIN_FRACTION inside, the largest of any nested ones, no two overlapping; the other
 * items inside or across the group must cover ≥ GROUP_COVER_FRACTION of it (an object it cut through
 * counts: what it holds is still other objects), and the pieces must not all be one colour (one thing
 * split by what stands in front of it keeps its colour). Then it is a group when the pieces fall into
 * two or more clusters whose boxes stay more than GROUP_PIECE_GAP px apart and whose largest pieces
 * differ in colour, or, when they touch, when the group's convex hull exceeds the sum of the pieces'
 * hulls by GROUP_HULL_EXCESS of its area: a true whole's parts fit together (roof on wall, window in a
 * car body), things that only touch or overlap leave a concave gulf between them. Pieces are looked for
 * among all items, not only the group's children in `parents`: a crate whose tightest container is
 * another merge (crate and star) is still a piece of "crate and crate". Such an item is no whole: kept,
 * it would adopt the real objects as its parts, and a filter for whole objects would find it instead of
 * them. What a group covers stays reachable as the union of its pieces. `parents` is not needed.
 */
/**
 * `touching: false` keeps only the rule for pieces that lie apart: the hull test is for the coarse merges of
 * the coverage-guided presets; among the many sub-part masks of SAM's dense grid it takes a person dressed in
 * two colours for a group (COCO sample, thorough: twin oracle recall@0.5 0.745 -> 0.638 with it).
 */
export function groupsOfSeparateObjects(
  items: readonly MaskItem[],
  _parents?: readonly number[],
  opts: { touching?: boolean } = {},
): Set<number> {
  const touching = opts.touching ?? true;
  const groups = new Set<number>();
  const hulls = new Map<number, number>();
  const hull = (k: number): number => {
    if (!hulls.has(k)) hulls.set(k, rleHullArea(items[k]!.rle));
    return hulls.get(k)!;
  };
  items.forEach((group, g) => {
    const inside = (k: number): boolean => {
      const piece = items[k]!;
      if (k === g || piece.area < GROUP_PIECE_MIN_FRACTION * group.area || piece.area > PART_MAX_AREA_RATIO * group.area) return false;
      if (boxIntersectionArea(piece.bbox, group.bbox) < GROUP_PIECE_CONTAIN_FRACTION * piece.area) return false;
      return rleIntersectionArea(piece.rle, group.rle) >= GROUP_PIECE_CONTAIN_FRACTION * piece.area;
    };
    const candidates = items
      .map((_, k) => k)
      .filter(inside)
      .sort((a, b) => items[b]!.area - items[a]!.area);
    // Largest first; a candidate that overlaps a chosen piece is that piece again or a part of it.
    const pieces: number[] = [];
    for (const k of candidates) {
      const overlaps = pieces.some((j) => maskIntersection(items[j]!, items[k]!) > (1 - CONTAIN_FRACTION) * items[k]!.area);
      if (!overlaps) pieces.push(k);
    }
    if (pieces.length < 2) return;
    const colours = pieces.map((k) => items[k]!.colour);
    if (colours.every((c) => c !== undefined) && new Set(colours).size < 2) return;
    const others = items.filter((o, k) => k !== g && o.area < group.area && maskIntersection(o, group) > 0);
    const covered = rleIntersectionArea(group.rle, others.map((o) => o.rle).reduce(rleUnion));
    if (covered < GROUP_COVER_FRACTION * group.area) return;
    if (apartInColour(items, pieces)) groups.add(g);
    else if (touching && hull(g) - pieces.reduce((t, k) => t + hull(k), 0) >= GROUP_HULL_EXCESS * group.area) groups.add(g);
  });
  return groups;
}

/** Whether the pieces fall into two or more clusters (boxes more than GROUP_PIECE_GAP apart) whose largest pieces differ in colour. */
function apartInColour(items: readonly MaskItem[], pieces: readonly number[]): boolean {
  const cluster = pieces.map((_, i) => i);
  const root = (i: number): number => (cluster[i] === i ? i : (cluster[i] = root(cluster[i]!)));
  for (let i = 0; i < pieces.length; i++) {
    for (let j = i + 1; j < pieces.length; j++) {
      const gap = boxGap(items[pieces[i]!]!.bbox, items[pieces[j]!]!.bbox);
      if (gap.dx <= GROUP_PIECE_GAP && gap.dy <= GROUP_PIECE_GAP) cluster[root(i)] = root(j);
    }
  }
  const largest = new Map<number, number>(); // root → its largest piece (pieces come largest first)
  pieces.forEach((k, i) => {
    if (!largest.has(root(i))) largest.set(root(i), k);
  });
  if (largest.size < 2) return false;
  const colours = [...largest.values()].map((k) => items[k]!.colour);
  return colours.some((c) => c === undefined) || new Set(colours).size >= 2;
}

// Spatial relations between objects, computed on demand from the twin (never stored in it).
//
// Definitions (A relation B):
// - left_of / right_of: A's centroid is left (right) of B's, and their bboxes share at most half
//   of the narrower one's width. above / below: the same with y and heights. So a part is never
//   left_of its whole, and two things side by side are left_of/right_of even when both are tall.
// - inside / contains: A is a part of B as in the hierarchy: ≥ 90% of A's pixels lie in B's mask
//   and A's area ≤ 80% of B's. Holds for every ancestor, not only the parent.
// - overlaps: the masks share pixels but neither is inside the other.
// - touches: the masks share no pixel and at most TOUCH_DISTANCE (2) background pixels lie between
//   them (SAM masks of adjacent things often leave a 1–2 px seam).
// - near: for each subject, the k nearest other objects that are not its ancestors/descendants,
//   by bbox gap (0 where bboxes meet), ties by centroid distance; value = gap in px.
// - size_rank: unary; value = 1 for the largest object of the twin.
import type { Box, Rle } from '../mask/rle.js';
import { boxGap } from '../mask/boxes.js';
import { cropMask } from '../mask/crop.js';
import { isPartOf, maskIntersection, mayBePartOf, type MaskItem } from './hierarchy.js';
import { objectById } from './semantics.js';
import type { Twin, TwinObject } from './scene-model.js';

export const RELATION_KINDS = [
  'left_of',
  'right_of',
  'above',
  'below',
  'inside',
  'contains',
  'overlaps',
  'touches',
  'near',
  'size_rank',
] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

export interface Relation {
  subject: number;
  kind: RelationKind;
  /** The other object; absent for unary relations (size_rank). */
  object?: number;
  /** near: bbox gap in px; size_rank: rank (1 = largest); overlaps: IoU. */
  value?: number;
}

export const TOUCH_DISTANCE = 2;
export const DEFAULT_NEAR_K = 3;

/** Per-twin lookups and pairwise mask results, cached until the object list changes. */
export interface SceneIndex {
  /** The object list (and its length) the index was built for; a changed list rebuilds it. */
  objects: TwinObject[];
  count: number;
  byId: Map<number, TwinObject>;
  item: (id: number) => MaskItem;
  intersection: (a: number, b: number) => number;
  touching: (a: number, b: number) => boolean;
  /** Ids of all ancestors of an object. */
  ancestors: (id: number) => Set<number>;
  sizeRank: Map<number, number>;
}

const indexCache = new WeakMap<Twin, SceneIndex>();

export function sceneIndex(twin: Twin): SceneIndex {
  const cached = indexCache.get(twin);
  if (cached && cached.objects === twin.objects && cached.count === twin.objects.length) return cached;
  const byId = new Map(twin.objects.map((o) => [o.id, o]));
  const items = new Map<number, MaskItem>();
  const inter = new Map<number, number>();
  const touch = new Map<number, boolean>();
  const key = (a: number, b: number): number => (a < b ? a * 1_000_003 + b : b * 1_000_003 + a);
  const item = (id: number): MaskItem => {
    let it = items.get(id);
    if (!it) {
      const o = byId.get(id)!;
      it = { rle: twin.masks.get(id)!, area: o.area, bbox: o.bbox, score: 0 };
      items.set(id, it);
    }
    return it;
  };
  const intersection = (a: number, b: number): number => {
    const k = key(a, b);
    let v = inter.get(k);
    if (v === undefined) {
      v = maskIntersection(item(a), item(b));
      inter.set(k, v);
    }
    return v;
  };
  const touching = (a: number, b: number): boolean => {
    const k = key(a, b);
    let v = touch.get(k);
    if (v === undefined) {
      v = intersection(a, b) === 0 && masksWithin(item(a), item(b), TOUCH_DISTANCE);
      touch.set(k, v);
    }
    return v;
  };
  const ancestors = (id: number): Set<number> => {
    const out = new Set<number>();
    for (let p = byId.get(id)?.parent ?? null; p !== null && !out.has(p); p = byId.get(p)?.parent ?? null) out.add(p);
    return out;
  };
  const ranked = [...twin.objects].sort((a, b) => b.area - a.area || a.id - b.id);
  const sizeRank = new Map(ranked.map((o, i) => [o.id, i + 1]));
  const idx: SceneIndex = { objects: twin.objects, count: twin.objects.length, byId, item, intersection, touching, ancestors, sizeRank };
  indexCache.set(twin, idx);
  return idx;
}

/**
 * Whether the masks come within `gap` background pixels of each other (0 = 8-adjacent), i.e. some
 * pair of their pixels is at Chebyshev distance ≤ gap + 1.
 */
export function masksWithin(a: { rle: Rle; bbox: Box }, b: { rle: Rle; bbox: Box }, gap: number): boolean {
  const g = boxGap(a.bbox, b.bbox);
  if (g.dx > gap || g.dy > gap) return false;
  const d = gap + 1;
  // Only pixels in the overlap of the two d-dilated boxes can be within d of each other.
  const W = a.rle.width;
  const H = a.rle.height;
  const region: Box = [
    Math.max(0, Math.max(a.bbox[0], b.bbox[0]) - d),
    Math.max(0, Math.max(a.bbox[1], b.bbox[1]) - d),
    Math.min(W, Math.min(a.bbox[2], b.bbox[2]) + d),
    Math.min(H, Math.min(a.bbox[3], b.bbox[3]) + d),
  ];
  if (region[2] <= region[0] || region[3] <= region[1]) return false;
  const ca = cropMask(a.rle, region);
  const cb = cropMask(b.rle, region);
  const w = ca.width;
  const h = ca.height;
  const rows = new Uint8Array(w * h); // b dilated along x
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!cb.bits[y * w + x]) continue;
      for (let k = Math.max(0, x - d); k <= Math.min(w - 1, x + d); k++) rows[y * w + k] = 1;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!ca.bits[y * w + x]) continue;
      for (let k = Math.max(0, y - d); k <= Math.min(h - 1, y + d); k++) if (rows[k * w + x]) return true;
    }
  }
  return false;
}

const overlap1d = (a1: number, a2: number, b1: number, b2: number): number => Math.max(0, Math.min(a2, b2) - Math.max(a1, b1));

export function isLeftOf(a: TwinObject, b: TwinObject): boolean {
  const ov = overlap1d(a.bbox[0], a.bbox[2], b.bbox[0], b.bbox[2]);
  const narrow = Math.min(a.bbox[2] - a.bbox[0], b.bbox[2] - b.bbox[0]);
  return a.centroid[0] < b.centroid[0] && ov <= 0.5 * narrow;
}

export function isAbove(a: TwinObject, b: TwinObject): boolean {
  const ov = overlap1d(a.bbox[1], a.bbox[3], b.bbox[1], b.bbox[3]);
  const narrow = Math.min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1]);
  return a.centroid[1] < b.centroid[1] && ov <= 0.5 * narrow;
}

export function isInside(idx: SceneIndex, a: number, b: number): boolean {
  const ia = idx.item(a);
  const ib = idx.item(b);
  if (!mayBePartOf(ia, ib)) return false;
  return isPartOf(ia, ib, idx.intersection(a, b));
}

export function isOverlapping(idx: SceneIndex, a: number, b: number): boolean {
  return idx.intersection(a, b) > 0 && !isInside(idx, a, b) && !isInside(idx, b, a);
}

/** Bbox gap (Euclidean over the x and y gaps) and centroid distance, for nearest-neighbour order. */
export function objectDistance(a: TwinObject, b: TwinObject): { gap: number; centre: number } {
  const { dx, dy } = boxGap(a.bbox, b.bbox);
  return {
    gap: Math.hypot(dx, dy),
    centre: Math.hypot(a.centroid[0] - b.centroid[0], a.centroid[1] - b.centroid[1]),
  };
}

/** The k objects nearest to `id`, excluding its ancestors and descendants. */
export function nearestTo(twin: Twin, id: number, k = DEFAULT_NEAR_K): { id: number; gap: number }[] {
  const idx = sceneIndex(twin);
  const me = idx.byId.get(id)!;
  const mine = idx.ancestors(id);
  return twin.objects
    .filter((o) => o.id !== id && !mine.has(o.id) && !idx.ancestors(o.id).has(id))
    .map((o) => ({ id: o.id, ...objectDistance(me, o) }))
    .sort((a, b) => a.gap - b.gap || a.centre - b.centre || a.id - b.id)
    .slice(0, k)
    .map(({ id: oid, gap }) => ({ id: oid, gap: Math.round(gap * 10) / 10 }));
}

/** Whether `kind` holds for (a, b); not for near or size_rank. */
export function holds(twin: Twin, kind: Exclude<RelationKind, 'near' | 'size_rank'>, a: number, b: number): boolean {
  const idx = sceneIndex(twin);
  const A = idx.byId.get(a)!;
  const B = idx.byId.get(b)!;
  switch (kind) {
    case 'left_of':
      return isLeftOf(A, B);
    case 'right_of':
      return isLeftOf(B, A);
    case 'above':
      return isAbove(A, B);
    case 'below':
      return isAbove(B, A);
    case 'inside':
      return isInside(idx, a, b);
    case 'contains':
      return isInside(idx, b, a);
    case 'overlaps':
      return isOverlapping(idx, a, b);
    case 'touches':
      return idx.touching(a, b);
  }
}

export interface RelationOptions {
  /** Only relations whose object is also in `ids` (default: objects are all other objects). */
  among?: boolean;
  /** Neighbours per subject for `near` (default 3). */
  k?: number;
}

/**
 * Relations with each of `ids` (default: all objects) as subject. Symmetric kinds (overlaps,
 * touches) are listed once per pair when both ends are subjects, with the smaller id first.
 */
export function relationsFor(
  twin: Twin,
  ids?: number[],
  kinds: readonly RelationKind[] = RELATION_KINDS,
  opts: RelationOptions = {},
): Relation[] {
  const subjects = ids ? [...new Set(ids)].map((id) => objectById(twin, id).id) : twin.objects.map((o) => o.id);
  const subjectSet = new Set(subjects);
  const others = opts.among ? subjects : twin.objects.map((o) => o.id);
  const idx = sceneIndex(twin);
  const out: Relation[] = [];
  for (const kind of kinds) {
    for (const s of subjects) {
      if (kind === 'size_rank') {
        out.push({ subject: s, kind, value: idx.sizeRank.get(s)! });
        continue;
      }
      if (kind === 'near') {
        for (const n of nearestTo(twin, s, opts.k ?? DEFAULT_NEAR_K)) {
          if (!opts.among || subjectSet.has(n.id)) out.push({ subject: s, kind, object: n.id, value: n.gap });
        }
        continue;
      }
      for (const o of others) {
        if (o === s) continue;
        const symmetric = kind === 'overlaps' || kind === 'touches';
        if (symmetric && subjectSet.has(o) && o < s) continue;
        if (!holds(twin, kind, s, o)) continue;
        const rel: Relation = { subject: s, kind, object: o };
        if (kind === 'overlaps') {
          const inter = idx.intersection(s, o);
          rel.value = Math.round((inter / (idx.item(s).area + idx.item(o).area - inter)) * 1000) / 1000;
        }
        out.push(rel);
      }
    }
  }
  return out;
}

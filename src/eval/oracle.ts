// The twin oracle: the best a perfect reasoner could do with a given twin. For a target it finds the
// single object with the highest IoU, and a greedy union of objects (start from nothing, keep adding the
// object that raises IoU most, stop when none does). Neither uses the query, so the figures bound what
// any host can reach by picking ids on this twin: below them the loss is the twin's (perception), above
// them it would be the reasoner's. Greedy union is a lower bound on the best union, not the best union
// itself (that search is exponential); differences and intersections are not tried.
//
// Scoring follows metrics.ts: ignore pixels are left out, and an empty target is met by choosing no
// object (IoU 1 for both figures).
import { rleArea, rleDifference, rleIntersectionArea, rlePaint, rleUnion, type Rle } from '../mask/rle.js';
import type { Twin } from '../twin/scene-model.js';

export interface OracleResult {
  single: { iou: number; id: number | null };
  greedy: { iou: number; ids: number[] };
}

/** Greedy steps at most; real targets settle within a handful. */
const MAX_UNION_OBJECTS = 64;

export function twinOracle(twin: Twin, target: Rle, ignore?: Rle): OracleResult {
  const t = ignore ? rleDifference(target, ignore) : target;
  const tArea = rleArea(t);
  if (tArea === 0) return { single: { iou: 1, id: null }, greedy: { iou: 1, ids: [] } };
  // Only objects that touch the target can raise IoU.
  const candidates: { id: number; mask: Rle }[] = [];
  for (const o of twin.objects) {
    let m = twin.masks.get(o.id);
    if (!m || m.width !== t.width || m.height !== t.height) continue;
    if (ignore) m = rleDifference(m, ignore);
    if (rleIntersectionArea(m, t) > 0) candidates.push({ id: o.id, mask: m });
  }
  const iouWith = (m: Rle): number => {
    const inter = rleIntersectionArea(m, t);
    return inter / (rleArea(m) + tArea - inter);
  };
  let single: OracleResult['single'] = { iou: 0, id: null };
  for (const c of candidates) {
    const iou = iouWith(c.mask);
    if (iou > single.iou) single = { iou, id: c.id };
  }
  const chosen: number[] = [];
  let union: Rle | undefined;
  let best = 0;
  const left = new Set(candidates.map((_, i) => i));
  while (left.size > 0 && chosen.length < MAX_UNION_OBJECTS) {
    let pick = -1;
    let pickIou = best;
    let pickUnion: Rle | undefined;
    for (const i of left) {
      const u = union ? rleUnion(union, candidates[i]!.mask) : candidates[i]!.mask;
      const iou = iouWith(u);
      if (iou > pickIou + 1e-12) {
        pick = i;
        pickIou = iou;
        pickUnion = u;
      }
    }
    if (pick < 0) break;
    left.delete(pick);
    chosen.push(candidates[pick]!.id);
    union = pickUnion;
    best = pickIou;
  }
  return { single, greedy: { iou: best, ids: chosen } };
}

/**
 * Share of the image's pixels in no object of the twin: what no pick of ids can reach (a target there is
 * lost to every reasoner).
 */
export function uncoveredShare(twin: Twin): number {
  const { width, height } = twin.image;
  const covered = new Uint8Array(width * height);
  for (const rle of twin.masks.values()) if (rle.width === width && rle.height === height) rlePaint(rle, covered);
  let n = 0;
  for (const v of covered) n += v;
  return 1 - n / covered.length;
}

/** COCO's size buckets by target area in pixels: small < 32², medium < 96², large otherwise. */
export const SIZE_BUCKETS = ['small', 'medium', 'large'] as const;
export type SizeBucket = (typeof SIZE_BUCKETS)[number] | 'empty';

export function sizeBucket(area: number): SizeBucket {
  if (area === 0) return 'empty';
  return area < 32 * 32 ? 'small' : area < 96 * 96 ? 'medium' : 'large';
}

export interface OracleRow {
  preset: string;
  sample: string;
  image: string;
  query: string;
  target_area: number;
  bucket: SizeBucket;
  objects: number;
  single_iou: number;
  single_id: number | null;
  greedy_iou: number;
  greedy_ids: number[];
}

export interface OracleStats {
  count: number;
  mean: number;
  recall50: number;
  recall75: number;
}

export interface OracleSummaryPart {
  count: number;
  single: OracleStats;
  greedy: OracleStats;
}

export type OracleSummary = Record<'all' | SizeBucket, OracleSummaryPart | null>;

function stats(ious: number[]): OracleStats {
  const n = ious.length;
  return {
    count: n,
    mean: n === 0 ? 0 : ious.reduce((a, b) => a + b, 0) / n,
    recall50: n === 0 ? 0 : ious.filter((x) => x >= 0.5).length / n,
    recall75: n === 0 ? 0 : ious.filter((x) => x >= 0.75).length / n,
  };
}

/** Mean IoU and recall at 0.5 / 0.75 of both figures, over all rows and per size bucket (null: no rows). */
export function summariseOracle(rows: readonly OracleRow[]): OracleSummary {
  const part = (rs: readonly OracleRow[]): OracleSummaryPart | null =>
    rs.length === 0 ? null : { count: rs.length, single: stats(rs.map((r) => r.single_iou)), greedy: stats(rs.map((r) => r.greedy_iou)) };
  return {
    all: part(rows),
    small: part(rows.filter((r) => r.bucket === 'small')),
    medium: part(rows.filter((r) => r.bucket === 'medium')),
    large: part(rows.filter((r) => r.bucket === 'large')),
    empty: part(rows.filter((r) => r.bucket === 'empty')),
  };
}

// What a new mask is, next to the objects a twin already has: a duplicate of one (IoU ≥ 0.9), inside
// one, containing some, or overlapping; and which prompt points it disagrees with. A host decides from
// this whether to keep, refine or retry without another call.
import { boxIntersectionArea } from '../mask/boxes.js';
import { rleContains, rleIntersectionArea, type Box, type Rle } from '../mask/rle.js';
import type { PromptPoint } from '../perception/contract.js';
import type { MaskRelation } from './service-types.js';
import type { Twin } from './scene-model.js';

/** Mask IoU at or above which a new mask is the same object as an existing one. */
export const SAME_OBJECT_IOU = 0.9;
/** Share of a mask that must lie in the other for "inside" / "contains". */
const WITHIN = 0.9;
/** Overlaps smaller than this share of the smaller mask are noise along a shared edge. */
const NEGLIGIBLE = 0.02;
const MAX_RELATIONS = 8;

export function maskRelations(twin: Twin, rle: Rle, area: number, bbox: Box, exclude?: number): MaskRelation[] {
  const out: (MaskRelation & { inter: number })[] = [];
  for (const o of twin.objects) {
    if (o.id === exclude || o.area === 0 || boxIntersectionArea(o.bbox, bbox) === 0) continue;
    const inter = rleIntersectionArea(rle, twin.masks.get(o.id)!);
    if (inter <= NEGLIGIBLE * Math.min(area, o.area)) continue;
    const iou = inter / (area + o.area - inter);
    const relation: MaskRelation['relation'] =
      iou >= SAME_OBJECT_IOU ? 'duplicate' : inter >= WITHIN * area ? 'inside' : inter >= WITHIN * o.area ? 'contains' : 'overlaps';
    out.push({ id: o.id, iou: Math.round(iou * 1000) / 1000, relation, inter });
  }
  out.sort((a, b) => b.iou - a.iou || b.inter - a.inter);
  return out.slice(0, MAX_RELATIONS).map(({ inter: _inter, ...r }) => r);
}

/** Positive points the mask leaves out and negative points it covers. */
export function missedPoints(rle: Rle, points: readonly PromptPoint[] = []): PromptPoint[] {
  return points.filter((p) => rleContains(rle, Math.floor(p.x), Math.floor(p.y)) !== (p.label === 1));
}

/**
 * Whether `existing` honours every click that `mask` honours (positives inside, negatives outside): only
 * then may a duplicate stand in for the new mask. Clicks both break are the reply's to explain.
 */
export function honoursClicksAsWell(existing: Rle, mask: Rle, points: readonly PromptPoint[] = []): boolean {
  const honours = (r: Rle, p: PromptPoint) => rleContains(r, Math.floor(p.x), Math.floor(p.y)) === (p.label === 1);
  return points.every((p) => !honours(mask, p) || honours(existing, p));
}

// Mask expressions over a twin's objects: the objects `ids` combined by `op`, minus every object in
// `exclude` ("the trees without the goal posts": ids [1, 6], exclude [70]), and keeping such a mask as an
// object of a new revision, so that a host's final answer can be one id.
import { TwinsegError } from '../errors.js';
import { combineMasks, type MaskOp } from '../mask/combine.js';
import { rleArea, rleBbox, rleIntersectionArea, type Rle } from '../mask/rle.js';
import type { LoadedImage, Proposal } from '../perception/contract.js';
import { addObject } from './build-twin.js';
import { draftOf } from './revision.js';
import type { Twin, TwinObject } from './scene-model.js';
import { unknownObjects } from './unknown-objects.js';

export interface MaskExpression {
  ids: number[];
  op: MaskOp;
  /** Objects taken away from the combination of `ids`; absent or empty: nothing. */
  exclude?: number[];
}

/** The expression with an empty exclude dropped, so that equal masks have one spelling (URI, trace, revision). */
export function normalExpression(e: MaskExpression): MaskExpression {
  return { ids: e.ids, op: e.op, ...(e.exclude?.length ? { exclude: e.exclude } : {}) };
}

/** "the union of 1, 6 minus 70" or "object 3", for replies and revision summaries. */
export function describeExpression(e: MaskExpression): string {
  const minus = e.exclude?.length ? ` minus ${e.exclude.join(', ')}` : '';
  return `${e.ids.length === 1 ? `object ${e.ids[0]}` : `the ${e.op} of ${e.ids.join(', ')}`}${minus}`;
}

/** The expression's mask; OBJECT_NOT_FOUND (with the ids that exist) for any id the twin lacks. */
export function expressionMask(twin: Twin, e: MaskExpression): Rle {
  const exclude = e.exclude ?? [];
  const missing = [...new Set([...e.ids, ...exclude])].filter((id) => !twin.masks.has(id));
  if (missing.length > 0) throw unknownObjects(twin, missing);
  const maskOf = (id: number) => twin.masks.get(id)!;
  return combineMasks(e.ids.map(maskOf), e.op, exclude.map(maskOf));
}

export interface KeptExpression {
  /** The next revision's objects and masks; absent when an object with exactly this mask exists. */
  draft?: { objects: TwinObject[]; masks: Map<number, Rle> };
  object: TwinObject;
  /** For the revision's record: what was asked, and in words. */
  request: unknown;
  summary: string;
}

/**
 * The expression's mask as an object of the next revision (id N+1, fitted into the hierarchy like a prompted
 * object), or the existing object whose mask is exactly that one. Its scores are the lowest of the objects it
 * is made of: a mask cut from SAM's masks is no surer than the least sure of them.
 */
export function keepExpression(parent: Twin, image: LoadedImage, expression: MaskExpression): KeptExpression {
  const e = normalExpression(expression);
  const rle = expressionMask(parent, e);
  const area = rleArea(rle);
  if (area === 0) {
    throw new TwinsegError('INVALID_INPUT', `The mask of ${describeExpression(e)} has no pixels, so there is nothing to keep.`, {
      hint: 'Look at the objects first (format "overlay"): the excluded ones may cover all of them.',
    });
  }
  const same = parent.objects.find((o) => o.area === area && rleIntersectionArea(parent.masks.get(o.id)!, rle) === area);
  const request = { op: 'keep', mask: e };
  if (same) return { object: same, request, summary: `kept ${describeExpression(e)}: object ${same.id} already` };
  const made = parent.objects.filter((o) => e.ids.includes(o.id));
  const proposal: Proposal = {
    rle,
    area,
    bbox: rleBbox(rle),
    predictedIou: Math.min(...made.map((o) => o.scores.predictedIou)),
    stability: Math.min(...made.map((o) => o.scores.stability)),
    prompt: {},
    stage: 'user',
  };
  const draft = { ...parent, ...draftOf(parent) };
  const object = addObject(draft, image, proposal);
  return { draft, object, request, summary: `kept ${describeExpression(e)} as object ${object.id}` };
}

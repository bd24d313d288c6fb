// Proposals → Twin. Each surviving mask is measured once (bbox, area, centroid, outline, colour,
// shape) and placed in the containment tree.
//
// Id order: all objects by area, largest first (ties: better score, then top-most, left-most).
// So "object 1" is the biggest thing in the scene, and a part always has a larger id than its
// parent. Objects added later by `addObject` (prompted segmentation) take the next free id.
//
// Occlusion (`occludedBy`) is left unset: with masks alone, which of two overlapping wholes is in
// front cannot be told reliably (SAM masks of occluded objects simply stop at the occluder, which
// looks the same as two objects that just touch), and a wrong hint is worse than none.
import { createHash } from 'node:crypto';
import { rleArea, rleBbox, rleIntersectionArea, type Box, type Rle } from '../mask/rle.js';
import { PROPOSALS_REVISION, type LoadedImage, type Proposal, type RefineStep } from '../perception/contract.js';
import { maskColor } from './colour.js';
import { signedArea, simplifyRing, traceContours } from '../mask/contours.js';
import { centroidOf, cropMask } from '../mask/crop.js';
import { coarsePosition, shapeMeasures } from './geometry.js';
import { containmentParents, groupsOfSeparateObjects, isPartOf, mayBePartOf, mergeNearDuplicates, type MaskItem } from './hierarchy.js';
import { SCHEMA_VERSION, type Twin, type TwinObject } from './scene-model.js';
import { TwinsegError } from '../errors.js';

/** Vertex budget of an object's outline (the polygon a host may draw or reason over). */
export const OUTLINE_MAX_POINTS = 64;
/** Holes smaller than this many pixels are mask noise and are not counted. */
export const MIN_HOLE_AREA = 4;

export interface TwinMeta {
  model: string;
  params: Record<string, unknown>;
  id?: string;
  /**
   * Whether touching masks may be told apart as a group by their shape (hierarchy.ts); default true. Off for
   * proposals from SAM's dense grid, whose sub-part masks (a person's jacket and trousers) would pass for one.
   */
  touchingGroups?: boolean;
}

/** JSON with object keys sorted at every level, so equal parameters hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** 'tw_' + 16 hex of SHA-256 over the canonical JSON of image hash, model and parameters. */
export function twinIdFor(imageHash: string, model: string, params: Record<string, unknown>): string {
  const digest = createHash('sha256')
    .update(canonicalJson({ imageHash, model, params, revision: PROPOSALS_REVISION }))
    .digest('hex');
  return `tw_${digest.slice(0, 16)}`;
}

type Measured = Pick<TwinObject, 'bbox' | 'area' | 'areaFraction' | 'centroid' | 'position' | 'color' | 'shape' | 'outline'>;

/** Everything about one mask that does not depend on the other objects. */
export function measureMask(image: LoadedImage, rle: Rle, area = rleArea(rle), bbox: Box = rleBbox(rle)): Measured {
  const crop = cropMask(rle, bbox);
  const traced = traceContours(crop.bits, crop.width, crop.height);
  const shift = (ring: [number, number][]): [number, number][] => ring.map(([x, y]) => [x + crop.x0, y + crop.y0]);
  const outer = traced.outer.map(shift);
  const holes = traced.holes.map(shift).filter((h) => Math.abs(signedArea(h)) >= MIN_HOLE_AREA);
  let main = outer[0] ?? [];
  for (const ring of outer) if (signedArea(ring) > signedArea(main)) main = ring;
  const centroid = centroidOf(crop);
  return {
    bbox: [bbox[0], bbox[1], bbox[2], bbox[3]],
    area,
    areaFraction: area / (image.width * image.height),
    centroid,
    position: coarsePosition(centroid[0], centroid[1], image.width, image.height),
    color: maskColor(image.rgb, image.width, crop),
    shape: shapeMeasures(area, bbox, outer, holes),
    outline: { points: simplifyRing(main, { tolerance: 1, maxPoints: OUTLINE_MAX_POINTS }), holes: holes.length },
  };
}

const scoreOf = (p: Proposal): number => p.predictedIou * p.stability;

function checkSize(image: LoadedImage, rle: Rle): void {
  if (rle.width !== image.width || rle.height !== image.height) {
    throw new TwinsegError('INVALID_INPUT', `A mask is ${rle.width}x${rle.height} but the image is ${image.width}x${image.height}.`, {
      hint: 'Masks must be at the original image size; this is a bug in the caller.',
    });
  }
}

const withPrompts = (p: Proposal): { prompts?: RefineStep[] } => {
  const prompts = promptsOf(p);
  return prompts ? { prompts } : {};
};

export function buildTwin(image: LoadedImage, proposals: Proposal[], meta: TwinMeta): Twin {
  const items: (MaskItem & { proposal: Proposal })[] = proposals.map((p) => {
    checkSize(image, p.rle);
    // Granularities of one prompt (SAM's tokens 1-3) share the prompt object: the family of the hierarchy.
    const granularity = p.token !== undefined && p.token > 0 ? p.token : undefined;
    return {
      rle: p.rle,
      area: rleArea(p.rle),
      bbox: rleBbox(p.rle),
      score: scoreOf(p),
      proposal: p,
      family: granularity ? p.prompt : undefined,
      granularity,
    };
  });
  // Measured before the tree is made: the tree needs each mask's colour to tell a group from a whole.
  let kept = mergeNearDuplicates(items).map((i) => {
    const measured = measureMask(image, items[i]!.rle, items[i]!.area, items[i]!.bbox);
    return { ...items[i]!, measured, colour: measured.color.name };
  });
  kept.sort((a, b) => b.area - a.area || b.score - a.score || a.bbox[1] - b.bbox[1] || a.bbox[0] - b.bbox[0]);
  let parents = containmentParents(kept);
  // Masks that are only separate objects taken together leave; their pieces become wholes again.
  for (let round = 0; round < 3; round++) {
    const groups = groupsOfSeparateObjects(kept, parents, { touching: meta.touchingGroups ?? true });
    if (groups.size === 0) break;
    kept = kept.filter((_, i) => !groups.has(i));
    parents = containmentParents(kept);
  }
  const objects: TwinObject[] = kept.map((item, i) => ({
    id: i + 1,
    level: parents[i]! >= 0 ? 'part' : 'whole',
    parent: parents[i]! >= 0 ? parents[i]! + 1 : null,
    children: [],
    ...item.measured,
    scores: { predictedIou: item.proposal.predictedIou, stability: item.proposal.stability },
    origin: item.proposal.stage,
    semantics: {},
    ...withPrompts(item.proposal),
  }));
  for (const o of objects) if (o.parent !== null) objects[o.parent - 1]!.children.push(o.id);
  const masks = new Map<number, Rle>(kept.map((item, i) => [i + 1, item.rle]));
  return {
    id: meta.id ?? twinIdFor(image.hash, meta.model, meta.params),
    schemaVersion: SCHEMA_VERSION,
    image: { hash: image.hash, width: image.width, height: image.height, source: image.source },
    model: meta.model,
    params: meta.params,
    createdAt: new Date().toISOString(),
    objects,
    masks,
  };
}

/**
 * The prompt history an object keeps so refinement can regenerate its logits; none for crop-tile masks and
 * masks decoded from a mask_input the prompt does not record.
 */
export function promptsOf(p: Proposal): RefineStep[] | undefined {
  const replayable = p.stage !== 'crop' && !p.fromMaskInput && (p.prompt.points?.length || p.prompt.box);
  return replayable ? [{ prompt: p.prompt, ...(p.token !== undefined ? { token: p.token } : {}) }] : undefined;
}

/**
 * Adds one more object (prompted segmentation) with id N+1 and fits it into the tree (placeObject).
 * Mutates `twin`; returns the new object.
 */
export function addObject(twin: Twin, image: LoadedImage, proposal: Proposal): TwinObject {
  const id = twin.objects.reduce((m, o) => Math.max(m, o.id), 0) + 1;
  return placeObject(twin, image, proposal, { id, semantics: {}, prompts: promptsOf(proposal) });
}

/**
 * Gives object `id` a new mask (refinement): it leaves the tree (its parts go to its parent), is measured
 * again and placed again, keeping its id, labels and the given prompt history. Mutates `twin`.
 */
export function replaceObjectMask(
  twin: Twin,
  image: LoadedImage,
  id: number,
  proposal: Proposal,
  prompts: RefineStep[] | undefined,
): TwinObject {
  const old = twin.objects.find((o) => o.id === id)!;
  for (const c of old.children) {
    const child = twin.objects.find((o) => o.id === c)!;
    child.parent = old.parent;
    child.level = old.parent === null ? 'whole' : 'part';
    if (old.parent !== null) twin.objects.find((o) => o.id === old.parent)!.children.push(c);
  }
  if (old.parent !== null) {
    const p = twin.objects.find((o) => o.id === old.parent)!;
    p.children = p.children.filter((c) => c !== id);
  }
  twin.objects.splice(twin.objects.indexOf(old), 1);
  twin.masks.delete(id);
  return placeObject(
    twin,
    image,
    { ...proposal, stage: old.origin === 'user' ? 'user' : proposal.stage },
    { id, semantics: old.semantics, prompts },
  );
}

/**
 * Fits one mask into the tree as object `id`: its parent is the smallest object it is a part of; existing
 * objects that are parts of it and whose parent was its parent (or none) move under it.
 */
function placeObject(
  twin: Twin,
  image: LoadedImage,
  proposal: Proposal,
  keep: { id: number; semantics: TwinObject['semantics']; prompts: RefineStep[] | undefined },
): TwinObject {
  checkSize(image, proposal.rle);
  const area = rleArea(proposal.rle);
  if (area === 0) {
    throw new TwinsegError('INVALID_INPUT', 'The segmentation came back empty (0 pixels).', {
      hint: 'Try a point well inside the object, or a box around it.',
    });
  }
  const { id } = keep;
  const item: MaskItem = { rle: proposal.rle, area, bbox: rleBbox(proposal.rle), score: scoreOf(proposal) };
  const itemOf = (o: TwinObject): MaskItem => ({ rle: twin.masks.get(o.id)!, area: o.area, bbox: o.bbox, score: 0 });

  let parent: TwinObject | null = null;
  for (const o of twin.objects) {
    const whole = itemOf(o);
    if (!mayBePartOf(item, whole) || (parent && o.area >= parent.area)) continue;
    if (isPartOf(item, whole, rleIntersectionArea(item.rle, whole.rle))) parent = o;
  }
  const obj: TwinObject = {
    id,
    level: parent ? 'part' : 'whole',
    parent: parent ? parent.id : null,
    children: [],
    ...measureMask(image, proposal.rle, area, item.bbox),
    scores: { predictedIou: proposal.predictedIou, stability: proposal.stability },
    origin: proposal.stage,
    semantics: keep.semantics,
    ...(keep.prompts ? { prompts: keep.prompts } : {}),
  };
  for (const o of twin.objects) {
    if (o.parent !== obj.parent) continue;
    const part = itemOf(o);
    if (!mayBePartOf(part, item) || !isPartOf(part, item, rleIntersectionArea(part.rle, item.rle))) continue;
    if (o.parent !== null) {
      const old = twin.objects.find((p) => p.id === o.parent)!;
      old.children = old.children.filter((c) => c !== o.id);
    }
    o.parent = id;
    o.level = 'part';
    obj.children.push(o.id);
  }
  parent?.children.push(id);
  twin.objects.push(obj);
  twin.objects.sort((a, b) => a.id - b.id);
  twin.masks.set(id, proposal.rle);
  return obj;
}

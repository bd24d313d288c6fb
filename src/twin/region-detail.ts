// Region detail on a twin: which region a request names, what the twin already knows there, and how what
// perception finds in it joins the scene: masks that repeat an object (or each other) are left out, the rest
// become objects with the next free ids, placed in the whole→part tree like any added object. The service
// (twin-service.ts) runs perception and stores the result as a revision.
import { TwinsegError } from '../errors.js';
import { boxIntersectionArea, masksOverlap } from '../mask/boxes.js';
import type { Box, Rle } from '../mask/rle.js';
import type { LoadedImage, Proposal } from '../perception/contract.js';
import { addObject } from './build-twin.js';
import { mergeNearDuplicates } from './hierarchy.js';
import type { DetailRegionRequest } from './twin-service-api.js';
import type { Twin, TwinObject } from './scene-model.js';
import { unknownObjects } from './unknown-objects.js';

/** Objects named by id make a region of their boxes joined, widened by this share of its size on each side. */
export const REGION_MARGIN = 0.05;

/** The region a request names, clipped to the image; a refusal a host can act on when it names none. */
export function regionOf(twin: Twin, req: DetailRegionRequest): Box {
  const { width, height } = twin.image;
  if ((req.region === undefined) === (req.ids === undefined || req.ids.length === 0)) {
    throw new TwinsegError(
      'INVALID_INPUT',
      'Name the region either by "region" ([x1, y1, x2, y2]) or by "ids", not both and not neither.',
      {
        hint: 'Pass {"region": [80, 135, 640, 350]} around a crowd, or {"ids": [12, 15]} for objects it merged.',
      },
    );
  }
  let box: Box;
  if (req.region) box = req.region;
  else {
    const ids = [...new Set(req.ids)];
    const missing = ids.filter((id) => !twin.masks.has(id));
    if (missing.length > 0) throw unknownObjects(twin, missing);
    const boxes = ids.map((id) => twin.objects.find((o) => o.id === id)!.bbox);
    const joined: Box = [
      Math.min(...boxes.map((b) => b[0])),
      Math.min(...boxes.map((b) => b[1])),
      Math.max(...boxes.map((b) => b[2])),
      Math.max(...boxes.map((b) => b[3])),
    ];
    const mx = Math.round(REGION_MARGIN * (joined[2] - joined[0]));
    const my = Math.round(REGION_MARGIN * (joined[3] - joined[1]));
    box = [joined[0] - mx, joined[1] - my, joined[2] + mx, joined[3] + my];
  }
  const clipped: Box = [
    Math.max(0, Math.floor(box[0])),
    Math.max(0, Math.floor(box[1])),
    Math.min(width, Math.ceil(box[2])),
    Math.min(height, Math.ceil(box[3])),
  ];
  if (clipped[2] - clipped[0] < 2 || clipped[3] - clipped[1] < 2) {
    throw new TwinsegError('INVALID_INPUT', `The region [${box.join(', ')}] leaves no pixels of the ${width}×${height} image.`, {
      hint: 'Give [x1, y1, x2, y2] in image pixels with x1 < x2 and y1 < y2, inside the image.',
    });
  }
  return clipped;
}

/** The masks of the twin's objects that reach into the region. */
export function knownMasks(twin: Twin, region: Box): Rle[] {
  return twin.objects.filter((o) => boxIntersectionArea(o.bbox, region) > 0).map((o) => twin.masks.get(o.id)!);
}

/**
 * A region's proposal this close (mask IoU) to an object the twin has repeats it. Looser than the build's
 * DUPLICATE_IOU: the host asked for what the twin lacks, and a near copy of an object it can already name
 * is one more label to read in a crowd.
 */
export const DETAIL_REPEAT_IOU = 0.75;

/**
 * Adds the proposals that are new to the draft (mutated) as objects, largest first: one repeating an existing
 * object (mask IoU ≥ DETAIL_REPEAT_IOU) or a better-scored proposal (DUPLICATE_IOU) is left out.
 * Returns the objects added, in id order.
 */
export function addDetailObjects(draft: Twin, image: LoadedImage, proposals: readonly Proposal[]): TwinObject[] {
  const items = proposals.map((p) => ({ rle: p.rle, area: p.area, bbox: p.bbox, score: p.predictedIou * p.stability, proposal: p }));
  const fresh = mergeNearDuplicates(items)
    .map((i) => items[i]!)
    .filter(
      (item) =>
        !draft.objects.some((o) => masksOverlap(item, { rle: draft.masks.get(o.id)!, area: o.area, bbox: o.bbox }, DETAIL_REPEAT_IOU)),
    )
    .sort((a, b) => b.area - a.area);
  return fresh.map((item) => addObject(draft, image, item.proposal));
}

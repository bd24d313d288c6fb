// Prompted segmentation on a twin: adding an object from clicks or a box, and refining an existing one
// the way SAM's interactive loop does (its earlier clicks plus the new ones, with its previous logits as
// mask_input). Each returns the draft of the next revision and what a host needs to judge the result:
// scores, the objects the mask relates to, clicks it disagrees with, other granularities, the change.
import { TwinsegError } from '../errors.js';
import { rleBbox, rleIntersectionArea, type Rle } from '../mask/rle.js';
import { TOKEN_NAMES } from '../perception/sam/mask-tokens.js';
import type { LoadedImage, MaskToken, Prompt, Proposal, RefineStep, CallControl, Segmenter } from '../perception/contract.js';
import { addObject, promptsOf, replaceObjectMask } from './build-twin.js';
import { adviseMissedClicks } from './click-advice.js';
import { honoursClicksAsWell, maskRelations } from './mask-relations.js';
import { draftOf } from './revision.js';
import type { SegmentAlternative, SegmentOutcome, SegmentRequest } from './twin-service-api.js';
import type { Twin, TwinObject } from './scene-model.js';
import { unknownObjects } from './unknown-objects.js';

/** What a prompted call produced, before it is stored as a revision. */
export interface PromptedResult extends Omit<SegmentOutcome, 'twin'> {
  /** The next revision's objects and masks; absent when nothing changed (a matched duplicate). */
  draft?: { objects: TwinObject[]; masks: Map<number, Rle> };
  /** For the revision's record: what was asked, and in words. */
  request: unknown;
  summary: string;
  /** The alternatives' masks, in the order of `alternatives`, for a picture of them. */
  alternativeMasks: { alternative: MaskToken; rle: Rle }[];
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

export function summariseAlternative(p: Proposal): SegmentAlternative {
  return {
    alternative: p.token ?? 0,
    granularity: p.token === undefined ? 'single' : TOKEN_NAMES[p.token],
    area: p.area,
    bbox: p.bbox,
    predictedIou: round3(p.predictedIou),
    stability: round3(p.stability),
  };
}

function emptyMask(): TwinsegError {
  return new TwinsegError('INVALID_INPUT', 'The prompt produced an empty mask.', {
    hint: 'Put a positive point on the object itself, or draw a box around it.',
  });
}

/** The alternatives' masks by the number `alternative` takes, for click advice and the reply's picture. */
function alternativeMasks(alternatives: Proposal[]): { alternative: MaskToken; rle: Rle }[] {
  return alternatives.map((a) => ({ alternative: (a.token ?? 0) as MaskToken, rle: a.rle }));
}

function report(parent: Twin, best: Proposal, alternatives: Proposal[], exclude?: number) {
  return {
    scores: { predictedIou: best.predictedIou, stability: best.stability },
    relations: maskRelations(parent, best.rle, best.area, rleBbox(best.rle), exclude),
    alternatives: alternatives.map(summariseAlternative),
    alternativeMasks: alternativeMasks(alternatives),
  };
}

/** The clicks `rle` (object `id`'s mask) ignores, each with a next step that may name the reply's alternatives. */
function missed(parent: Twin, id: number, rle: Rle, alternatives: Proposal[], prompt: Prompt | undefined) {
  return adviseMissedClicks(parent, { objectId: id, rle, bbox: rleBbox(rle), prompt, alternatives: alternativeMasks(alternatives) });
}

/**
 * A new object from a prompt, or the object it duplicates (IoU ≥ 0.9), which is reused only when its own mask
 * honours every click the new one does: a duplicate that breaks the host's clicks is not what it meant.
 */
export async function addPromptedObject(
  parent: Twin,
  image: LoadedImage,
  segmenter: Segmenter,
  prompt: Prompt,
  control: CallControl,
): Promise<PromptedResult> {
  const { best, alternatives } = await segmenter.segment(image, prompt, control);
  if (best.area === 0) throw emptyMask();
  const r = report(parent, best, alternatives);
  const request = { op: 'segment', prompt };
  const same = r.relations.find((x) => x.relation === 'duplicate' && honoursClicksAsWell(parent.masks.get(x.id)!, best.rle, prompt.points));
  if (same) {
    const existing = parent.objects.find((o) => o.id === same.id)!;
    const steps = promptsOf(best);
    if (!steps || JSON.stringify(existing.prompts) === JSON.stringify(steps)) {
      const missedPoints = missed(parent, same.id, parent.masks.get(same.id)!, alternatives, prompt);
      return { ...r, missedPoints, action: 'matched', object: existing, request, summary: `matched object ${same.id}` };
    }
    // The object keeps its id and takes the mask and prompt the host's clicks gave: the host asked for this
    // mask (in a host study, a crisp wheel over the ragged stuff region it matched), and refining it next adds
    // to what the host clicked, from the mask the host saw, not from the grid point that found it.
    const draft = { ...parent, ...draftOf(parent) };
    const object = replaceObjectMask(draft, image, same.id, best, steps);
    const missedPoints = missed(parent, same.id, best.rle, alternatives, prompt);
    return { ...r, missedPoints, action: 'matched', object, draft, request, summary: `matched object ${same.id}` };
  }
  const draft = { ...parent, ...draftOf(parent) };
  const object = addObject(draft, image, best);
  const missedPoints = missed(parent, object.id, best.rle, alternatives, prompt);
  return { ...r, missedPoints, object, action: 'added', draft, request, summary: `added object ${object.id}` };
}

/** The earlier clicks plus the new ones; a new box replaces the old one. */
export function accumulatePrompt(previous: Prompt | undefined, next: Prompt): Prompt {
  const points = [...(previous?.points ?? []), ...(next.points ?? [])];
  const box = next.box ?? previous?.box;
  return { ...(points.length ? { points } : {}), ...(box ? { box } : {}) };
}

/**
 * Object `id` refined: with new clicks, its earlier prompt plus them, decoded with its previous logits as
 * mask_input (regenerated by replaying its prompt history, or made from its mask where there is none);
 * with only `alternative`, its last decode again, keeping that granularity.
 */
export async function refineObject(
  parent: Twin,
  image: LoadedImage,
  segmenter: Segmenter,
  req: SegmentRequest & { object: number },
  control: CallControl,
): Promise<PromptedResult> {
  const target = parent.objects.find((o) => o.id === req.object);
  if (!target) throw unknownObjects(parent, [req.object]);
  const history = target.prompts ?? [];
  const last = history.at(-1);
  let replay: RefineStep[];
  let prompt: Prompt;
  if (req.prompt) {
    replay = history;
    prompt = accumulatePrompt(last?.prompt, req.prompt);
  } else if (last) {
    replay = history.slice(0, -1);
    prompt = last.prompt;
  } else {
    throw new TwinsegError('INVALID_INPUT', `Object ${target.id} has no prompt to decode again, so it has no alternatives to pick.`, {
      hint: 'Refine it with points or a box instead (segment with "object" and "points").',
    });
  }
  const before = parent.masks.get(target.id)!;
  // Only an object with no history to replay is refined from its mask; an alternative alone decodes its last
  // prompt again as that prompt was decoded (plainly, for a first segment), so it is the mask the reply showed.
  const mask = req.prompt && replay.length === 0 ? before : undefined;
  const { best, alternatives } = await segmenter.refine(
    image,
    { history: replay, mask, prompt, token: req.alternative as MaskToken | undefined },
    control,
  );
  if (best.area === 0) throw emptyMask();
  const draft = { ...parent, ...draftOf(parent) };
  const steps = promptsOf(best) ? [...replay, { prompt, ...(best.token !== undefined ? { token: best.token } : {}) }] : undefined;
  const object = replaceObjectMask(draft, image, target.id, best, steps);
  const inter = rleIntersectionArea(before, best.rle);
  const change = {
    areaBefore: target.area,
    areaAfter: best.area,
    added: best.area - inter,
    removed: target.area - inter,
    iouWithBefore: round3(inter / (target.area + best.area - inter)),
  };
  return {
    ...report(parent, best, alternatives, target.id),
    missedPoints: missed(parent, target.id, best.rle, alternatives, prompt),
    object,
    action: 'refined',
    change,
    draft,
    request: { op: 'refine', object: target.id, prompt: req.prompt, alternative: req.alternative },
    summary: `refined object ${target.id}`,
  };
}

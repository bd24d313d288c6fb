// What to do about a click a prompted mask ignores, in the words of the next call: take an alternative that
// honours it, combine with (or cut out) an object the twin already has, or refine with a box that takes the
// point in or leaves it out. A host finishes the job from the reply instead of guessing.
import { rleArea, rleContains, rleIntersectionArea, type Box, type Rle } from '../mask/rle.js';
import type { Prompt, PromptPoint } from '../perception/contract.js';
import { missedPoints } from './mask-relations.js';
import type { MissedClick } from './twin-service-api.js';
import type { Twin } from './scene-model.js';

export interface ClickAdviceInput {
  /** The id the reply gives the mask (new, refined or reused). */
  objectId: number;
  rle: Rle;
  bbox: Box;
  /** Every click the mask answers (for a refinement, the earlier ones too). */
  prompt: Prompt | undefined;
  /** The reply's alternatives with their masks. */
  alternatives: readonly { alternative: number; rle: Rle }[];
}

/** A box cut must drop less than this share of the mask's box; a point deeper inside needs other means. */
const MAX_BOX_CUT = 0.5;
/** An object cut out for a negative click lies at least this much inside the mask... */
const CUT_INSIDE = 0.5;
/** ...and takes at most this share of the mask away: cutting out most of it is no fix for one click. */
const CUT_AT_MOST = 0.5;
/** An object combined for a positive click is no container of the mask: it holds less than this share of it. */
const NOT_A_CONTAINER = 0.9;

/** The clicks the mask disagrees with, each with one or two concrete next calls. */
export function adviseMissedClicks(twin: Twin, c: ClickAdviceInput): MissedClick[] {
  return missedPoints(c.rle, c.prompt?.points).map((p) => ({ x: p.x, y: p.y, label: p.label, next: nextStep(twin, c, p) }));
}

function nextStep(twin: Twin, c: ClickAdviceInput, p: PromptPoint): string {
  const px = Math.floor(p.x);
  const py = Math.floor(p.y);
  const holds = (r: Rle) => rleContains(r, px, py);
  const clicks = c.prompt?.points ?? [];
  const honours = (r: Rle, label: 0 | 1) =>
    clicks.filter((q) => q.label === label).every((q) => rleContains(r, Math.floor(q.x), Math.floor(q.y)) === (label === 1));
  const id = c.objectId;
  const steps: string[] = [];
  const others = twin.objects.filter((o) => o.id !== id && holds(twin.masks.get(o.id)!));
  if (p.label === 1) {
    const alt = c.alternatives.find((a) => holds(a.rle));
    if (alt) steps.push(`take alternative ${alt.alternative}, which contains it: {"object": ${id}, "alternative": ${alt.alternative}}`);
    const piece = others
      .filter(
        (o) => honours(twin.masks.get(o.id)!, 0) && rleIntersectionArea(twin.masks.get(o.id)!, c.rle) < NOT_A_CONTAINER * rleArea(c.rle),
      )
      .sort((a, b) => a.area - b.area)[0];
    if (piece) steps.push(`add object ${piece.id}, which covers it: get_mask {"ids": [${id}, ${piece.id}]}`);
    const [x1, y1, x2, y2] = c.bbox;
    const box: Box = [Math.min(x1, px), Math.min(y1, py), Math.max(x2, px + 1), Math.max(y2, py + 1)];
    steps.push(`refine with a box that takes it in: {"object": ${id}, "box": [${box.join(', ')}]}`);
  } else {
    const alt = c.alternatives.find((a) => !holds(a.rle) && honours(a.rle, 1));
    if (alt) steps.push(`take alternative ${alt.alternative}, which leaves it out: {"object": ${id}, "alternative": ${alt.alternative}}`);
    const area = rleArea(c.rle);
    const cut = others
      .filter((o) => noPositiveIn(twin.masks.get(o.id)!, clicks))
      .filter((o) => {
        const inter = rleIntersectionArea(twin.masks.get(o.id)!, c.rle);
        return inter >= CUT_INSIDE * o.area && inter <= CUT_AT_MOST * area;
      })
      .sort((a, b) => b.area - a.area)[0];
    if (cut) steps.push(`cut out object ${cut.id}, which covers it: get_mask {"ids": [${id}], "exclude": [${cut.id}]}`);
    const box = boxLeavingOut(c.bbox, px, py, clicks);
    if (box) steps.push(`refine with a box that leaves it out: {"object": ${id}, "box": [${box.join(', ')}]}`);
    if (steps.length === 0)
      steps.push(
        `refine with more negative clicks on other spots of what should go: {"object": ${id}, "points": [{"x": …, "y": …, "label": 0}]}`,
      );
  }
  const where = p.label === 1 ? 'outside' : 'inside';
  return `${p.label === 1 ? 'positive' : 'negative'} click (${p.x}, ${p.y}) lies ${where} the mask: ${steps.slice(0, 2).join('; or ')}`;
}

function noPositiveIn(r: Rle, clicks: readonly PromptPoint[]): boolean {
  return clicks.every((q) => q.label === 0 || !rleContains(r, Math.floor(q.x), Math.floor(q.y)));
}

/**
 * The mask's box with one side moved just past (px, py), the side that cuts least, keeping every positive
 * click inside; undefined when every such cut drops MAX_BOX_CUT of the box or more.
 */
export function boxLeavingOut([x1, y1, x2, y2]: Box, px: number, py: number, clicks: readonly PromptPoint[]): Box | undefined {
  const cuts: Box[] = [
    [px + 1, y1, x2, y2],
    [x1, y1, px, y2],
    [x1, py + 1, x2, y2],
    [x1, y1, x2, py],
  ];
  const size = (b: Box) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
  const full = size([x1, y1, x2, y2]);
  const keepsPositives = (b: Box) => clicks.every((q) => q.label === 0 || (q.x >= b[0] && q.x < b[2] && q.y >= b[1] && q.y < b[3]));
  const best = cuts.filter((b) => size(b) > 0 && keepsPositives(b)).sort((a, b) => size(b) - size(a))[0];
  return best && size(best) > (1 - MAX_BOX_CUT) * full ? best : undefined;
}

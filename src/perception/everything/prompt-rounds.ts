// Where the next round of adaptive prompting goes: the grid, coarse to fine, minus points deep inside
// accepted masks; the deepest cells of gaps no accepted mask covers; part-seeking prompts inside wholes.
import { blockedCells, cellIndex, isInterior, type Coverage } from './coverage-state.js';
import { gapPrompts, leftoverPoints, partPrompts, type PartPromptForm } from './coverage-prompts.js';
import { coarseToFine, gridPointsInBox } from './point-grid.js';
import type { Prompt, Proposal } from '../contract.js';

/** Gaps smaller than this many cells (of ~64 per long side) are not worth a prompt. */
const MIN_GAP_CELLS = 4;
/**
 * Once the coverage target is reached, a gap still gets a prompt when its deepest cell lies this many
 * cells (~30 px at 640) from every covered or tried cell: room for a whole object (a 1.6% ball in a
 * drawn scene was left unprompted by a 0.97 target), unlike the slivers along mask edges.
 */
const OBJECT_GAP_DEPTH = 3;
/** Masks between these fractions of the image are searched for parts: objects, not sky or lawns. */
const PARTS_MIN_FRACTION = 0.005;
const PARTS_MAX_FRACTION = 0.15;
/** Points spread inside a mask for part prompts, one prompt each. */
const PART_POINTS = 3;

const lonePoint = (x: number, y: number): Prompt => ({ points: [{ x, y, label: 1 }] });

/** The grid's points, coarse to fine, so that the first rounds already span the image. */
export function gridOrder(pointsPerSide: number, width: number, height: number): Array<[number, number]> {
  return coarseToFine(gridPointsInBox(pointsPerSide, [0, 0, width, height]));
}

/** Up to `room` grid points from `queue` (consumed), skipping those deep inside an accepted mask. */
export function gridRound(queue: Array<[number, number]>, c: Coverage, room: number): Prompt[] {
  const out: Prompt[] = [];
  while (out.length < room && queue.length > 0) {
    const [x, y] = queue.shift()!;
    if (!isInterior(c, x, y)) out.push(lonePoint(x, y));
  }
  return out;
}

/**
 * A lone point at the deepest cell of each of the largest uncovered, unprompted gaps; with
 * `objectSized`, only gaps deep enough to hold an object (OBJECT_GAP_DEPTH).
 */
export function gapRound(c: Coverage, room: number, objectSized = false): Prompt[] {
  return gapPrompts(blockedCells(c), c.grid, room, MIN_GAP_CELLS, objectSized ? OBJECT_GAP_DEPTH : 1).map(({ x, y }) => lonePoint(x, y));
}

/**
 * Part-seeking prompts (in `form`, see PartPromptForm) inside accepted object-sized masks, largest
 * first, each whole once (wholes that mostly repeat a larger one's cells are skipped).
 */
export function partRound(c: Coverage, accepted: readonly Proposal[], room: number, form: PartPromptForm = 'contrast'): Prompt[] {
  const imageCells = c.covered.length;
  const wholes = accepted
    .filter((p) => p.stage !== 'parts' && c.cellsOf.has(p))
    .filter((p) => {
      const f = p.area / (c.grid.width * c.grid.height);
      return f >= PARTS_MIN_FRACTION && f <= PARTS_MAX_FRACTION;
    })
    .sort((a, b) => b.area - a.area);
  const out: Prompt[] = [];
  for (const whole of dedupeByCells(wholes, c.cellsOf)) {
    if (out.length >= room) break;
    out.push(...partPrompts(c.cellsOf.get(whole)!, smallerInside(whole, c.cellsOf, imageCells), c.grid, PART_POINTS, form));
  }
  return out.slice(0, room);
}

/** A leftover piece of a mask needs this many cells (~10 px each at 640) for a prompt: a pole, not a sliver. */
const LEFTOVER_MIN_CELLS = 3;
/**
 * A smaller mask up to this share of a mask's area explains its cells for leftover prompts: a sign's
 * board is 85% of the sign, and what is left is the pole.
 */
const LEFTOVER_EXPLAINED_RATIO = 0.95;
/**
 * A leftover piece larger than this share of its mask's cells is the object's own body, not a piece of it
 * (a ball with nothing inside it): a prompt there gives the mask again.
 */
const LEFTOVER_MAX_SHARE = 0.5;
/** Leftover prompts per mask in one round, so that the spare budget reaches every object. */
const LEFTOVER_PER_WHOLE = 2;

/**
 * Lone points at the pieces of accepted object-sized masks (any stage: a whole the part points found
 * counts too) that no smaller accepted mask explains and no prompt has tried: a sign's pole, a wheel.
 * Spends what the budget has left after parts and gaps; masks in turn, largest first, at most
 * LEFTOVER_PER_WHOLE pieces each (none larger than LEFTOVER_MAX_SHARE of the mask), largest pieces first.
 */
export function leftoverRound(c: Coverage, accepted: readonly Proposal[], room: number): Prompt[] {
  const imageCells = c.covered.length;
  const wholes = accepted
    .filter((p) => c.cellsOf.has(p))
    .filter((p) => {
      const f = p.area / (c.grid.width * c.grid.height);
      return f >= PARTS_MIN_FRACTION && f <= PARTS_MAX_FRACTION;
    })
    .sort((a, b) => b.area - a.area);
  const perWhole = dedupeByCells(wholes, c.cellsOf).map((whole) => {
    const cells = c.cellsOf.get(whole)!;
    const explained = smallerInside(whole, c.cellsOf, imageCells, LEFTOVER_EXPLAINED_RATIO);
    const leftover = new Uint8Array(imageCells);
    for (let i = 0; i < imageCells; i++) leftover[i] = cells[i] && !explained[i] && !c.tried[i] ? 1 : 0;
    const maxCells = LEFTOVER_MAX_SHARE * cells.reduce((t, v) => t + v, 0);
    return leftoverPoints(leftover, c.grid, LEFTOVER_MIN_CELLS, maxCells).slice(0, LEFTOVER_PER_WHOLE);
  });
  const out: Prompt[] = [];
  const taken = new Set<number>();
  for (let k = 0; k < LEFTOVER_PER_WHOLE; k++) {
    for (const points of perWhole) {
      const p = points[k];
      if (!p || out.length >= room) continue;
      const cell = cellIndex(c.grid, p.x, p.y);
      if (taken.has(cell)) continue; // two masks of one object share their leftover
      taken.add(cell);
      out.push(lonePoint(p.x, p.y));
    }
  }
  return out;
}

/** Wholes whose cells mostly repeat a larger whole's are searched once. */
function dedupeByCells(wholes: Proposal[], cellsOf: Map<Proposal, Uint8Array>): Proposal[] {
  const out: Proposal[] = [];
  for (const w of wholes) {
    const a = cellsOf.get(w)!;
    const dup = out.some((o) => cellIou(a, cellsOf.get(o)!) > 0.8);
    if (!dup && cellList(a).length >= 8) out.push(w);
  }
  return out;
}

/** Cells of accepted masks that are smaller than `whole` (below maxRatio of its area) and lie mostly inside it. */
function smallerInside(whole: Proposal, cellsOf: Map<Proposal, Uint8Array>, n: number, maxRatio = 0.8): Uint8Array {
  const outer = cellsOf.get(whole)!;
  const out = new Uint8Array(n);
  for (const [p, cells] of cellsOf) {
    if (p === whole || p.area >= whole.area * maxRatio) continue;
    const list = cellList(cells);
    let inside = 0;
    for (const i of list) inside += outer[i]!;
    if (list.length > 0 && inside / list.length > 0.8) for (const i of list) out[i] = 1;
  }
  return out;
}

function cellIou(a: Uint8Array, b: Uint8Array): number {
  const la = cellList(a);
  let inter = 0;
  for (const i of la) inter += b[i]!;
  const union = la.length + cellList(b).length - inter;
  return union === 0 ? 0 : inter / union;
}

// A mask's cells as a list of indices: the rounds compare each accepted mask with every other, and a mask
// covers a few hundred of the grid's thousands of cells. Cell arrays never change once accepted.
const cellLists = new WeakMap<Uint8Array, Int32Array>();
function cellList(cells: Uint8Array): Int32Array {
  let list = cellLists.get(cells);
  if (!list) {
    let count = 0;
    for (let i = 0; i < cells.length; i++) if (cells[i]) count++;
    list = new Int32Array(count);
    for (let i = 0, k = 0; i < cells.length; i++) if (cells[i]) list[k++] = i;
    cellLists.set(cells, list);
  }
  return list;
}

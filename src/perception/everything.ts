// SAM "everything" mode on a single-mask decoder. Stages, all within options.maxDecoderCalls:
//   grid      SAM's pointsPerSide² grid. Plain runs (coverageTarget 0, no parts) prompt every point
//             row by row, exactly as SAM; adaptive runs visit it coarse to fine and skip points deep
//             inside an accepted mask, since those calls mostly return that mask again;
//   coverage  a prompt at the deepest cell of each gap no accepted mask covers, in rounds, until
//             options.coverageTarget of the image is covered (small objects the grid missed);
//   parts     inside mid-sized accepted masks, points spread by k-means, each asked as positive with
//             the others negative, so parts (or members of a group) are proposed beside wholes;
//   crop      SAM's crop layers: each tile is re-encoded and gets its own (downscaled) grid.
// Every proposal passes SAM's filters (predicted IoU, stability, crop edges), then box NMS, then
// hole/island cleanup with a second NMS that prefers untouched masks, as SAM does.
import { throwIfAborted } from '../errors.js';
import {
  depthMap,
  gapPrompts,
  makeCellGrid,
  markTried,
  partPrompts,
  rleCells,
  type CellGrid,
} from './coverage-prompts.js';
import { cleanupProposal, proposalFromDecoded } from './mask-postprocess.js';
import { boxNms } from './nms.js';
import {
  coarseToFine,
  cropImage,
  generateCropBoxes,
  gridPointsInBox,
  isBoxNearCropEdge,
  pointsPerSideForLayer,
  uncropProposal,
} from './point-grid.js';
import { rleArea, rleUnion, type Box } from '../mask/rle.js';
import type {
  Embedding,
  EverythingOptions,
  EverythingResult,
  LoadedImage,
  Prompt,
  Proposal,
  RunControl,
  SamPredictor,
} from './types.js';

/** Gap prompts placed per coverage round before coverage is measured again. */
const PROMPTS_PER_ROUND = 8;
/** Gaps smaller than this many cells (of ~64 per long side) are not worth a call. */
const MIN_GAP_CELLS = 4;
/** Cells within this many cells of a tried gap prompt are not tried again. */
const TRIED_RADIUS = 1;
/** A grid point is skipped when it lies this many cells deep inside an accepted mask. */
const INTERIOR_DEPTH = 2;
/** Share of the budget held back for parts while filling gaps. */
const PARTS_SHARE = 0.1;
/** Masks between these fractions of the image are searched for parts: objects, not sky or lawns. */
const PARTS_MIN_FRACTION = 0.005;
const PARTS_MAX_FRACTION = 0.15;
/** Points spread inside a mask for part prompts, one prompt each. */
const PART_POINTS = 3;
/** SAM's crop_n_points_downscale_factor. */
const CROP_POINTS_DOWNSCALE = 2;

interface Candidate {
  proposal: Proposal;
  /** Index into the crop boxes; 0 = whole image. */
  crop: number;
}

export async function runEverything(
  predictor: SamPredictor,
  image: LoadedImage,
  options: EverythingOptions,
  control: RunControl = {},
): Promise<EverythingResult> {
  const started = performance.now();
  const { signal, onProgress } = control;
  const { width, height } = image;
  const budget = options.maxDecoderCalls;
  const crops = generateCropBoxes(width, height, options.cropNLayers, options.cropOverlapRatio);
  const gridCount = options.pointsPerSide ** 2;
  const cropCalls = crops.boxes
    .slice(1)
    .reduce((n, _, i) => n + pointsPerSideForLayer(options.pointsPerSide, crops.layers[i + 1]!, CROP_POINTS_DOWNSCALE) ** 2, 0);
  const adaptive = options.parts || options.coverageTarget > 0;
  const planned = adaptive ? budget : Math.min(budget, gridCount + cropCalls);
  const stats = { decoderCalls: 0, encoderMs: 0, decoderMs: 0, postprocessMs: 0 };
  let done = 0;
  let total = crops.boxes.length + planned;
  const report = (message?: string) => onProgress?.({ done, total: Math.max(total, done), message });

  throwIfAborted(signal);
  const first = await predictor.embed(image, signal);
  stats.encoderMs += first.ms;
  const embeddingCached = first.cached;
  done++;
  report('encoded image');

  const candidates: Candidate[] = [];
  const grid = makeCellGrid(width, height);
  const covered = new Uint16Array(grid.cols * grid.rows);
  const tried = new Uint8Array(grid.cols * grid.rows);
  const interior = new Uint8Array(grid.cols * grid.rows);
  const cellsOf = new Map<Proposal, Uint8Array>();

  const decode = async (embedding: Embedding, prompt: Prompt, stage: Proposal['stage'], crop = 0): Promise<boolean> => {
    throwIfAborted(signal);
    if (stats.decoderCalls >= budget) return false;
    const t0 = performance.now();
    const decoded = await predictor.decode(embedding, prompt);
    const t1 = performance.now();
    let p = proposalFromDecoded(decoded, prompt, stage, { stabilityScoreOffset: options.stabilityScoreOffset, minMaskRegionArea: 0 });
    const box = crops.boxes[crop]!;
    if (crop > 0) p = uncropProposal(p, box, width, height);
    const keep =
      p.area > 0 &&
      p.predictedIou >= options.predIouThresh &&
      p.stability >= options.stabilityScoreThresh &&
      !(crop > 0 && isBoxNearCropEdge(p.bbox, box, width, height));
    if (keep) {
      candidates.push({ proposal: p, crop });
      if (crop === 0) {
        const cells = rleCells(p.rle, grid);
        cellsOf.set(p, cells);
        for (let i = 0; i < cells.length; i++) covered[i]! += cells[i]!;
        const depth = depthMap(cells, grid);
        for (let i = 0; i < depth.length; i++) if (depth[i]! >= INTERIOR_DEPTH) interior[i] = 1;
      }
    }
    stats.decoderMs += t1 - t0;
    stats.postprocessMs += performance.now() - t1;
    stats.decoderCalls++;
    done++;
    report(stage);
    return true;
  };

  // Adaptive runs visit the grid coarse to fine and skip points deep inside an accepted mask: those
  // calls would only repeat it. Plain grids keep SAM's semantics (every point, row by row).
  const gridPoints = gridPointsInBox(options.pointsPerSide, [0, 0, width, height]);
  for (const [x, y] of adaptive ? coarseToFine(gridPoints) : gridPoints) {
    if (adaptive && interior[cellIndex(grid, x, y)]) continue;
    if (!(await decode(first.embedding, { points: [{ x, y, label: 1 }] }, 'grid'))) break;
    markTried(tried, grid, x, y, 0);
  }

  if (adaptive) {
    const partsReserve = options.parts ? Math.floor(budget * PARTS_SHARE) : 0;
    await fillGaps(budget - partsReserve);
    if (options.parts) await findParts();
    await fillGaps(budget);
  }

  for (let c = 1; c < crops.boxes.length && stats.decoderCalls < budget; c++) {
    throwIfAborted(signal);
    const box = crops.boxes[c]!;
    const sub = await predictor.embed(cropImage(image, box), signal);
    stats.encoderMs += sub.ms;
    done++;
    report('encoded crop');
    const n = pointsPerSideForLayer(options.pointsPerSide, crops.layers[c]!, CROP_POINTS_DOWNSCALE);
    const cw = box[2] - box[0];
    const ch = box[3] - box[1];
    for (const [x, y] of gridPointsInBox(n, [0, 0, cw, ch])) {
      if (!(await decode(sub.embedding, { points: [{ x, y, label: 1 }] }, 'crop', c))) break;
    }
  }

  const tPost = performance.now();
  const proposals = selectProposals(candidates, crops.boxes, options);
  const coverage = proposals.length === 0 ? 0 : rleArea(proposals.map((p) => p.rle).reduce(rleUnion)) / (width * height);
  stats.postprocessMs += performance.now() - tPost;
  total = done;
  report('done');
  return { proposals, stats: { ...stats, totalMs: performance.now() - started, coverage, embeddingCached } };

  async function fillGaps(limit: number): Promise<void> {
    while (stats.decoderCalls < limit && coveredFraction(covered) < options.coverageTarget) {
      const blocked = new Uint8Array(covered.length);
      for (let i = 0; i < blocked.length; i++) blocked[i] = covered[i]! > 0 || tried[i]! > 0 ? 1 : 0;
      const room = Math.min(PROMPTS_PER_ROUND, limit - stats.decoderCalls);
      const prompts = gapPrompts(blocked, grid, room, MIN_GAP_CELLS);
      if (prompts.length === 0) return;
      for (const { x, y } of prompts) {
        if (!(await decode(first.embedding, { points: [{ x, y, label: 1 }] }, 'coverage'))) return;
        markTried(tried, grid, x, y, TRIED_RADIUS);
      }
    }
  }

  async function findParts(): Promise<void> {
    const minArea = PARTS_MIN_FRACTION * width * height;
    const wholes = candidates
      .filter((c) => c.crop === 0 && c.proposal.stage !== 'parts' && c.proposal.area >= minArea && c.proposal.area <= PARTS_MAX_FRACTION * width * height)
      .map((c) => c.proposal)
      .sort((a, b) => b.area - a.area);
    for (const whole of dedupeByCells(wholes, cellsOf)) {
      const prompts = partPrompts(cellsOf.get(whole)!, smallerInside(whole, cellsOf, grid), grid, PART_POINTS);
      for (const prompt of prompts) {
        if (stats.decoderCalls >= budget) return;
        await decode(first.embedding, prompt, 'parts');
      }
    }
  }
}

function cellIndex(g: CellGrid, x: number, y: number): number {
  return Math.min(g.rows - 1, Math.floor(y / g.cell)) * g.cols + Math.min(g.cols - 1, Math.floor(x / g.cell));
}

function coveredFraction(covered: Uint16Array): number {
  let n = 0;
  for (const c of covered) if (c > 0) n++;
  return n / covered.length;
}

/** Wholes whose cells mostly repeat a larger whole's are searched once. */
function dedupeByCells(wholes: Proposal[], cellsOf: Map<Proposal, Uint8Array>): Proposal[] {
  const out: Proposal[] = [];
  for (const w of wholes) {
    const a = cellsOf.get(w)!;
    const dup = out.some((o) => cellIou(a, cellsOf.get(o)!) > 0.8);
    if (!dup && countCells(a) >= 8) out.push(w);
  }
  return out;
}

/** Cells of accepted masks that are smaller than `whole` and lie mostly inside it. */
function smallerInside(whole: Proposal, cellsOf: Map<Proposal, Uint8Array>, g: CellGrid): Uint8Array {
  const outer = cellsOf.get(whole)!;
  const out = new Uint8Array(g.cols * g.rows);
  for (const [p, cells] of cellsOf) {
    if (p === whole || p.area >= whole.area * 0.8) continue;
    let inside = 0;
    let n = 0;
    for (let i = 0; i < cells.length; i++) {
      if (!cells[i]) continue;
      n++;
      if (outer[i]) inside++;
    }
    if (n > 0 && inside / n > 0.8) for (let i = 0; i < cells.length; i++) if (cells[i]) out[i] = 1;
  }
  return out;
}

function countCells(a: Uint8Array): number {
  let n = 0;
  for (const v of a) n += v;
  return n;
}

function cellIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] || b[i]) union++;
    if (a[i] && b[i]) inter++;
  }
  return union === 0 ? 0 : inter / union;
}

/** SAM's selection: NMS per crop by predicted IoU, then across crops preferring smaller tiles, then cleanup. */
function selectProposals(candidates: Candidate[], cropBoxes: Box[], options: EverythingOptions): Proposal[] {
  const nms = (list: Candidate[], score: (c: Candidate) => number) =>
    boxNms(list.map((c) => c.proposal.bbox), list.map(score), options.boxNmsThresh).map((i) => list[i]!);
  let kept: Candidate[] = [];
  for (let c = 0; c < cropBoxes.length; c++) {
    kept.push(...nms(candidates.filter((k) => k.crop === c), (k) => k.proposal.predictedIou));
  }
  if (cropBoxes.length > 1) {
    const area = (c: Candidate) => { const b = cropBoxes[c.crop]!; return (b[2] - b[0]) * (b[3] - b[1]); };
    kept = nms(kept, (c) => 1 / area(c));
  }
  let proposals = kept.map((c) => c.proposal);
  if (options.minMaskRegionArea > 0) {
    const cleaned = proposals.map((p) => cleanupProposal(p, options.minMaskRegionArea));
    const live = cleaned.filter((c) => c.proposal.area > 0);
    proposals = boxNms(live.map((c) => c.proposal.bbox), live.map((c) => (c.changed ? 0 : 1)), options.boxNmsThresh).map(
      (i) => live[i]!.proposal,
    );
  }
  return proposals;
}

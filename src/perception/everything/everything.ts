// SAM "everything" mode. Where the decoder gives all four mask tokens (four-token-session.ts), each lone
// point proposes SAM's three granularities and each prompt round is decoded in batches; a single-mask
// decoder gets the same rounds, one call per prompt. Stages, all within options.maxPrompts:
//   grid      SAM's pointsPerSide² grid. Plain runs (coverageTarget 0, no parts) prompt every point,
//             exactly as SAM; adaptive runs visit it coarse to fine in rounds and skip points deep inside
//             an accepted mask, since those mostly return that mask again;
//   coverage  rounds of prompts at the deepest cell of each gap no accepted mask covers, until
//             options.coverageTarget of the image is covered (small objects the grid missed), and after
//             that while a gap is left deep enough to hold an object;
//   parts     inside object-sized accepted masks, points spread by k-means, so parts or members of a
//             group (or an object a merged mask swallowed) are proposed beside wholes: lone points where
//             each proposes three granularities, else each positive with the others negative (token 0);
//             with lone points, what the budget has left after the last gap round goes to the middle of
//             each piece of an object-sized mask that no smaller mask explains (a sign's pole, a wheel);
//   crop      SAM's crop layers: each tile is re-encoded and gets its own (downscaled) grid.
// Every proposal passes SAM's filters (predicted IoU, stability, crop edges), then proposal-selection.ts;
// with options.stuff, the pixels the selected proposals leave unexplained become stuff regions after them
// (everything/stuff-regions.ts).
import { throwIfAborted } from '../../errors.js';
import { rleArea, rleUnion } from '../../mask/rle.js';
import { coveredFraction, markPrompted } from './coverage-state.js';
import { createRun, decodeRound, promptsLeft, reportProgress, type DecodeTarget, type EverythingRun } from './everything-run.js';
import { cropImage, generateCropBoxes, gridPointsInBox, pointsPerSideForLayer } from './point-grid.js';
import { selectProposals } from './proposal-selection.js';
import { stuffProposals } from './stuff-regions.js';
import { gapRound, gridOrder, gridRound, leftoverRound, partRound } from './prompt-rounds.js';
import type { EverythingOptions, EverythingResult, LoadedImage, Proposal, RunControl } from '../contract.js';
import type { SamPredictor } from '../sam/predictor-interface.js';

/** Share of the budget held back for parts while filling gaps. */
const PARTS_SHARE = 0.1;
/** Cells within this many cells of a tried gap prompt are not tried again. */
const TRIED_RADIUS = 1;
/** SAM's crop_n_points_downscale_factor. */
const CROP_POINTS_DOWNSCALE = 2;

const isAdaptive = (o: EverythingOptions) => o.parts || o.coverageTarget > 0;

export async function runEverything(
  predictor: SamPredictor,
  image: LoadedImage,
  options: EverythingOptions,
  control: RunControl = {},
): Promise<EverythingResult> {
  const started = performance.now();
  const run = startRun(predictor, image, options, control);
  throwIfAborted(control.signal);
  const { target, cached } = await embedTarget(run, image, 0);
  if (isAdaptive(options)) await promptInRounds(run, target);
  else await promptWholeGrid(run, target);
  await promptCrops(run);
  return finishRun(run, target, cached, started);
}

function startRun(predictor: SamPredictor, image: LoadedImage, options: EverythingOptions, control: RunControl): EverythingRun {
  const crops = generateCropBoxes(image.width, image.height, options.cropNLayers, options.cropOverlapRatio);
  const cropPrompts = crops.layers.slice(1).reduce((n, layer) => n + pointsPerSideForLayer(options.pointsPerSide, layer, CROP_POINTS_DOWNSCALE) ** 2, 0);
  const planned = isAdaptive(options) ? options.maxPrompts : Math.min(options.maxPrompts, options.pointsPerSide ** 2 + cropPrompts);
  return createRun(predictor, image, options, control, crops, crops.boxes.length + planned);
}

/** Encodes the image (or a crop tile) and gets its four-token decoder where the predictor has one. */
export async function embedTarget(run: EverythingRun, image: LoadedImage, crop: number): Promise<{ target: DecodeTarget; cached: boolean }> {
  const { embedding, cached, ms } = await run.predictor.embed(image, run.control.signal);
  run.stats.encoderMs += ms;
  reportProgress(run, 1, crop === 0 ? 'encoded image' : 'encoded crop');
  const tokens = await run.predictor.tokenDecoder?.(embedding);
  return { target: { embedding, tokens, crop }, cached };
}

/** SAM's plain grid: every point, row by row. */
async function promptWholeGrid(run: EverythingRun, target: DecodeTarget): Promise<void> {
  const { width, height } = run.image;
  const points = gridPointsInBox(run.options.pointsPerSide, [0, 0, width, height]);
  await decodeRound(run, target, points.map(([x, y]) => ({ points: [{ x, y, label: 1 }] })), 'grid');
}

async function promptInRounds(run: EverythingRun, target: DecodeTarget): Promise<void> {
  const { options, image } = run;
  const queue = gridOrder(options.pointsPerSide, image.width, image.height);
  while (queue.length > 0 && promptsLeft(run) > 0) {
    const prompts = gridRound(queue, run.coverage, Math.min(options.promptsPerRound, promptsLeft(run)));
    await decodeRound(run, target, prompts, 'grid');
    for (const p of prompts) markPrompted(run.coverage, p.points![0]!.x, p.points![0]!.y, 0);
  }
  const partsReserve = options.parts ? Math.floor(options.maxPrompts * PARTS_SHARE) : 0;
  await fillGaps(run, target, options.maxPrompts - partsReserve);
  if (options.parts) {
    const wholes = run.candidates.filter((c) => c.crop === 0).map((c) => c.proposal);
    const form = target.tokens && options.multimask ? 'lone' : 'contrast';
    const parts = partRound(run.coverage, wholes, promptsLeft(run), form);
    await decodeRound(run, target, parts, 'parts');
    for (const p of parts) markPrompted(run.coverage, p.points![0]!.x, p.points![0]!.y, 0);
  }
  await fillGaps(run, target, options.maxPrompts);
  // The budget gaps and parts left unspent goes to pieces of objects nothing explains yet (poles, wheels).
  if (options.parts && target.tokens && options.multimask) {
    const accepted = run.candidates.filter((c) => c.crop === 0).map((c) => c.proposal);
    await decodeRound(run, target, leftoverRound(run.coverage, accepted, promptsLeft(run)), 'parts');
  }
}

/**
 * Rounds of gap prompts until `limit` prompts in all or no gap is left worth one: any gap below the
 * coverage target, only object-sized ones above it. A coverage target of 0 turns gap prompts off.
 */
async function fillGaps(run: EverythingRun, target: DecodeTarget, limit: number): Promise<void> {
  if (run.options.coverageTarget <= 0) return;
  while (run.stats.prompts < limit) {
    const objectSized = coveredFraction(run.coverage) >= run.options.coverageTarget;
    const prompts = gapRound(run.coverage, Math.min(run.options.promptsPerRound, limit - run.stats.prompts), objectSized);
    if (prompts.length === 0) return;
    await decodeRound(run, target, prompts, 'coverage');
    for (const p of prompts) markPrompted(run.coverage, p.points![0]!.x, p.points![0]!.y, TRIED_RADIUS);
  }
}

/** SAM's crop layers: each tile re-encoded, with a grid shrunk per layer. */
async function promptCrops(run: EverythingRun): Promise<void> {
  const { crops, options } = run;
  for (let c = 1; c < crops.boxes.length && promptsLeft(run) > 0; c++) {
    throwIfAborted(run.control.signal);
    const box = crops.boxes[c]!;
    const { target } = await embedTarget(run, cropImage(run.image, box), c);
    const n = pointsPerSideForLayer(options.pointsPerSide, crops.layers[c]!, CROP_POINTS_DOWNSCALE);
    const points = gridPointsInBox(n, [0, 0, box[2] - box[0], box[3] - box[1]]);
    await decodeRound(run, target, points.map(([x, y]) => ({ points: [{ x, y, label: 1 }] })), 'crop');
  }
}

/** SAM's selection of a run's candidates, then (options.stuff) the stuff regions they leave. */
function selectWithStuff(run: EverythingRun): Proposal[] {
  const things = selectProposals(run.candidates, run.crops.boxes, run.options);
  return run.options.stuff ? [...things, ...stuffProposals(run.image, things)] : things;
}

/** The run's result: its candidates selected (by default as selectWithStuff does), and its stats. */
export function finishRun(
  run: EverythingRun,
  target: DecodeTarget,
  embeddingCached: boolean,
  started: number,
  select: (run: EverythingRun) => Proposal[] = selectWithStuff,
): EverythingResult {
  const tPost = performance.now();
  const proposals = select(run);
  const { width, height } = run.image;
  const coverage = proposals.length === 0 ? 0 : rleArea(proposals.map((p) => p.rle).reduce(rleUnion)) / (width * height);
  run.stats.postprocessMs += performance.now() - tPost;
  run.progress.total = run.progress.done;
  reportProgress(run, 0, 'done');
  return {
    proposals,
    stats: {
      ...run.stats,
      masksPerPrompt: target.tokens ? 'four-token' : 'single-mask',
      totalMs: performance.now() - started,
      coverage,
      embeddingCached,
    },
  };
}

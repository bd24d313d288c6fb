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
// with options.remainders, each merged mask less the object in front of it follows them (remainders.ts), and
// with options.stuff, the pixels they leave unexplained become stuff regions after them (stuff-regions.ts).
import { throwIfAborted } from '../../errors.js';
import { rleArea, rleUnion } from '../../mask/rle.js';
import { coveredFraction, markPrompted } from './coverage-state.js';
import { createJob, decodeRound, promptsLeft, reportProgress, type DecodeTarget, type EverythingJob } from './everything-job.js';
import { cropImage, generateCropBoxes, gridPointsInBox, pointsPerSideForLayer } from './point-grid.js';
import { selectProposals } from './proposal-selection.js';
import { remainderProposals } from './remainders.js';
import { stuffProposals } from './stuff-regions.js';
import { gapRound, gridOrder, gridRound, leftoverRound, partRound } from './prompt-rounds.js';
import type { EverythingOptions, EverythingResult, LoadedImage, Proposal, CallControl } from '../contract.js';
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
  control: CallControl = {},
): Promise<EverythingResult> {
  const started = performance.now();
  const job = startJob(predictor, image, options, control);
  throwIfAborted(control.signal);
  const { target, cached } = await embedTarget(job, image, 0);
  if (isAdaptive(options)) await promptInRounds(job, target);
  else await promptWholeGrid(job, target);
  await promptCrops(job);
  return finishJob(job, target, cached, started);
}

function startJob(predictor: SamPredictor, image: LoadedImage, options: EverythingOptions, control: CallControl): EverythingJob {
  const crops = generateCropBoxes(image.width, image.height, options.cropNLayers, options.cropOverlapRatio);
  const cropPrompts = crops.layers
    .slice(1)
    .reduce((n, layer) => n + pointsPerSideForLayer(options.pointsPerSide, layer, CROP_POINTS_DOWNSCALE) ** 2, 0);
  const planned = isAdaptive(options) ? options.maxPrompts : Math.min(options.maxPrompts, options.pointsPerSide ** 2 + cropPrompts);
  return createJob(predictor, image, options, control, crops, crops.boxes.length + planned);
}

/** Encodes the image (or a crop tile) and gets its four-token decoder where the predictor has one. */
export async function embedTarget(
  job: EverythingJob,
  image: LoadedImage,
  crop: number,
): Promise<{ target: DecodeTarget; cached: boolean }> {
  const { embedding, cached, ms } = await job.predictor.embed(image, job.control.signal);
  job.stats.encoderMs += ms;
  reportProgress(job, 1, crop === 0 ? 'encoded image' : 'encoded crop');
  const decoder = await job.predictor.tokenDecoder?.(embedding);
  return { target: { embedding, decoder, crop }, cached };
}

/** SAM's plain grid: every point, row by row. */
async function promptWholeGrid(job: EverythingJob, target: DecodeTarget): Promise<void> {
  const { width, height } = job.image;
  const points = gridPointsInBox(job.options.pointsPerSide, [0, 0, width, height]);
  await decodeRound(
    job,
    target,
    points.map(([x, y]) => ({ points: [{ x, y, label: 1 }] })),
    'grid',
  );
}

async function promptInRounds(job: EverythingJob, target: DecodeTarget): Promise<void> {
  const { options, image } = job;
  const queue = gridOrder(options.pointsPerSide, image.width, image.height);
  while (queue.length > 0 && promptsLeft(job) > 0) {
    const prompts = gridRound(queue, job.coverage, Math.min(options.promptsPerRound, promptsLeft(job)));
    await decodeRound(job, target, prompts, 'grid');
    for (const p of prompts) markPrompted(job.coverage, p.points![0]!.x, p.points![0]!.y, 0);
  }
  const partsReserve = options.parts ? Math.floor(options.maxPrompts * PARTS_SHARE) : 0;
  await fillGaps(job, target, options.maxPrompts - partsReserve);
  if (options.parts) {
    const wholes = job.candidates.filter((c) => c.crop === 0).map((c) => c.proposal);
    const form = target.decoder && options.multimask ? 'lone' : 'contrast';
    const parts = partRound(job.coverage, wholes, promptsLeft(job), form);
    await decodeRound(job, target, parts, 'parts');
    for (const p of parts) markPrompted(job.coverage, p.points![0]!.x, p.points![0]!.y, 0);
  }
  await fillGaps(job, target, options.maxPrompts);
  // The budget gaps and parts left unspent goes to pieces of objects nothing explains yet (poles, wheels).
  if (options.parts && target.decoder && options.multimask) {
    const accepted = job.candidates.filter((c) => c.crop === 0).map((c) => c.proposal);
    await decodeRound(job, target, leftoverRound(job.coverage, accepted, promptsLeft(job)), 'parts');
  }
}

/**
 * Rounds of gap prompts until `limit` prompts in all or no gap is left worth one: any gap below the
 * coverage target, only object-sized ones above it. A coverage target of 0 turns gap prompts off.
 */
async function fillGaps(job: EverythingJob, target: DecodeTarget, limit: number): Promise<void> {
  if (job.options.coverageTarget <= 0) return;
  while (job.stats.prompts < limit) {
    const objectSized = coveredFraction(job.coverage) >= job.options.coverageTarget;
    const prompts = gapRound(job.coverage, Math.min(job.options.promptsPerRound, limit - job.stats.prompts), objectSized);
    if (prompts.length === 0) return;
    await decodeRound(job, target, prompts, 'coverage');
    for (const p of prompts) markPrompted(job.coverage, p.points![0]!.x, p.points![0]!.y, TRIED_RADIUS);
  }
}

/** SAM's crop layers: each tile re-encoded, with a grid shrunk per layer. */
async function promptCrops(job: EverythingJob): Promise<void> {
  const { crops, options } = job;
  for (let c = 1; c < crops.boxes.length && promptsLeft(job) > 0; c++) {
    throwIfAborted(job.control.signal);
    const box = crops.boxes[c]!;
    const { target } = await embedTarget(job, cropImage(job.image, box), c);
    const n = pointsPerSideForLayer(options.pointsPerSide, crops.layers[c]!, CROP_POINTS_DOWNSCALE);
    const points = gridPointsInBox(n, [0, 0, box[2] - box[0], box[3] - box[1]]);
    await decodeRound(
      job,
      target,
      points.map(([x, y]) => ({ points: [{ x, y, label: 1 }] })),
      'crop',
    );
  }
}

/** SAM's selection of a job's candidates, then their remainders (options.remainders) and the stuff regions they leave (options.stuff). */
function selectWithStuff(job: EverythingJob): Proposal[] {
  const selected = selectProposals(job.candidates, job.crops.boxes, job.options);
  const remainders = job.options.remainders ? remainderProposals(job.image, selected) : [];
  // Stuff from SAM's masks alone: a remainder is pixels its merged mask already explains, and counted as an
  // object-sized mask it would hide a path from the colour split of the ground around it.
  const stuff = job.options.stuff ? stuffProposals(job.image, selected) : [];
  return [...selected, ...remainders, ...stuff];
}

/** The job's result: its candidates selected (by default as selectWithStuff does), and its stats. */
export function finishJob(
  job: EverythingJob,
  target: DecodeTarget,
  embeddingCached: boolean,
  started: number,
  select: (job: EverythingJob) => Proposal[] = selectWithStuff,
): EverythingResult {
  const tPost = performance.now();
  const proposals = select(job);
  const { width, height } = job.image;
  const coverage = proposals.length === 0 ? 0 : rleArea(proposals.map((p) => p.rle).reduce(rleUnion)) / (width * height);
  job.stats.postprocessMs += performance.now() - tPost;
  job.progress.total = job.progress.done;
  reportProgress(job, 0, 'done');
  return {
    proposals,
    stats: {
      ...job.stats,
      masksPerPrompt: target.decoder ? 'four-token' : 'single-mask',
      totalMs: performance.now() - started,
      coverage,
      embeddingCached,
    },
  };
}

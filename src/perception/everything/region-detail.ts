// A region's second look: everything mode again inside a box the host names (a crowd), on the image's
// cached embedding (no encoder pass when the twin was built in this process), in two rounds:
//   grid         a pointsPerSide² grid of lone points inside the box, each proposing SAM's three
//                granularities: prompts the whole-image run spread over the image, packed into the crowd;
//   differences  each mask of the crowd (the twin's and the grid's) that holds another one is asked again
//                for what it holds besides it, shaped as a careful host asks (detail-prompts.ts): a rider
//                apart from her horse, the pieces around its neck joined.
// Proposals pass everything mode's filters; selection is by mask overlap (see SAME_MASK_IOU), and those mostly
// outside the box are dropped.
import type { Box } from '../../mask/rle.js';
import { boxIntersectionArea } from '../../mask/boxes.js';
import { embedTarget, finishJob } from './everything.js';
import { createJob, decodeRound } from './everything-job.js';
import { maskInputFromMask } from '../masks/mask-input.js';
import { gridPointsInBox } from './point-grid.js';
import { PRESETS } from '../presets.js';
import { cleanupProposal } from '../masks/mask-postprocess.js';
import { maskNms } from './nms.js';
import type { DetailRequest, EverythingOptions, EverythingResult, LoadedImage, Prompt, Proposal, CallControl } from '../contract.js';
import type { SamPredictor } from '../sam/predictor-interface.js';
import { differencePrompt, occluderDifferences, regionPool } from './detail-prompts.js';

/**
 * On the COCO crowd of 000000439180 (24 riders and horses; bench/twin-oracle.run.ts): 8 per side with 32
 * differences reaches what a 16×16 grid alone does at under half the prompts. A difference decodes with a
 * mask_input, which on the CPU costs about three plain prompts (no image side shared in the batch); all
 * differences (~90 there) added a hundredth of mean IoU for twice the time.
 */
export const DETAIL_POINTS_PER_SIDE = 8;
export const DETAIL_MAX_DIFFERENCES = 32;
/** Masks and differences below this share of the image are too small to ask about. */
const DETAIL_MIN_FRACTION = 0.0006;
/** A proposal is the region's when this share of it lies inside the box (by its own box). */
const INSIDE_FRACTION = 0.7;
/**
 * Proposals overlapping a better one by this mask IoU are the same object. Masks, not boxes: in a crowd the
 * boxes of a rider and of her horse overlap far more than the masks do (box NMS at 0.7 lost a fifth of the
 * crowd's matches at 0.5). At 0.5 rather than everything mode's 0.7 the host gets a third fewer objects to
 * read in the crowd for the same matches at 0.5 (bench/twin-oracle.run.ts, docs/twin-oracle.md).
 */
const SAME_MASK_IOU = 0.6;

/** Everything mode's settings for a region: balanced's filters and selection, no gaps, parts or stuff. */
export function detailOptions(req: Pick<DetailRequest, 'pointsPerSide' | 'maxDifferences'> = {}): EverythingOptions {
  const side = req.pointsPerSide ?? DETAIL_POINTS_PER_SIDE;
  return {
    ...PRESETS.balanced,
    pointsPerSide: side,
    maxPrompts: side * side + (req.maxDifferences ?? DETAIL_MAX_DIFFERENCES),
    coverageTarget: 0,
    parts: false,
    remainders: false,
    stuff: false,
  };
}

/** The region's proposals (stage 'detail'), with the job's figures; the embedding is the image's cached one where kept. */
export async function runRegionDetail(
  predictor: SamPredictor,
  image: LoadedImage,
  req: DetailRequest,
  control: CallControl = {},
): Promise<EverythingResult> {
  const started = performance.now();
  const options = detailOptions(req);
  const whole: Box = [0, 0, image.width, image.height];
  const job = createJob(predictor, image, options, control, { boxes: [whole], layers: [0] }, 1 + options.maxPrompts);
  const { target, cached } = await embedTarget(job, image, 0);
  const grid: Prompt[] = gridPointsInBox(options.pointsPerSide, req.box).map(([x, y]) => ({ points: [{ x, y, label: 1 }] }));
  await decodeRound(job, target, grid, 'detail');
  const minArea = DETAIL_MIN_FRACTION * image.width * image.height;
  const found = job.candidates.map((c) => c.proposal.rle);
  const differences = occluderDifferences(regionPool([...req.known, ...found], req.box, minArea), minArea)
    .slice(0, req.maxDifferences ?? DETAIL_MAX_DIFFERENCES)
    .flatMap((d) => {
      const prompt = differencePrompt(d);
      return prompt ? [{ prompt, maskInput: maskInputFromMask(d.rle) }] : [];
    });
  await decodeRound(
    job,
    target,
    differences.map((d) => d.prompt),
    'detail',
    differences.map((d) => d.maskInput),
  );
  return finishJob(job, target, cached, started, (r) =>
    selectInRegion(
      r.candidates.map((c) => c.proposal),
      req.box,
      r.options.minMaskRegionArea,
    ),
  );
}

/** Cleaned of small holes and islands, mask NMS by predicted IoU × stability, those mostly inside the box. */
export function selectInRegion(candidates: readonly Proposal[], box: Box, minRegionArea: number): Proposal[] {
  const cleaned = candidates
    .map((p) => cleanupProposal(p, minRegionArea).proposal)
    .filter((p) => {
      const boxArea = (p.bbox[2] - p.bbox[0]) * (p.bbox[3] - p.bbox[1]);
      return p.area > 0 && boxIntersectionArea(p.bbox, box) >= INSIDE_FRACTION * boxArea;
    });
  return maskNms(
    cleaned,
    cleaned.map((p) => p.predictedIou * p.stability),
    SAME_MASK_IOU,
  ).map((i) => cleaned[i]!);
}

// One everything-mode job's state, and the one place it decodes: a round of prompts against one image (or
// crop tile), four tokens per prompt in batched runs where the predictor has them, else one mask per
// decoder call. Accepted proposals become candidates; whole-image ones update the coverage map.
import { throwIfAborted } from '../../errors.js';
import { acceptIntoCoverage, createCoverage, type Coverage } from './coverage-state.js';
import { proposalFromSingleMask, proposalsFromTokens, type CandidateFilters } from '../masks/mask-candidates.js';
import { isBoxNearCropEdge, uncropProposal, type CropBoxes } from './point-grid.js';
import type { Candidate } from './proposal-selection.js';
import type { EverythingOptions, LoadedImage, Prompt, Proposal, CallControl } from '../contract.js';
import type { Embedding, SamPredictor, TokenDecoder, TokenPrompt } from '../sam/predictor-interface.js';
import { PROMPTS_PER_DECODE_SLICE } from '../sam/batch-policy.js';

/** An image (or crop tile) to decode prompts against. */
export interface DecodeTarget {
  embedding: Embedding;
  /** The four-token decoder for this embedding; absent on single-mask decoders. */
  decoder?: TokenDecoder;
  /** Index into the crop boxes; 0 = whole image. */
  crop: number;
}

export interface EverythingJob {
  readonly predictor: SamPredictor;
  readonly image: LoadedImage;
  readonly options: EverythingOptions;
  readonly control: CallControl;
  readonly crops: CropBoxes;
  readonly coverage: Coverage;
  readonly candidates: Candidate[];
  readonly stats: { prompts: number; decoderCalls: number; encoderMs: number; decoderMs: number; postprocessMs: number };
  readonly progress: { done: number; total: number };
}

export function createJob(
  predictor: SamPredictor,
  image: LoadedImage,
  options: EverythingOptions,
  control: CallControl,
  crops: CropBoxes,
  total: number,
): EverythingJob {
  return {
    predictor,
    image,
    options,
    control,
    crops,
    coverage: createCoverage(image.width, image.height),
    candidates: [],
    stats: { prompts: 0, decoderCalls: 0, encoderMs: 0, decoderMs: 0, postprocessMs: 0 },
    progress: { done: 0, total },
  };
}

export function reportProgress(job: EverythingJob, units: number, message?: string): void {
  job.progress.done += units;
  job.control.onProgress?.({ done: job.progress.done, total: Math.max(job.progress.total, job.progress.done), message });
}

export function promptsLeft(job: EverythingJob): number {
  return Math.max(0, job.options.maxPrompts - job.stats.prompts);
}

const filtersOf = (o: EverythingOptions): CandidateFilters => ({
  predIouThresh: o.predIouThresh,
  stabilityScoreThresh: o.stabilityScoreThresh,
  stabilityScoreOffset: o.stabilityScoreOffset,
  multimask: o.multimask,
});

/**
 * Decodes as many of `prompts` as the budget allows; returns how many it decoded. `maskInputs[i]`, where
 * given, is prompt i's mask_input (low-res logits) for the four-token decoder; a single-mask decoder takes
 * none and decodes the prompt alone.
 */
export async function decodeRound(
  job: EverythingJob,
  target: DecodeTarget,
  prompts: Prompt[],
  stage: Proposal['stage'],
  maskInputs?: readonly (Float32Array | undefined)[],
): Promise<number> {
  const batch = prompts.slice(0, promptsLeft(job));
  if (batch.length === 0) return 0;
  throwIfAborted(job.control.signal);
  if (target.decoder)
    await decodeFourTokens(
      job,
      target,
      target.decoder,
      batch.map((prompt, i) => withMaskInput(prompt, maskInputs?.[i])),
      stage,
    );
  else await decodeSingleMasks(job, target, batch, stage);
  return batch.length;
}

const withMaskInput = (prompt: Prompt, maskInput: Float32Array | undefined): TokenPrompt =>
  maskInput ? { prompt, maskInput } : { prompt };

async function decodeFourTokens(
  job: EverythingJob,
  target: DecodeTarget,
  decoder: TokenDecoder,
  batch: TokenPrompt[],
  stage: Proposal['stage'],
): Promise<void> {
  const filters = filtersOf(job.options);
  for (let start = 0; start < batch.length; start += PROMPTS_PER_DECODE_SLICE) {
    const slice = batch.slice(start, start + PROMPTS_PER_DECODE_SLICE);
    const t0 = performance.now();
    const { masks, runs } = await decoder.decode(slice, {
      signal: job.control.signal,
      onRun: (n) => reportProgress(job, n, stage),
      imageOnly: true,
    });
    const t1 = performance.now();
    masks.forEach((m, i) => {
      const { prompt, maskInput } = slice[i]!;
      for (const p of proposalsFromTokens(m, prompt, stage, decoder.upsampler, filters))
        accept(job, maskInput ? { ...p, fromMaskInput: true } : p, target.crop);
    });
    job.stats.prompts += slice.length;
    job.stats.decoderCalls += runs;
    job.stats.decoderMs += t1 - t0;
    job.stats.postprocessMs += performance.now() - t1;
  }
}

async function decodeSingleMasks(job: EverythingJob, target: DecodeTarget, batch: Prompt[], stage: Proposal['stage']): Promise<void> {
  const filters = filtersOf(job.options);
  for (const prompt of batch) {
    throwIfAborted(job.control.signal);
    const t0 = performance.now();
    const decoded = await job.predictor.decode(target.embedding, prompt);
    const t1 = performance.now();
    const p = proposalFromSingleMask(decoded, prompt, stage, filters);
    if (p) accept(job, p, target.crop);
    job.stats.prompts++;
    job.stats.decoderCalls++;
    job.stats.decoderMs += t1 - t0;
    job.stats.postprocessMs += performance.now() - t1;
    reportProgress(job, 1, stage);
  }
}

/** A proposal that passed the filters: placed in the full image, checked against crop edges, kept. */
function accept(job: EverythingJob, proposal: Proposal, crop: number): void {
  const { width, height } = job.image;
  if (crop === 0) {
    job.candidates.push({ proposal, crop });
    acceptIntoCoverage(job.coverage, proposal);
    return;
  }
  const box = job.crops.boxes[crop]!;
  const p = uncropProposal(proposal, box, width, height);
  if (!isBoxNearCropEdge(p.bbox, box, width, height)) job.candidates.push({ proposal: p, crop });
}

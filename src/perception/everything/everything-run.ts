// One everything-mode run's state, and the one place it decodes: a round of prompts against one image (or
// crop tile), four tokens per prompt in batched runs where the predictor has them, else one mask per
// decoder call. Accepted proposals become candidates; whole-image ones update the coverage map.
import { throwIfAborted } from '../../errors.js';
import { acceptIntoCoverage, createCoverage, type Coverage } from './coverage-state.js';
import { proposalFromSingleMask, proposalsFromTokens, type CandidateFilters } from '../masks/mask-candidates.js';
import { isBoxNearCropEdge, uncropProposal, type CropBoxes } from './point-grid.js';
import type { Candidate } from './proposal-selection.js';
import type { EverythingOptions, LoadedImage, Prompt, Proposal, RunControl } from '../contract.js';
import type { Embedding, SamPredictor, TokenDecoder, TokenPrompt } from '../sam/predictor-interface.js';

/** An image (or crop tile) to decode prompts against. */
export interface DecodeTarget {
  embedding: Embedding;
  /** The four-token decoder for this embedding; absent on single-mask decoders. */
  tokens?: TokenDecoder;
  /** Index into the crop boxes; 0 = whole image. */
  crop: number;
}

export interface EverythingRun {
  readonly predictor: SamPredictor;
  readonly image: LoadedImage;
  readonly options: EverythingOptions;
  readonly control: RunControl;
  readonly crops: CropBoxes;
  readonly coverage: Coverage;
  readonly candidates: Candidate[];
  readonly stats: { prompts: number; decoderCalls: number; encoderMs: number; decoderMs: number; postprocessMs: number };
  readonly progress: { done: number; total: number };
}

export function createRun(predictor: SamPredictor, image: LoadedImage, options: EverythingOptions, control: RunControl, crops: CropBoxes, total: number): EverythingRun {
  return {
    predictor, image, options, control, crops,
    coverage: createCoverage(image.width, image.height),
    candidates: [],
    stats: { prompts: 0, decoderCalls: 0, encoderMs: 0, decoderMs: 0, postprocessMs: 0 },
    progress: { done: 0, total },
  };
}

export function reportProgress(run: EverythingRun, units: number, message?: string): void {
  run.progress.done += units;
  run.control.onProgress?.({ done: run.progress.done, total: Math.max(run.progress.total, run.progress.done), message });
}

export function promptsLeft(run: EverythingRun): number {
  return Math.max(0, run.options.maxPrompts - run.stats.prompts);
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
  run: EverythingRun,
  target: DecodeTarget,
  prompts: Prompt[],
  stage: Proposal['stage'],
  maskInputs?: readonly (Float32Array | undefined)[],
): Promise<number> {
  const batch = prompts.slice(0, promptsLeft(run));
  if (batch.length === 0) return 0;
  throwIfAborted(run.control.signal);
  if (target.tokens) await decodeFourTokens(run, target, target.tokens, batch.map((prompt, i) => withMaskInput(prompt, maskInputs?.[i])), stage);
  else await decodeSingleMasks(run, target, batch, stage);
  return batch.length;
}

const withMaskInput = (prompt: Prompt, maskInput: Float32Array | undefined): TokenPrompt => (maskInput ? { prompt, maskInput } : { prompt });

/** Prompts decoded before their logits are post-processed and dropped: 4 × 256² floats (1 MB) each. */
const SLICE_PROMPTS = 64;

async function decodeFourTokens(run: EverythingRun, target: DecodeTarget, tokens: TokenDecoder, batch: TokenPrompt[], stage: Proposal['stage']): Promise<void> {
  const filters = filtersOf(run.options);
  for (let start = 0; start < batch.length; start += SLICE_PROMPTS) {
    const slice = batch.slice(start, start + SLICE_PROMPTS);
    const t0 = performance.now();
    const { masks, runs } = await tokens.decode(slice, {
      signal: run.control.signal,
      onRun: (n) => reportProgress(run, n, stage),
      imageOnly: true,
    });
    const t1 = performance.now();
    masks.forEach((m, i) => {
      const { prompt, maskInput } = slice[i]!;
      for (const p of proposalsFromTokens(m, prompt, stage, tokens.upsampler, filters)) accept(run, maskInput ? { ...p, fromMaskInput: true } : p, target.crop);
    });
    run.stats.prompts += slice.length;
    run.stats.decoderCalls += runs;
    run.stats.decoderMs += t1 - t0;
    run.stats.postprocessMs += performance.now() - t1;
  }
}

async function decodeSingleMasks(run: EverythingRun, target: DecodeTarget, batch: Prompt[], stage: Proposal['stage']): Promise<void> {
  const filters = filtersOf(run.options);
  for (const prompt of batch) {
    throwIfAborted(run.control.signal);
    const t0 = performance.now();
    const decoded = await run.predictor.decode(target.embedding, prompt);
    const t1 = performance.now();
    const p = proposalFromSingleMask(decoded, prompt, stage, filters);
    if (p) accept(run, p, target.crop);
    run.stats.prompts++;
    run.stats.decoderCalls++;
    run.stats.decoderMs += t1 - t0;
    run.stats.postprocessMs += performance.now() - t1;
    reportProgress(run, 1, stage);
  }
}

/** A proposal that passed the filters: placed in the full image, checked against crop edges, kept. */
function accept(run: EverythingRun, proposal: Proposal, crop: number): void {
  const { width, height } = run.image;
  if (crop === 0) {
    run.candidates.push({ proposal, crop });
    acceptIntoCoverage(run.coverage, proposal);
    return;
  }
  const box = run.crops.boxes[crop]!;
  const p = uncropProposal(proposal, box, width, height);
  if (!isBoxNearCropEdge(p.bbox, box, width, height)) run.candidates.push({ proposal: p, crop });
}

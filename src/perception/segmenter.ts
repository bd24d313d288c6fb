// The Segmenter the twin layer uses: a SamPredictor plus everything mode and prompted segmentation.
import { throwIfAborted } from '../errors.js';
import { runEverything } from './everything.js';
import { proposalFromDecoded } from './mask-postprocess.js';
import { createSamPredictor, type OrtSamPredictor, type SamPredictorOptions } from './sam-predictor.js';
import type { LoadedImage, Prompt, Proposal, RunControl, SamPredictor, Segmenter } from './types.js';

export interface PromptedOptions {
  /** SAM's stability offset for the user mask's stability score (default 1.0, as SAM). */
  stabilityScoreOffset: number;
  /** Hole/island cleanup for prompted masks (0 = off: the user asked for exactly this mask). */
  minMaskRegionArea: number;
}

export const DEFAULT_PROMPTED_OPTIONS: PromptedOptions = { stabilityScoreOffset: 1, minMaskRegionArea: 0 };

/** Composes any predictor (a real one, or a scripted one in tests) into a Segmenter. */
export function segmenterFromPredictor(
  predictor: SamPredictor,
  prompted: PromptedOptions = DEFAULT_PROMPTED_OPTIONS,
): Segmenter {
  return {
    modelName: predictor.modelName,
    provider: predictor.provider,
    everything: (image, options, control) => runEverything(predictor, image, options, control),
    async segment(image: LoadedImage, prompt: Prompt, control?: RunControl): Promise<Proposal> {
      const signal = control?.signal;
      control?.onProgress?.({ done: 0, total: 2, message: 'encoding image' });
      const { embedding } = await predictor.embed(image, signal);
      throwIfAborted(signal);
      control?.onProgress?.({ done: 1, total: 2, message: 'decoding prompt' });
      const decoded = await predictor.decode(embedding, prompt);
      control?.onProgress?.({ done: 2, total: 2 });
      return proposalFromDecoded(decoded, prompt, 'user', prompted);
    },
  };
}

export interface SegmenterOptions extends SamPredictorOptions {
  prompted?: PromptedOptions;
}

export interface LoadedSegmenter extends Segmenter {
  readonly predictor: OrtSamPredictor;
  release(): Promise<void>;
}

export async function createSegmenter(opts: SegmenterOptions): Promise<LoadedSegmenter> {
  const predictor = await createSamPredictor(opts);
  return {
    ...segmenterFromPredictor(predictor, opts.prompted),
    predictor,
    release: () => predictor.release(),
  };
}

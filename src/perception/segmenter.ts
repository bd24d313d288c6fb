// The Segmenter the twin layer uses: a SamPredictor plus everything mode and prompted segmentation, which
// returns the model's own mask plus the other granularities SAM offered for the same prompt.
import { throwIfAborted } from '../errors.js';
import { rleIou } from '../mask/rle.js';
import { runEverything } from './everything/everything.js';
import { runRegionDetail } from './everything/region-detail.js';
import type { LowResUpsampler } from './sam/lowres-masks.js';
import { cleanupProposal, proposalFromDecoded } from './masks/mask-postprocess.js';
import { exportedToken, GRANULARITY_TOKENS, tokenMask } from './sam/mask-tokens.js';
import { cleanRefinedMask, decodeFirst, decodeRefinement, REFINED_MIN_REGION_AREA, replayHistory } from './masks/refinement.js';
import { createSamPredictor, type LoadedSamPredictor, type SamPredictorOptions } from './predictor/sam-predictor.js';
import { maskInputFromMask } from './masks/mask-input.js';
import type { LoadedImage, MaskToken, Prompt, Proposal, RefineRequest, CallControl, SegmentResult, Segmenter } from './contract.js';
import type { SamPredictor, TokenMasks } from './sam/predictor-interface.js';

export interface PromptedOptions {
  /** SAM's stability offset for the user mask's stability score (default 1.0, as SAM). */
  stabilityScoreOffset: number;
  /** Hole/island cleanup for prompted masks (0 = off: the user asked for exactly this mask). */
  minMaskRegionArea: number;
}

export const DEFAULT_PROMPTED_OPTIONS: PromptedOptions = { stabilityScoreOffset: 1, minMaskRegionArea: 0 };

/** Composes any predictor (a real one, or a scripted one in tests) into a Segmenter. */
export function segmenterFromPredictor(predictor: SamPredictor, prompted: PromptedOptions = DEFAULT_PROMPTED_OPTIONS): Segmenter {
  return {
    modelName: predictor.modelName,
    provider: predictor.provider,
    everything: (image, options, control) => runEverything(predictor, image, options, control),
    detail: (image, request, control) => runRegionDetail(predictor, image, request, control),
    async segment(image: LoadedImage, prompt: Prompt, control?: CallControl): Promise<SegmentResult> {
      const signal = control?.signal;
      control?.onProgress?.({ done: 0, total: 2, message: 'encoding image' });
      const { embedding } = await predictor.embed(image, signal);
      throwIfAborted(signal);
      control?.onProgress?.({ done: 1, total: 2, message: 'decoding prompt' });
      const decoder = await predictor.tokenDecoder?.(embedding);
      let result: SegmentResult;
      if (decoder) {
        const first = await decodeFirst(decoder, prompt, prompted.stabilityScoreOffset, undefined, signal);
        result = segmentFromTokens(first.masks, prompt, decoder.upsampler, prompted, { token: first.token, kept: first.kept });
      } else {
        result = { best: proposalFromDecoded(await predictor.decode(embedding, prompt), prompt, 'user', prompted), alternatives: [] };
      }
      control?.onProgress?.({ done: 2, total: 2 });
      return result;
    },
    async refine(image: LoadedImage, req: RefineRequest, control?: CallControl): Promise<SegmentResult> {
      const signal = control?.signal;
      const { embedding } = await predictor.embed(image, signal);
      throwIfAborted(signal);
      const decoder = await predictor.tokenDecoder?.(embedding);
      // A single-mask decoder takes no mask_input here: the accumulated clicks alone decide.
      if (!decoder)
        return { best: proposalFromDecoded(await predictor.decode(embedding, req.prompt), req.prompt, 'user', prompted), alternatives: [] };
      const offset = prompted.stabilityScoreOffset;
      const maskInput =
        req.history.length > 0
          ? await replayHistory(decoder, req.history, offset, signal)
          : req.mask
            ? maskInputFromMask(req.mask)
            : undefined;
      let result: SegmentResult;
      if (maskInput) {
        const { masks, token } = await decodeRefinement(decoder, req.prompt, maskInput, offset, signal);
        result = segmentFromTokens(masks, req.prompt, decoder.upsampler, prompted, { token: req.token ?? token, allAlternatives: true });
      } else {
        // A first segment again, decoded as it was, to take one of its alternatives.
        const first = await decodeFirst(decoder, req.prompt, offset, req.token, signal);
        result = segmentFromTokens(first.masks, req.prompt, decoder.upsampler, prompted, {
          token: first.token,
          kept: first.kept,
          allAlternatives: true,
        });
      }
      // Without a mask_input this decode repeats a first segment (to take one of its alternatives): as there, no
      // cleanup, so the mask taken is the one that reply showed.
      return maskInput ? { ...result, best: cleanRefinedMask(result.best, REFINED_MIN_REGION_AREA) } : result;
    },
  };
}

/** Alternatives this close to the result or to each other are the same mask. */
const SAME_MASK_IOU = 0.95;

/**
 * The exported model's own token (or `pick.token`) as the result, its mask taken from `pick.kept` where the
 * first decode settled (decodeFirst); the plain decode's other granularities as alternatives.
 * Multi-point prompts get token 0 and still offer the granularities: when clicks on a shapeless region leak,
 * a smaller granularity is often the way out, and a host should see that in its first reply.
 */
function segmentFromTokens(
  masks: TokenMasks,
  prompt: Prompt,
  up: LowResUpsampler,
  opts: PromptedOptions,
  pick: { token?: MaskToken; allAlternatives?: boolean; kept?: TokenMasks } = {},
): SegmentResult {
  const proposal = (token: MaskToken, from: TokenMasks = masks): Proposal => {
    const m = tokenMask(from, token, up, opts.stabilityScoreOffset);
    const p: Proposal = {
      rle: m.rle,
      area: m.area,
      bbox: m.bbox,
      predictedIou: from.iou[token]!,
      stability: m.stability,
      prompt,
      stage: 'user',
      token,
    };
    return opts.minMaskRegionArea > 0 ? cleanupProposal(p, opts.minMaskRegionArea).proposal : p;
  };
  const chosen = pick.token ?? exportedToken(prompt, masks);
  // A refinement (allAlternatives) offers every other token, SAM's multi-click answer (0) included.
  const candidates: readonly MaskToken[] = pick.allAlternatives ? ([0, 1, 2, 3] as const) : GRANULARITY_TOKENS;
  const others = candidates.filter((t) => t !== chosen);
  const best = proposal(chosen, pick.kept);
  const alternatives: Proposal[] = [];
  for (const t of others.sort((a, b) => masks.iou[b]! - masks.iou[a]!)) {
    const p = proposal(t);
    // Granularities often coincide (an object with no smaller part); a copy is no alternative.
    if (p.area > 0 && [best, ...alternatives].every((q) => rleIou(q.rle, p.rle) < SAME_MASK_IOU)) alternatives.push(p);
  }
  return { best, alternatives };
}

export interface SegmenterOptions extends SamPredictorOptions {
  prompted?: PromptedOptions;
}

export interface LoadedSegmenter extends Segmenter {
  readonly predictor: LoadedSamPredictor;
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

// The contract between perception and the layers above it. The twin layer sees images, proposals
// and the Segmenter interface; nothing above this file touches onnxruntime or sharp directly.
import type { Box, Rle } from '../mask/rle.js';

/** An image decoded once: 8-bit sRGB, orientation applied, alpha flattened. */
export interface LoadedImage {
  /** SHA-256 (hex) of the decoded RGB pixels plus size: the image's identity in every cache. */
  readonly hash: string;
  readonly width: number;
  readonly height: number;
  /** width*height*3 bytes, row-major RGB. */
  readonly rgb: Uint8Array;
  /** Where it came from, for messages: a path, or "base64 (N bytes)". */
  readonly source: string;
  /** Container format as sharp reports it: jpeg, png, webp, tiff, gif. */
  readonly format: string;
}

export interface ImageLimits {
  /** Largest accepted encoded size in bytes. */
  maxBytes: number;
  /** Largest accepted width*height (sharp limitInputPixels). */
  maxPixels: number;
}

/** One mask proposal, in original image pixels. */
export interface Proposal {
  readonly rle: Rle;
  readonly area: number;
  readonly bbox: Box;
  /** The decoder's own quality estimate. */
  readonly predictedIou: number;
  /**
   * Which of SAM's mask tokens made it (see mask-tokens.ts: 0 single-mask, 1 sub-part, 2 part, 3 whole);
   * with `prompt`, one decoder call regenerates its low-res logits (e.g. as a mask_input to refine it).
   * Absent where a single-mask decoder chose the token itself.
   */
  readonly token?: MaskToken;
  /** IoU of the mask thresholded at +offset vs -offset (SAM's stability score). */
  readonly stability: number;
  /** The prompt that produced it: points in original pixels, label 1 = positive, 0 = negative. */
  readonly prompt: Prompt;
  readonly stage: ProposalStage;
  /**
   * Decoded with a mask_input that `prompt` does not record (region detail's differences): decoding the
   * prompt again would not give this mask, so refinement starts from the mask itself.
   */
  readonly fromMaskInput?: true;
}

/**
 * Which stage made a proposal: grid, coverage (gaps), parts (inside a larger mask), crop (a crop tile), user
 * (a `segment` call), detail (a region's second look, region-detail.ts), remainder (a merged mask less the
 * object in front of it, remainders.ts), stuff (pixels no mask explained, stuff-regions.ts); no prompt made
 * the last two.
 */
/**
 * Everything mode's proposals for the same image, model and options change when this does (remainders, sieve
 * regions dropped: 2; colour splits cut between far-apart things: 3). Twin ids include it, so a twin stored by an earlier release is built again rather than
 * served as this release's.
 */
export const PROPOSALS_REVISION = 3;

export const PROPOSAL_STAGES = ['grid', 'coverage', 'parts', 'crop', 'user', 'detail', 'remainder', 'stuff'] as const;
export type ProposalStage = (typeof PROPOSAL_STAGES)[number];

export interface PromptPoint {
  x: number;
  y: number;
  /** 1 = on the object, 0 = not on it. */
  label: 0 | 1;
}

export interface Prompt {
  points?: PromptPoint[];
  box?: Box;
}

export interface Progress {
  /** Units finished (prompts decoded, plus one per encoder pass). */
  done: number;
  /** Best current estimate of all units; may grow as coverage prompting adds work. */
  total: number;
  message?: string;
}

export interface CallControl {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

import type { PresetName } from '../config.js';

export type { PresetName };

/** Everything-mode settings; every field has a documented default per preset. */
export interface EverythingOptions {
  preset: PresetName;
  /** Points per side of the initial grid. */
  pointsPerSide: number;
  /** Upper bound on prompts decoded for the whole run (all stages); a batched decoder run decodes many. */
  maxPrompts: number;
  /** Prompts per round of adaptive prompting: each round is decoded as one batch, then coverage is measured again. */
  promptsPerRound: number;
  /** Keep SAM's three granularities (sub-part, part, whole) of each single-point prompt, not just the model's pick. */
  multimask: boolean;
  /** Stop adding coverage prompts once this fraction of the image is covered. */
  coverageTarget: number;
  /** Prompt inside large accepted masks to propose their parts. */
  parts: boolean;
  predIouThresh: number;
  stabilityScoreThresh: number;
  stabilityScoreOffset: number;
  /** Box IoU above which the lower-scoring proposal is dropped. */
  boxNmsThresh: number;
  /** Extra crop layers (0 = none); each layer splits the image into 2^layer tiles per side. */
  cropNLayers: number;
  cropOverlapRatio: number;
  /** Remove islands and fill holes smaller than this many pixels (0 = off). */
  minMaskRegionArea: number;
  /** Add what a merged mask holds besides the object in front of it (a rider apart from her horse). */
  remainders: boolean;
  /** Turn pixels no proposal explains (uncovered blobs, colour regions inside large masks) into proposals. */
  stuff: boolean;
}

export interface EverythingResult {
  proposals: Proposal[];
  stats: {
    /** Prompts decoded, and the decoder runs they took (batched where the model allows). */
    prompts: number;
    decoderCalls: number;
    /** Whether all four mask tokens were decoded per prompt, or one mask (single-mask decoders). */
    masksPerPrompt: 'four-token' | 'single-mask';
    encoderMs: number;
    decoderMs: number;
    postprocessMs: number;
    totalMs: number;
    /** Fraction of image pixels covered by at least one kept proposal. */
    coverage: number;
    embeddingCached: boolean;
  };
}

/** A region of an image to look at again (Segmenter.detail, everything/region-detail.ts). */
export interface DetailRequest {
  /** The region, [x1, y1, x2, y2] in image pixels (x2/y2 exclusive). */
  box: Box;
  /** Masks already known in the image (the twin's objects); those inside the box seed the differences. */
  known: readonly Rle[];
  /** Grid points per side inside the box (default: region-detail.ts's DETAIL_POINTS_PER_SIDE). */
  pointsPerSide?: number;
  /** Most differences asked (default: DETAIL_MAX_DIFFERENCES), largest first. */
  maxDifferences?: number;
}

/** What a loaded model can do; one per (model, providers) pair, sessions reused. */
export interface Segmenter {
  readonly modelName: string;
  /** Execution provider actually in use, e.g. "cpu" or "cuda". */
  readonly provider: string;
  everything(image: LoadedImage, options: EverythingOptions, control?: CallControl): Promise<EverythingResult>;
  /** Everything mode again inside a region, denser and with host-shaped prompts, on the cached embedding. */
  detail(image: LoadedImage, request: DetailRequest, control?: CallControl): Promise<EverythingResult>;
  /** Prompted segmentation on the cached embedding (computed if missing). */
  segment(image: LoadedImage, prompt: Prompt, control?: CallControl): Promise<SegmentResult>;
  /** SAM's interactive loop: a new prompt decoded with the previous prediction as mask_input. */
  refine(image: LoadedImage, req: RefineRequest, control?: CallControl): Promise<SegmentResult>;
}

/** One decode of a refinement history: its prompt, and the token whose logits fed the next step. */
export interface RefineStep {
  prompt: Prompt;
  token?: MaskToken;
}

export interface RefineRequest {
  /**
   * How the current mask was made, oldest first: replayed (each step with the previous step's logits as
   * mask_input) to regenerate its low-res logits exactly. Empty when unknown; then `mask` stands in.
   */
  history: RefineStep[];
  /** The current mask, turned into a mask_input when there is no history to replay. */
  mask?: Rle;
  /** The new prompt: the earlier clicks plus the new ones. */
  prompt: Prompt;
  /** Keep this granularity (1–3) instead of the model's choice, e.g. to pick an alternative. */
  token?: MaskToken;
}

/** A prompted mask, and the other granularities the decoder offered for the same prompt. */
export interface SegmentResult {
  /** The mask the model itself would return: for a lone point (or a lone box) its best granularity, else token 0. */
  best: Proposal;
  /**
   * The other granularities (tokens 1–3; a refinement also token 0), best predicted IoU first, leaving out
   * empty masks and near-copies (IoU ≥ 0.95); each carries its token and scores. Empty for single-mask
   * decoders.
   */
  alternatives: Proposal[];
}

/** SAM's four mask tokens: 0 single-mask output, 1 sub-part, 2 part, 3 whole (mask-tokens.ts). */
export type MaskToken = 0 | 1 | 2 | 3;

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
  /** IoU of the mask thresholded at +offset vs -offset (SAM's stability score). */
  readonly stability: number;
  /** The prompt that produced it: points in original pixels, label 1 = positive, 0 = negative. */
  readonly prompt: Prompt;
  /** Which prompting stage made it: grid, coverage (gaps), parts (inside a larger mask), crop, user. */
  readonly stage: 'grid' | 'coverage' | 'parts' | 'crop' | 'user';
}

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
  /** Units finished (decoder calls, including the encoder as one unit). */
  done: number;
  /** Best current estimate of all units; may grow as coverage prompting adds work. */
  total: number;
  message?: string;
}

export interface RunControl {
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
  /** Upper bound on decoder calls for the whole run (all stages). */
  maxDecoderCalls: number;
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
}

export interface EverythingResult {
  proposals: Proposal[];
  stats: {
    decoderCalls: number;
    encoderMs: number;
    decoderMs: number;
    postprocessMs: number;
    totalMs: number;
    /** Fraction of image pixels covered by at least one kept proposal. */
    coverage: number;
    embeddingCached: boolean;
  };
}

/** What a loaded model can do; one per (model, providers) pair, sessions reused. */
export interface Segmenter {
  readonly modelName: string;
  /** Execution provider actually in use, e.g. "cpu" or "cuda". */
  readonly provider: string;
  everything(image: LoadedImage, options: EverythingOptions, control?: RunControl): Promise<EverythingResult>;
  /** Prompted segmentation on the cached embedding (computed if missing). */
  segment(image: LoadedImage, prompt: Prompt, control?: RunControl): Promise<Proposal>;
}

/** An image embedding from the encoder plus what is needed to map coordinates back. */
export interface Embedding {
  /** Encoder output, e.g. [1, 256, 64, 64] float32. */
  readonly data: Float32Array;
  readonly dims: readonly number[];
  /** Original image size. */
  readonly width: number;
  readonly height: number;
  /** Scale applied to the original to fit the encoder's longest side (e.g. 1024 / max(w, h)). */
  readonly scale: number;
}

/** Raw decoder output for one prompt, at the original image size. */
export interface DecodedMask {
  /** width*height logits, row-major; foreground where > 0 (SAM's mask_threshold). */
  readonly logits: Float32Array;
  readonly width: number;
  readonly height: number;
  /** The decoder's predicted IoU for this mask. */
  readonly predictedIou: number;
  /** 256x256 low-resolution logits, usable as a mask_input for refinement. */
  readonly lowRes?: Float32Array;
}

/**
 * The model-facing half of perception: one encoder pass per image, one decoder call per prompt.
 * Everything mode and prompted segmentation are written against this, so tests can drive them
 * with a tiny or scripted predictor.
 */
export interface SamPredictor {
  readonly modelName: string;
  readonly provider: string;
  /** Encoder pass, cached per (image hash, model); `cached` says whether it was a cache hit. */
  embed(image: LoadedImage, signal?: AbortSignal): Promise<{ embedding: Embedding; cached: boolean; ms: number }>;
  /** One decoder call. Points and box are in original image pixels. */
  decode(embedding: Embedding, prompt: Prompt): Promise<DecodedMask>;
}

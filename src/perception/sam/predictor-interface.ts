// The model-facing half of perception, as everything mode, refinement and the segmenter see SAM: image
// embeddings, decoded masks, the batched four-token decoder, and the SamPredictor that makes them
// (predictor/sam-predictor.ts implements it; tests drive the same code with tiny or scripted predictors).
import type { LoadedImage, Prompt } from '../contract.js';
import type { LowResUpsampler } from './lowres-masks.js';

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

/** One prompt of a batched four-token decode. */
export interface TokenPrompt {
  prompt: Prompt;
  /**
   * A previous low-res logit map of this image (size×size, e.g. `tokenLogits(masks, token)` of an earlier
   * decode) fed as SAM's mask_input: the decoder refines that mask with the prompt's points.
   */
  maskInput?: Float32Array;
}

/** What the decoder computed for one prompt: every token's low-res logits and predicted IoU. */
export interface TokenMasks {
  /**
   * [4, rows, cols] logits in the padded encoder frame at 1/4 scale (foreground > 0): the whole size×size
   * frame, or its top-left part where the decode was imageOnly.
   */
  readonly logits: Float32Array;
  /** [4] predicted IoU per token. */
  readonly iou: Float32Array;
  /** Side of the decoder's low-res frame (256 for SAM), and of a mask_input. */
  readonly size: number;
  /** Rows and columns of each token's map when less than the frame (an imageOnly decode). */
  readonly rows?: number;
  readonly cols?: number;
}

export interface TokenDecodeOptions {
  /** Checked before each decoder run. */
  signal?: AbortSignal;
  /** Called after each decoder run with the number of prompts it decoded. */
  onRun?: (prompts: number) => void;
  /**
   * Logits are wanted only where the image lies (for masks, never as a mask_input): a decoder that can skips
   * the encoder frame's padding and returns the top-left rows × cols of the frame (TokenMasks.rows, .cols).
   */
  imageOnly?: boolean;
}

/** The four-token decoder bound to one image embedding. */
export interface TokenDecoder {
  /** Maps this image's low-res logits to original pixels (lowres-masks.ts). */
  readonly upsampler: LowResUpsampler;
  /** Results in prompt order; `runs` is how many decoder runs the batch took. */
  decode(prompts: readonly TokenPrompt[], opts?: TokenDecodeOptions): Promise<{ masks: TokenMasks[]; runs: number }>;
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
  /**
   * Batched decoding of all four mask tokens, where the model allows it: undefined where the decoder's
   * structure was not found or its derived variant was refused on verification (which runs on the first
   * embedding asked for while still pending). Callers then use `decode`.
   */
  tokenDecoder?(embedding: Embedding): Promise<TokenDecoder | undefined>;
}

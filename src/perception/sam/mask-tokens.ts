// SAM's four mask tokens and the rule its ONNX export uses to keep one (SamOnnxModel.select_masks).
import { maskFromLowRes, type LowResMask, type LowResUpsampler } from './lowres-masks.js';
import type { MaskToken, Prompt } from '../contract.js';
import type { TokenMasks } from './predictor-interface.js';

/** SAM's decoder has four mask tokens: 0 is its single-mask output; 1–3 its multimask granularities, small to large. */
export const MASK_TOKENS = 4;
export const SINGLE_MASK_TOKEN = 0;
export const GRANULARITY_TOKENS: readonly MaskToken[] = [1, 2, 3];
export const TOKEN_NAMES: Record<MaskToken, string> = { 0: 'single', 1: 'subpart', 2: 'part', 3: 'whole' };

/** The low-res logits of one token (a view, not a copy), in rows of `m.cols ?? m.size` values. */
export function tokenLogits(m: TokenMasks, token: MaskToken): Float32Array {
  const plane = (m.rows ?? m.size) * (m.cols ?? m.size);
  return m.logits.subarray(token * plane, (token + 1) * plane);
}

/** One token's mask at the original size, with its stability score (lowres-masks.ts). */
export function tokenMask(m: TokenMasks, token: MaskToken, up: LowResUpsampler, stabilityOffset: number): LowResMask {
  return maskFromLowRes(tokenLogits(m, token), up, stabilityOffset, m.cols ?? m.size);
}

/** The granularity token (1–3) with the highest predicted IoU. */
export function bestGranularity(m: TokenMasks): MaskToken {
  let best: MaskToken = 1;
  for (const t of GRANULARITY_TOKENS) if (m.iou[t]! > m.iou[best]!) best = t;
  return best;
}

/**
 * The token a single-mask export returns: it ranks IoU + (n − 2.5)·1000 for token 0, n being the points
 * the decoder sees (a points-only prompt gets one padding point, a box two corners). So one point or a
 * lone box gets the best granularity, and anything more gets token 0.
 */
export function exportedToken(prompt: Prompt, m: TokenMasks): MaskToken {
  const n = (prompt.points?.length ?? 0) + (prompt.box ? 2 : 1);
  return n >= 3 ? SINGLE_MASK_TOKEN : bestGranularity(m);
}

/**
 * A refinement keeps the whole-object token instead of SAM's multi-click answer (token 0) when that honours
 * the clicks too and overlaps it at least this much: a fuller mask of the same thing (0.7 gave the horse scenario 0.742, 0.6 and 0.5 0.780). On the COCO sample's
 * refinement scenarios token 0 often left a piece of the object out that the whole-object token, given the
 * same clicks and mask_input, kept; on drawn scenes the whole-object token sometimes takes in a neighbour,
 * which this overlap rules out (figures in docs/performance.md).
 */
export const WHOLE_OVER_SINGLE_IOU = 0.6;

/** Whether a mask honours every click: positives inside, negatives outside. */
export function honoursClicks(prompt: Prompt, inside: (x: number, y: number) => boolean): boolean {
  return (prompt.points ?? []).every((p) => inside(p.x, p.y) === (p.label === 1));
}

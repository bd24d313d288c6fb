// From what the decoder returned for one prompt to the proposals that pass SAM's filters (predicted IoU,
// then stability). With all four tokens: a lone point proposes its three granularities (SAM AMG's
// multimask_output), anything more its single-mask token 0. A single-mask decoder proposes its one mask.
import type { LowResUpsampler } from '../sam/lowres-masks.js';
import { proposalFromDecoded } from './mask-postprocess.js';
import { exportedToken, GRANULARITY_TOKENS, SINGLE_MASK_TOKEN, tokenMask } from '../sam/mask-tokens.js';
import type { MaskToken, Prompt, Proposal } from '../contract.js';
import type { DecodedMask, TokenMasks } from '../sam/predictor-interface.js';

export interface CandidateFilters {
  predIouThresh: number;
  stabilityScoreThresh: number;
  stabilityScoreOffset: number;
  /** All three granularities of a lone point, or only the token the exported model would pick. */
  multimask: boolean;
}

/** Which tokens a prompt proposes. */
export function proposedTokens(prompt: Prompt, masks: TokenMasks, multimask: boolean): MaskToken[] {
  const lonePoint = (prompt.points?.length ?? 0) === 1 && !prompt.box;
  if (!lonePoint) return [SINGLE_MASK_TOKEN];
  return multimask ? [...GRANULARITY_TOKENS] : [exportedToken(prompt, masks)];
}

/** The proposals of one prompt's four-token output; masks are computed only for tokens whose IoU passes. */
export function proposalsFromTokens(
  masks: TokenMasks,
  prompt: Prompt,
  stage: Proposal['stage'],
  upsampler: LowResUpsampler,
  f: CandidateFilters,
): Proposal[] {
  const out: Proposal[] = [];
  for (const token of proposedTokens(prompt, masks, f.multimask)) {
    const predictedIou = masks.iou[token]!;
    if (predictedIou < f.predIouThresh) continue;
    const m = tokenMask(masks, token, upsampler, f.stabilityScoreOffset);
    if (m.area === 0 || m.stability < f.stabilityScoreThresh) continue;
    out.push({ rle: m.rle, area: m.area, bbox: m.bbox, predictedIou, stability: m.stability, prompt, stage, token });
  }
  return out;
}

/** The proposal of a single-mask decode, if it passes the filters. */
export function proposalFromSingleMask(
  decoded: DecodedMask,
  prompt: Prompt,
  stage: Proposal['stage'],
  f: CandidateFilters,
): Proposal | undefined {
  if (decoded.predictedIou < f.predIouThresh) return undefined;
  const p = proposalFromDecoded(decoded, prompt, stage, { stabilityScoreOffset: f.stabilityScoreOffset, minMaskRegionArea: 0 });
  return p.area > 0 && p.stability >= f.stabilityScoreThresh ? p : undefined;
}

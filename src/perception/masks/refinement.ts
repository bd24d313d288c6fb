// SAM's interactive loop as refinement runs it: decode the accumulated clicks with the previous logits as
// mask_input, keep a token (refinementToken), then decode once more with that answer as mask_input and no
// new clicks (a settle pass), and clean small holes and islands off the result where no click says otherwise.
// Replaying a history runs the same decodes, so the logits it regenerates are the ones the host saw.
import { rleArea, rleContains, rleIou, type Rle } from '../../mask/rle.js';
import type { LowResUpsampler } from '../sam/lowres-masks.js';
import { exportedToken, honoursClicks, SINGLE_MASK_TOKEN, tokenLogits, tokenMask, WHOLE_OVER_SINGLE_IOU } from '../sam/mask-tokens.js';
import { cleanupProposal } from './mask-postprocess.js';
import type { MaskToken, Prompt, Proposal, RefineStep } from '../contract.js';
import type { TokenDecoder, TokenMasks } from '../sam/predictor-interface.js';

/**
 * Decodes after the one with the new clicks, each fed the kept token's logits. SAM is trained with two such
 * iterations without new points after its sampled clicks, so its answer to its own mask is a better one.
 * Measured on the COCO refinement scenarios (docs/evaluation.md, "Refinement"): 1 pass lifted the path 0.680 →
 * 0.698 (with the cleanup 0.702); 2 or 3 passes no further.
 */
export const SETTLE_PASSES = 1;

/**
 * Holes and islands below this many pixels are cleaned off a refined mask, as SAM's automatic mask generator
 * does with its min_mask_region_area (100 in its examples); a click inside a removed island or a filled hole
 * keeps the mask as decoded.
 */
export const REFINED_MIN_REGION_AREA = 100;

/** Whether a mask honours every click: positives inside, negatives outside. */
export function maskHonoursClicks(rle: Rle, prompt: Prompt): boolean {
  return rleArea(rle) > 0 && honoursClicks(prompt, (x, y) => rleContains(rle, Math.floor(x), Math.floor(y)));
}

/**
 * SAM's own answer to several clicks (token 0), or the whole-object token when it honours every click too and
 * is a fuller version of the same mask (IoU ≥ WHOLE_OVER_SINGLE_IOU with it); where token 0 breaks a click, the
 * largest granularity that honours them all. Token 0 if none does.
 */
export function refinementToken(masks: TokenMasks, prompt: Prompt, up: LowResUpsampler, stabilityOffset: number): MaskToken {
  const seen = new Map<MaskToken, Rle>();
  const rleOf = (t: MaskToken): Rle => {
    if (!seen.has(t)) seen.set(t, tokenMask(masks, t, up, stabilityOffset).rle);
    return seen.get(t)!;
  };
  const single = rleOf(SINGLE_MASK_TOKEN);
  if (maskHonoursClicks(single, prompt)) {
    const whole = rleOf(3);
    return maskHonoursClicks(whole, prompt) && rleIou(whole, single) >= WHOLE_OVER_SINGLE_IOU ? 3 : SINGLE_MASK_TOKEN;
  }
  for (const t of [3, 2, 1] as const) if (maskHonoursClicks(rleOf(t), prompt)) return t;
  return SINGLE_MASK_TOKEN;
}

/**
 * A settle pass's answer is kept only while it stays this close (IoU) to the answer it was fed: a pass that
 * moves the mask further is SAM drifting, not settling (on a drawn sign with its pole the pass took in the
 * background, 0.991 → 0.636).
 */
export const SETTLE_KEEP_IOU = 0.9;

/** One refinement decode: the prompt with `maskInput`, then the settle passes; the last decode kept and its token. */
export async function decodeRefinement(
  decoder: TokenDecoder,
  prompt: Prompt,
  maskInput: Float32Array,
  stabilityOffset: number,
  signal?: AbortSignal,
): Promise<{ masks: TokenMasks; token: MaskToken }> {
  const decode = async (input: Float32Array) => {
    const m = (await decoder.decode([{ prompt, maskInput: input }], { signal })).masks[0]!;
    const token = refinementToken(m, prompt, decoder.upsampler, stabilityOffset);
    return { masks: m, token, rle: tokenMask(m, token, decoder.upsampler, stabilityOffset).rle };
  };
  let kept = await decode(maskInput);
  for (let pass = 0; pass < SETTLE_PASSES; pass++) {
    // A copy: the view would pin the whole [4, 256, 256] output.
    const next = await decode(Float32Array.from(tokenLogits(kept.masks, kept.token)));
    if (rleIou(next.rle, kept.rle) < SETTLE_KEEP_IOU) break;
    kept = next;
  }
  return { masks: kept.masks, token: kept.token };
}

/**
 * A first decode keeps its settled answer while the mask grows less than this: the one way the settle pass failed
 * on the hosts' prompts was a sky clicked along its edge growing into the trees around it.
 */
export const FIRST_SETTLE_MAX_GROWTH = 1.5;

/**
 * A prompt's first decode, as segment makes it and a replay regenerates it: the token a single-mask export keeps
 * (or `token`), and for SAM's answer to several clicks (token 0) one settle pass, kept under
 * FIRST_SETTLE_MAX_GROWTH. Without a mask_input SAM spreads a many-click answer over the clicks' surroundings;
 * fed that answer, it tightens to the object. Replayed on the 134 first segments blind hosts made in the host
 * studies (COCO photos; docs/evaluation.md, "First segments"): mean IoU with the object meant 0.586 → 0.621, all
 * clicks honoured 58% → 78%. Refinement's drift rule (SETTLE_KEEP_IOU) suits a mask the host already judged,
 * not a first answer, which moves most where it was worst (0.589 under that rule).
 * `masks` is the plain decode (its granularities are the reply's alternatives); `kept` holds the kept token.
 */
export async function decodeFirst(
  decoder: TokenDecoder,
  prompt: Prompt,
  stabilityOffset: number,
  token?: MaskToken,
  signal?: AbortSignal,
): Promise<{ masks: TokenMasks; kept: TokenMasks; token: MaskToken }> {
  const masks = (await decoder.decode([{ prompt }], { signal })).masks[0]!;
  const kept = token ?? exportedToken(prompt, masks);
  if (kept !== SINGLE_MASK_TOKEN) return { masks, kept: masks, token: kept };
  // A copy: the view would pin the whole [4, 256, 256] output.
  const settled = (await decoder.decode([{ prompt, maskInput: Float32Array.from(tokenLogits(masks, kept)) }], { signal })).masks[0]!;
  const area = (m: TokenMasks) => tokenMask(m, kept, decoder.upsampler, stabilityOffset).area;
  const grew = area(settled) >= FIRST_SETTLE_MAX_GROWTH * area(masks);
  return { masks, kept: grew ? masks : settled, token: kept };
}

/**
 * Regenerates the low-res logits of the last step of a history: its first step as segment decoded it
 * (decodeFirst), each later one as a refinement fed the previous step's kept token.
 */
export async function replayHistory(
  decoder: TokenDecoder,
  history: readonly RefineStep[],
  stabilityOffset: number,
  signal?: AbortSignal,
): Promise<Float32Array> {
  let maskInput: Float32Array | undefined;
  for (const step of history) {
    if (maskInput) {
      const m = (await decodeRefinement(decoder, step.prompt, maskInput, stabilityOffset, signal)).masks;
      maskInput = Float32Array.from(tokenLogits(m, step.token ?? exportedToken(step.prompt, m)));
    } else {
      const first = await decodeFirst(decoder, step.prompt, stabilityOffset, step.token, signal);
      maskInput = Float32Array.from(tokenLogits(first.kept, first.token));
    }
  }
  return maskInput!;
}

/**
 * The proposal with holes and islands under `minArea` pixels cleaned off (holes first, as SAM), unless that
 * moves a clicked pixel in or out of the mask: a click on a small island or in a small hole was meant.
 */
export function cleanRefinedMask(p: Proposal, minArea: number): Proposal {
  const { proposal, changed } = cleanupProposal(p, minArea);
  if (!changed) return p;
  const inside = (r: Rle, q: { x: number; y: number }) => rleContains(r, Math.floor(q.x), Math.floor(q.y));
  const moved = (p.prompt.points ?? []).some((q) => inside(p.rle, q) !== inside(proposal.rle, q));
  return moved ? p : proposal;
}

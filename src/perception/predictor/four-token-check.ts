// Checks a derived four-token decoder against the decoder it came from, on a picture drawn for the check
// (never the user's: the original decoder returns masks at the picture's full size, which for a 64 Mpx
// photo is gigabytes): for single-point prompts the exported model returns the best of tokens 1–3 by
// predicted IoU, so that token's mask, post-processed from low-res logits as everything mode does it,
// must match the original's full-size mask.
import { errorMessage } from '../../errors.js';
import { rleFromBitmap, rleIou } from '../../mask/rle.js';
import { planScene, renderScene } from '../../scenes/scene.js';
import { pixelHash } from '../image-input.js';
import { bestGranularity, tokenMask } from '../sam/mask-tokens.js';
import { gridPointsInBox } from '../everything/point-grid.js';
import type { Verdict } from './four-token-file.js';
import type { LoadedImage, Prompt } from '../contract.js';
import type { DecodedMask, Embedding, TokenDecoder } from '../sam/predictor-interface.js';

/** Size of the pictures the check runs on: small, and as wide as SAM's usual photos are. */
const CHECK_PICTURE = { width: 640, height: 480 };

/** The `attempt`-th picture drawn for the check (houses, cars, signs on a textured backdrop). */
export function checkPicture(attempt: number): LoadedImage {
  const scene = renderScene(planScene({ seed: 7_000 + attempt, ...CHECK_PICTURE }));
  return {
    hash: pixelHash(scene.width, scene.height, scene.rgb),
    width: scene.width,
    height: scene.height,
    rgb: scene.rgb,
    source: `a ${scene.width}x${scene.height} picture drawn for the check`,
    format: 'png',
  };
}

/** Masks must agree at least this well (issue #7). */
export const CHECK_MIN_IOU = 0.99;
/** Single-point prompts on a CHECK_GRID × CHECK_GRID grid. */
const CHECK_GRID = 3;
/** Fewer non-empty masks than this and the image says nothing: the check waits for another image. */
const CHECK_MIN_MASKS = 3;

export interface CheckInputs {
  embedding: Embedding;
  /** Names the image in the verdict (e.g. its source). */
  image: string;
  original: (prompt: Prompt) => Promise<DecodedMask>;
  fourToken: TokenDecoder;
}

export async function checkFourTokenDecoder(inputs: CheckInputs): Promise<Verdict> {
  const { embedding, fourToken } = inputs;
  const at = new Date().toISOString();
  const prompts: Prompt[] = gridPointsInBox(CHECK_GRID, [0, 0, embedding.width, embedding.height]).map(([x, y]) => ({
    points: [{ x, y, label: 1 }],
  }));
  let worst = { iou: 1, prompt: prompts[0]! };
  let compared = 0;
  try {
    const { masks } = await fourToken.decode(prompts.map((prompt) => ({ prompt })));
    for (const [i, prompt] of prompts.entries()) {
      const o = await inputs.original(prompt);
      const theirs = rleFromBitmap(
        Uint8Array.from(o.logits, (v) => (v > 0 ? 1 : 0)),
        o.width,
        o.height,
      );
      const m = masks[i]!;
      const ours = tokenMask(m, bestGranularity(m), fourToken.upsampler, 0);
      if (ours.area === 0 && theirs.counts.length === 1) continue; // both empty: no evidence either way
      compared++;
      const iou = rleIou(theirs, ours.rle);
      if (iou < worst.iou) worst = { iou, prompt };
    }
  } catch (e) {
    return { state: 'refused', reason: `the four-token decoder failed its check: ${errorMessage(e)}`, image: inputs.image, at };
  }
  if (compared < CHECK_MIN_MASKS) {
    return {
      state: 'pending',
      reason: `only ${compared} of ${prompts.length} check prompts gave a mask on ${inputs.image}; checking again on the next image`,
    };
  }
  const minIou = Number(worst.iou.toFixed(4));
  if (worst.iou >= CHECK_MIN_IOU) return { state: 'verified', minIou, image: inputs.image, at };
  const p = worst.prompt.points![0]!;
  return {
    state: 'refused',
    reason: `at the point (${Math.round(p.x)}, ${Math.round(p.y)}) its best granularity matched the original decoder's mask at IoU ${minIou}, below ${CHECK_MIN_IOU}`,
    minIou,
    image: inputs.image,
    at,
  };
}

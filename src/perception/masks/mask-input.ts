// A mask_input for SAM's decoder made from a binary mask: the low-res logit map (256², in the padded
// encoder frame at 1/4 scale) of +MAGNITUDE inside the mask and −MAGNITUDE outside. Refinement feeds the
// previous prediction's own low-res logits where they can be regenerated (the prompts that made the mask
// are known); this is the stand-in where they cannot (a mask found on a crop tile, a twin from before
// prompts were kept).
import { rleToBitmap, type Rle } from '../../mask/rle.js';
import { LOW_RES_SIZE } from '../sam/lowres-masks.js';
import { resizedSize, SAM_TARGET_SIZE } from '../sam/sam-preprocess.js';

/** Logit given to cells inside / outside the mask: confidently decided, as the decoder's own maps are. */
export const MASK_INPUT_MAGNITUDE = 10;

export function maskInputFromMask(rle: Rle, frame = SAM_TARGET_SIZE, size = LOW_RES_SIZE): Float32Array {
  const { width, height } = rle;
  const r = resizedSize(width, height, frame);
  const bits = rleToBitmap(rle);
  const out = new Float32Array(size * size).fill(-MASK_INPUT_MAGNITUDE);
  const cell = frame / size;
  for (let v = 0; v < size; v++) {
    // The cell's centre in the frame, then in original pixels (the resized image sits top-left, padded).
    const fy = (v + 0.5) * cell;
    if (fy >= r.height) break;
    const y = Math.min(height - 1, Math.floor(fy / r.scaleY));
    for (let u = 0; u < size; u++) {
      const fx = (u + 0.5) * cell;
      if (fx >= r.width) break;
      const x = Math.min(width - 1, Math.floor(fx / r.scaleX));
      if (bits[y * width + x]) out[v * size + u] = MASK_INPUT_MAGNITUDE;
    }
  }
  return out;
}

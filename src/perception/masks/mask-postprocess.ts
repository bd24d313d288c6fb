// From decoder logits to a Proposal: threshold at 0, SAM's stability score, optional region cleanup,
// and the compact RLE every mask is kept as.
import { cleanupMask } from './region-cleanup.js';
import { cleanupRuns } from './run-cleanup.js';
import { stabilityOf, stabilityTally, tallyLogit } from '../sam/stability.js';
import { rleArea, rleBbox, rleFromBitmap, type Box, type Rle } from '../../mask/rle.js';
import type { Prompt, Proposal } from '../contract.js';
import type { DecodedMask } from '../sam/predictor-interface.js';

export interface PostprocessOptions {
  stabilityScoreOffset: number;
  /** Fill holes and drop islands smaller than this (pixels); 0 = off. */
  minMaskRegionArea: number;
}

export function proposalFromDecoded(decoded: DecodedMask, prompt: Prompt, stage: Proposal['stage'], opts: PostprocessOptions): Proposal {
  const { logits, width, height } = decoded;
  if (logits.length !== width * height) {
    throw new RangeError(`decoder logits hold ${logits.length} values for a ${width}x${height} mask`);
  }
  const tally = stabilityTally(opts.stabilityScoreOffset);
  const bits = new Uint8Array(logits.length);
  // Bounds of the foreground, so the RLE encoder reads only the mask's box (cleanup never grows it:
  // filled holes lie inside the mask, removed islands only shrink it).
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const v = logits[i]!;
      tallyLogit(tally, v);
      if (v > 0) {
        bits[i] = 1;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        maxY = y;
      }
    }
  }
  const stability = stabilityOf(tally);
  const bounds: Box = maxX < 0 ? [0, 0, 0, 0] : [minX, minY, maxX + 1, maxY + 1];
  if (opts.minMaskRegionArea > 0) cleanupMask(bits, width, height, opts.minMaskRegionArea, bounds);
  return withRle(rleFromBitmap(bits, width, height, bounds), decoded.predictedIou, stability, prompt, stage);
}

function withRle(rle: Rle, predictedIou: number, stability: number, prompt: Prompt, stage: Proposal['stage']): Proposal {
  return { rle, area: rleArea(rle), bbox: rleBbox(rle), predictedIou, stability, prompt, stage };
}

/**
 * Region cleanup on a finished proposal, on its runs (run-cleanup.ts: the same result as the pixel cleanup);
 * returns the same object when nothing changed.
 */
export function cleanupProposal(p: Proposal, minMaskRegionArea: number): { proposal: Proposal; changed: boolean } {
  if (minMaskRegionArea <= 0 || p.area === 0) return { proposal: p, changed: false };
  const rle = cleanupRuns(p.rle, minMaskRegionArea);
  if (!rle) return { proposal: p, changed: false };
  // Everything but the mask carries over: refinement needs the token to regenerate the logits.
  return { proposal: { ...p, rle, area: rleArea(rle), bbox: rleBbox(rle) }, changed: true };
}

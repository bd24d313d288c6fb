// Remainders on drawn masks: a rider with her horse proposed as one mask and the horse as another, as SAM gives
// them in a crowd; the rider alone is the first less the second, with nothing of the horse's edge left on it.
import { describe, expect, it } from 'vitest';
import { rleArea, rleBbox, rleFromBitmap, rleIou, type Rle } from '../../../src/mask/rle.js';
import type { LoadedImage, Proposal } from '../../../src/perception/contract.js';
import { remainderProposals } from '../../../src/perception/everything/remainders.js';

const W = 200;
const H = 160;
const image: LoadedImage = { hash: 'x', width: W, height: H, rgb: new Uint8Array(W * H * 3), source: 'drawn', format: 'png' };

function painted(...rects: [number, number, number, number][]): Rle {
  const bits = new Uint8Array(W * H);
  for (const [x1, y1, x2, y2] of rects) for (let y = y1; y < y2; y++) bits.fill(1, y * W + x1, y * W + x2);
  return rleFromBitmap(bits, W, H);
}

function proposal(rle: Rle, predictedIou = 0.9, stability = 0.9): Proposal {
  return {
    rle,
    area: rleArea(rle),
    bbox: rleBbox(rle),
    predictedIou,
    stability,
    prompt: { points: [{ x: 1, y: 1, label: 1 }] },
    stage: 'grid',
  };
}

// The horse: a body and a neck; the rider shows as a torso above its body.
const horse = painted([40, 80, 140, 120], [120, 50, 135, 80]);
const merged = painted([40, 80, 140, 120], [120, 50, 135, 80], [75, 20, 110, 80]);

describe('remainders', () => {
  it('adds the rider a mask of rider and horse holds besides the horse, scored as the weaker of the two', () => {
    const out = remainderProposals(image, [proposal(merged, 0.95, 0.9), proposal(horse, 0.8, 0.97)]);
    expect(out).toHaveLength(1);
    const [r] = out;
    // The torso; its leg lies over the horse's body, which the horse's mask holds.
    expect(rleIou(r!.rle, painted([75, 20, 110, 80]))).toBeGreaterThan(0.9);
    expect(r).toMatchObject({ stage: 'remainder', predictedIou: 0.8, stability: 0.9, fromMaskInput: true });
    expect(r!.area).toBe(rleArea(r!.rle));
    expect(r!.bbox).toEqual(rleBbox(r!.rle));
  });

  it('adds nothing for the rim a slightly smaller copy of a mask leaves, nor for a remainder a proposal already is', () => {
    const inner = painted([44, 84, 136, 116]); // a copy of the horse's body 4 px in: the rim is a sliver
    const body = painted([40, 80, 140, 120]);
    expect(remainderProposals(image, [proposal(body), proposal(inner)])).toEqual([]);
    const riderAlready = painted([75, 20, 110, 80]);
    expect(remainderProposals(image, [proposal(merged), proposal(horse), proposal(riderAlready)])).toEqual([]);
  });

  it('adds nothing where masks of other things already cover the remainder', () => {
    // The rider's torso is held by two masks of its own halves reaching beyond it (a sign's panel and pole,
    // say): the remainder names nothing new. A mask that holds the merged one (the crowd) does not count.
    const left = painted([60, 20, 92, 80]);
    const right = painted([92, 20, 125, 80]);
    const crowd = painted([30, 10, 150, 125]);
    expect(remainderProposals(image, [proposal(merged), proposal(horse), proposal(left), proposal(right)])).toEqual([]);
    expect(remainderProposals(image, [proposal(crowd), proposal(merged), proposal(horse)])).toHaveLength(1);
  });
});

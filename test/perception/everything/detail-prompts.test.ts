// The prompt shapes of region detail on masks drawn in code: a rider whose legs hang on both sides of her
// horse's neck, merged with the horse into one mask, comes back as the merge less the horse.
import { describe, expect, it } from 'vitest';
import {
  rleArea,
  rleBbox,
  rleContains,
  rleDifference,
  rleFromBitmap,
  rleIou,
  rleUnion,
  type Box,
  type Rle,
} from '../../../src/mask/rle.js';
import {
  deepestPoint,
  differencePrompt,
  occluderDifferences,
  regionPool,
  type RegionMask,
} from '../../../src/perception/everything/detail-prompts.js';

const W = 200;
const H = 120;

function rect([x1, y1, x2, y2]: Box): Rle {
  const bits = new Uint8Array(W * H);
  for (let y = y1; y < y2; y++) bits.fill(1, y * W + x1, y * W + x2);
  return rleFromBitmap(bits, W, H);
}

const measured = (rle: Rle): RegionMask => ({ rle, area: rleArea(rle), bbox: rleBbox(rle) });

// The horse's neck (in front) splits the rider into a body above it and a leg on each side.
const neck = rect([60, 40, 80, 100]);
const rider = [rect([55, 10, 85, 40]), rect([48, 40, 60, 80]), rect([80, 40, 92, 80])].reduce(rleUnion);
const merged = rleUnion(rider, neck);

describe('region pool', () => {
  it('keeps object-sized masks inside the region once, leaving out the region-sized and the outside', () => {
    const region: Box = [0, 0, 120, 120];
    const ground = rect([0, 0, 120, 120]);
    const outside = rect([150, 10, 190, 50]);
    const pool = regionPool(
      [merged, neck, rleDifference(merged, rect([55, 10, 56, 11])), ground, outside, rect([10, 10, 11, 11])],
      region,
      20,
    );
    expect(pool.map((m) => rleIou(m.rle, merged) > 0.99 || rleIou(m.rle, neck) > 0.99)).toEqual([true, true]);
  });
});

describe('occluder differences', () => {
  it('gives the merge less the occluder in front: the rider, all three pieces of her', () => {
    const diffs = occluderDifferences([measured(merged), measured(neck)], 20);
    expect(diffs).toHaveLength(1);
    expect(rleIou(diffs[0]!.rle, rider)).toBe(1);
    expect(diffs[0]!.occluder.rle).toBe(neck);
  });

  it('asks nothing of masks that only touch, or of an occluder that is nearly all of the merge', () => {
    const left = measured(rect([0, 0, 50, 50]));
    const right = measured(rect([50, 0, 100, 50]));
    expect(occluderDifferences([left, right], 20)).toEqual([]);
    const big = measured(rect([0, 0, 100, 100]));
    const nearlyAll = measured(rect([0, 0, 100, 95]));
    expect(occluderDifferences([big, nearlyAll], 20)).toEqual([]);
  });

  it('asks one difference once when two merges give the same one', () => {
    const again = rleUnion(merged, rect([60, 100, 80, 101])); // the merge once more, a row longer
    const diffs = occluderDifferences([measured(merged), measured(again), measured(neck)], 20);
    expect(diffs).toHaveLength(1);
  });
});

describe('the difference prompt', () => {
  it('boxes the difference, clicks inside it and puts a negative click on the occluder', () => {
    const [d] = occluderDifferences([measured(merged), measured(neck)], 20);
    const prompt = differencePrompt(d!)!;
    expect(prompt.box).toEqual(rleBbox(rider));
    const [pos, neg] = prompt.points!;
    expect(pos!.label).toBe(1);
    expect(rleContains(rider, Math.floor(pos!.x), Math.floor(pos!.y))).toBe(true);
    expect(neg!.label).toBe(0);
    expect(rleContains(neck, Math.floor(neg!.x), Math.floor(neg!.y))).toBe(true);
  });

  it('clicks a mask at its deepest point, the middle of a bar', () => {
    expect(deepestPoint(measured(rect([20, 50, 120, 60])))).toEqual({ x: 69.5, y: 54.5 });
  });
});

import { describe, expect, it } from 'vitest';
import { rleBbox } from '../../src/mask/rle.js';
import { traceContours } from '../../src/mask/contours.js';
import { centroidOf, cropMask } from '../../src/mask/crop.js';
import { convexHull } from '../../src/mask/hull.js';
import { coarsePosition, shapeMeasures } from '../../src/twin/geometry.js';
import { discBits, rectBits, toRle } from './scene-fixture.js';

function measure(bits: Uint8Array, w: number, h: number) {
  const rle = toRle(bits, w, h);
  const bbox = rleBbox(rle);
  const crop = cropMask(rle, bbox);
  const { outer, holes } = traceContours(crop.bits, crop.width, crop.height);
  const area = bits.reduce((s, v) => s + v, 0);
  return { crop, centroid: centroidOf(crop), shape: shapeMeasures(area, bbox, outer, holes) };
}

describe('shape measures', () => {
  it('puts the centroid of a rectangle at its centre', () => {
    expect(measure(rectBits(100, 50, [10, 10, 30, 20]), 100, 50).centroid).toEqual([20, 15]);
  });

  it('scores a disc as round and convex, a square as π/4 round', () => {
    const disc = measure(discBits(120, 120, 60, 60, 40), 120, 120).shape;
    expect(disc.circularity).toBeGreaterThan(0.9);
    expect(disc.solidity).toBeGreaterThan(0.97);
    expect(disc.aspectRatio).toBeCloseTo(1, 5);
    const square = measure(rectBits(100, 100, [10, 10, 60, 60]), 100, 100).shape;
    expect(square.circularity).toBeCloseTo(Math.PI / 4, 2);
    expect(square.solidity).toBe(1);
  });

  it('gives an L shape a solidity well below 1 and a wide bar its aspect ratio', () => {
    const l = rectBits(100, 100, [0, 0, 20, 100]);
    const foot = rectBits(100, 100, [0, 80, 100, 100]);
    for (let i = 0; i < l.length; i++) l[i] ||= foot[i]!;
    const shape = measure(l, 100, 100).shape;
    // L area 3600 over its hull (a triangle-cut square of 100·100 − 80·80/2 = 6800).
    expect(shape.solidity).toBeCloseTo(3600 / 6800, 3);
    expect(measure(rectBits(100, 100, [0, 0, 80, 20]), 100, 100).shape.aspectRatio).toBe(4);
  });

  it('computes the convex hull of a point set', () => {
    const hull = convexHull([
      [0, 0],
      [4, 0],
      [2, 1],
      [4, 4],
      [0, 4],
      [2, 2],
    ]);
    expect(hull).toHaveLength(4);
    expect(hull).toEqual(
      expect.arrayContaining([
        [0, 0],
        [4, 0],
        [4, 4],
        [0, 4],
      ]),
    );
  });
});

describe('coarsePosition', () => {
  it('names the nine thirds of the image', () => {
    expect(coarsePosition(10, 10, 300, 300)).toBe('top-left');
    expect(coarsePosition(150, 10, 300, 300)).toBe('top');
    expect(coarsePosition(150, 150, 300, 300)).toBe('center');
    expect(coarsePosition(299, 299, 300, 300)).toBe('bottom-right');
    expect(coarsePosition(300, 150, 300, 300)).toBe('right');
  });
});

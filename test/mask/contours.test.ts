import { randomBits } from '../helpers/random-bits.js';
import { describe, expect, it } from 'vitest';
import { ringPerimeter, signedArea, simplifyRing, traceContours } from '../../src/mask/contours.js';
import { discBits, rectBits } from '../twin/scene-fixture.js';

describe('traceContours', () => {
  it('traces a rectangle as its four pixel corners, clockwise on screen', () => {
    const { outer, holes } = traceContours(rectBits(20, 12, [2, 3, 12, 8]), 20, 12);
    expect(holes).toEqual([]);
    expect(outer).toHaveLength(1);
    expect(outer[0]).toEqual([
      [2, 3],
      [12, 3],
      [12, 8],
      [2, 8],
    ]);
    expect(signedArea(outer[0]!)).toBe(50);
  });

  it('gives one outer ring and one hole for a ring shape', () => {
    const bits = rectBits(30, 30, [5, 5, 25, 25]);
    const hole = rectBits(30, 30, [10, 10, 20, 20]);
    for (let i = 0; i < bits.length; i++) if (hole[i]) bits[i] = 0;
    const { outer, holes } = traceContours(bits, 30, 30);
    expect(outer).toHaveLength(1);
    expect(holes).toHaveLength(1);
    expect(signedArea(outer[0]!)).toBe(400);
    expect(signedArea(holes[0]!)).toBe(-100);
  });

  it('handles shapes touching the image border', () => {
    const { outer } = traceContours(new Uint8Array(6).fill(1), 3, 2);
    expect(outer).toEqual([
      [
        [0, 0],
        [3, 0],
        [3, 2],
        [0, 2],
      ],
    ]);
  });

  it('joins pixels that touch only diagonally into one boundary (8-connected)', () => {
    // 1 0
    // 0 1
    const { outer, holes } = traceContours(Uint8Array.from([1, 0, 0, 1]), 2, 2);
    expect(outer).toHaveLength(1);
    expect(holes).toHaveLength(0);
    expect(signedArea(outer[0]!)).toBe(2);
  });

  it('finds separate blobs as separate outer rings', () => {
    const bits = rectBits(20, 10, [1, 1, 5, 5]);
    const other = rectBits(20, 10, [10, 2, 15, 8]);
    for (let i = 0; i < bits.length; i++) bits[i] ||= other[i]!;
    const { outer } = traceContours(bits, 20, 10);
    expect(outer.map((r) => signedArea(r)).sort((a, b) => a - b)).toEqual([16, 30]);
  });

  it('treats a background pixel enclosed by diagonal neighbours as a hole', () => {
    // 0 1 0
    // 1 0 1
    // 0 1 0
    const { outer, holes } = traceContours(Uint8Array.from([0, 1, 0, 1, 0, 1, 0, 1, 0]), 3, 3);
    expect(outer).toHaveLength(1);
    expect(holes).toHaveLength(1);
    expect(signedArea(outer[0]!) + signedArea(holes[0]!)).toBe(4);
  });

  it('outer minus hole areas equal the pixel count on random bitmaps', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const w = 17 + seed;
      const h = 13 + (seed % 5);
      const bits = randomBits(w, h, seed, 0.3 + (seed % 4) * 0.15);
      const { outer, holes } = traceContours(bits, w, h);
      const traced = outer.reduce((s, r) => s + signedArea(r), 0) + holes.reduce((s, r) => s + signedArea(r), 0);
      expect(outer.every((r) => signedArea(r) > 0)).toBe(true);
      expect(holes.every((r) => signedArea(r) < 0)).toBe(true);
      expect(traced).toBe(bits.reduce((s, v) => s + v, 0));
    }
  });

  it('returns nothing for an empty bitmap', () => {
    expect(traceContours(new Uint8Array(50), 10, 5)).toEqual({ outer: [], holes: [] });
  });
});

describe('simplifyRing', () => {
  const disc = traceContours(discBits(200, 200, 100, 100, 80), 200, 200).outer[0]!;

  it('never returns more than maxPoints vertices', () => {
    expect(disc.length).toBeGreaterThan(100);
    for (const maxPoints of [3, 8, 16, 64]) {
      expect(simplifyRing(disc, { maxPoints }).length).toBeLessThanOrEqual(maxPoints);
    }
  });

  it('keeps a simplified disc close to the true area and perimeter', () => {
    const s = simplifyRing(disc, { tolerance: 1, maxPoints: 64 });
    expect(Math.abs(signedArea(s)) / (Math.PI * 80 * 80)).toBeGreaterThan(0.97);
    expect(ringPerimeter(s) / (2 * Math.PI * 80)).toBeCloseTo(1, 1);
  });

  it('reduces a rectangle staircase-free ring to its corners', () => {
    const rect = traceContours(rectBits(20, 12, [2, 3, 12, 8]), 20, 12).outer[0]!;
    expect(simplifyRing(rect, { maxPoints: 10 })).toEqual(rect);
  });
});

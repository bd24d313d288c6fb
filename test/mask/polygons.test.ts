import { describe, expect, it } from 'vitest';
import { rleArea, rleFromBitmap } from '../../src/mask/rle.js';
import { signedArea } from '../../src/mask/contours.js';
import { maskToPolygons } from '../../src/mask/polygons.js';

function disc(w: number, h: number, cx: number, cy: number, r: number): Uint8Array {
  const bits = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) bits[y * w + x] = (x - cx) ** 2 + (y - cy) ** 2 < r * r ? 1 : 0;
  return bits;
}

describe('maskToPolygons', () => {
  const w = 60;
  const h = 40;

  it('traces a rectangle as its four pixel corners in image coordinates', () => {
    const bits = new Uint8Array(w * h);
    for (let y = 3; y < 8; y++) for (let x = 2; x < 12; x++) bits[y * w + x] = 1;
    const polys = maskToPolygons(rleFromBitmap(bits, w, h));
    expect(polys.holes).toEqual([]);
    expect(polys.outer).toHaveLength(1);
    const ring = polys.outer[0]!;
    expect(new Set(ring.map((p) => p.join(',')))).toEqual(new Set(['2,3', '12,3', '12,8', '2,8']));
  });

  it('returns a hole for a ring-shaped mask, and exact rings enclose exactly the mask area', () => {
    const bits = new Uint8Array(w * h);
    for (let y = 5; y < 35; y++) for (let x = 10; x < 50; x++) bits[y * w + x] = 1;
    for (let y = 15; y < 25; y++) for (let x = 20; x < 30; x++) bits[y * w + x] = 0;
    const d = disc(w, h, 40, 20, 6);
    for (let i = 0; i < bits.length; i++) if (d[i]) bits[i] = 0; // a round second hole
    const rle = rleFromBitmap(bits, w, h);
    const polys = maskToPolygons(rle);
    expect(polys.outer).toHaveLength(1);
    expect(polys.holes).toHaveLength(2);
    const enclosed =
      polys.outer.reduce((s, r) => s + Math.abs(signedArea(r)), 0) - polys.holes.reduce((s, r) => s + Math.abs(signedArea(r)), 0);
    expect(enclosed).toBe(rleArea(rle));
  });

  it('keeps the total vertex count within maxPoints, dropping the smallest rings first', () => {
    const bits = disc(w, h, 20, 20, 15);
    const speck = disc(w, h, 50, 5, 2);
    for (let i = 0; i < bits.length; i++) if (speck[i]) bits[i] = 1;
    const rle = rleFromBitmap(bits, w, h);
    const exact = maskToPolygons(rle);
    expect(exact.outer).toHaveLength(2);
    const bounded = maskToPolygons(rle, { maxPoints: 16 });
    const total = [...bounded.outer, ...bounded.holes].reduce((s, r) => s + r.length, 0);
    expect(total).toBeLessThanOrEqual(16);
    expect(bounded.outer).toHaveLength(2);
    const tiny = maskToPolygons(rle, { maxPoints: 5 });
    expect(tiny.outer).toHaveLength(1); // only the big disc survives
    expect(tiny.outer[0]!.length).toBeLessThanOrEqual(5);
    expect(Math.max(...tiny.outer[0]!.map((p) => p[0]))).toBeLessThan(40);
  });

  it('returns no rings for an empty mask', () => {
    expect(maskToPolygons(rleFromBitmap(new Uint8Array(w * h), w, h))).toEqual({ outer: [], holes: [] });
  });
});

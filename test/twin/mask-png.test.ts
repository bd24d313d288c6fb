import { randomBits } from '../helpers/random-bits.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rleArea, rleFromBitmap, rleToBitmap } from '../../src/perception/rle.js';
import { signedArea } from '../../src/twin/contours.js';
import { decodeMaskPng, encodeMaskPng, maskToPolygons } from '../../src/twin/mask-png.js';

function disc(w: number, h: number, cx: number, cy: number, r: number): Uint8Array {
  const bits = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) bits[y * w + x] = (x - cx) ** 2 + (y - cy) ** 2 < r * r ? 1 : 0;
  return bits;
}

describe('mask PNG', () => {
  it('round-trips a random mask exactly', async () => {
    const w = 53;
    const h = 31;
    const bits = randomBits(w, h, 3, 3 / 7);
    const png = await encodeMaskPng(rleFromBitmap(bits, w, h));
    const back = await decodeMaskPng(png);
    expect([back.width, back.height]).toEqual([w, h]);
    expect(Array.from(rleToBitmap(back))).toEqual(Array.from(bits));
  });

  it('writes a small 1-bit PNG with only black and white pixels', async () => {
    const w = 640;
    const h = 427;
    const png = await encodeMaskPng(rleFromBitmap(disc(w, h, 300, 200, 150), w, h));
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([w, h]);
    expect(meta.bitsPerSample).toBe(1);
    expect(png.length).toBeLessThan(4096);
    const { data } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(new Set(data)).toEqual(new Set([0, 255]));
  });

  it('round-trips empty and full masks', async () => {
    for (const v of [0, 1]) {
      const bits = new Uint8Array(12).fill(v);
      const back = await decodeMaskPng(await encodeMaskPng(rleFromBitmap(bits, 4, 3)));
      expect(Array.from(rleToBitmap(back))).toEqual(Array.from(bits));
    }
  });

  it('reads an 8-bit greyscale PNG by thresholding at 128', async () => {
    const grey = Buffer.from([0, 127, 128, 255]);
    const png = await sharp(grey, { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
    expect(Array.from(rleToBitmap(await decodeMaskPng(png)))).toEqual([0, 0, 1, 1]);
  });

  it('refuses bytes that are not an image with IMAGE_UNREADABLE', async () => {
    await expect(decodeMaskPng(Buffer.from('not a png'))).rejects.toMatchObject({ code: 'IMAGE_UNREADABLE' });
  });
});

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
      polys.outer.reduce((s, r) => s + Math.abs(signedArea(r)), 0) -
      polys.holes.reduce((s, r) => s + Math.abs(signedArea(r)), 0);
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

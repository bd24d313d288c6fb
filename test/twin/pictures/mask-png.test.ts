import { randomBits } from '../../helpers/random-bits.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rleFromBitmap, rleToBitmap } from '../../../src/mask/rle.js';
import { decodeMaskPng, encodeMaskPng } from '../../../src/twin/pictures/mask-png.js';

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
    const png = await sharp(grey, { raw: { width: 2, height: 2, channels: 1 } })
      .png()
      .toBuffer();
    expect(Array.from(rleToBitmap(await decodeMaskPng(png)))).toEqual([0, 0, 1, 1]);
  });

  it('refuses bytes that are not an image with IMAGE_UNREADABLE', async () => {
    await expect(decodeMaskPng(Buffer.from('not a png'))).rejects.toMatchObject({ code: 'IMAGE_UNREADABLE' });
  });
});

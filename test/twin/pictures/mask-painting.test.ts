import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rleFromBitmap, rleToBitmap, type Rle } from '../../../src/mask/rle.js';
import type { LoadedImage } from '../../../src/perception/contract.js';
import { cutoutPng, markColor, overlayPng, rleToScaledBitmap } from '../../../src/twin/pictures/mask-painting.js';

const W = 40;
const H = 30;

function gradientImage(): LoadedImage {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      rgb[o] = x * 5;
      rgb[o + 1] = y * 7;
      rgb[o + 2] = 100;
    }
  }
  return { hash: 'test', width: W, height: H, rgb, source: 'synthetic', format: 'raw' };
}

function rect(x1: number, y1: number, x2: number, y2: number): Rle {
  const bits = new Uint8Array(W * H);
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) bits[y * W + x] = 1;
  return rleFromBitmap(bits, W, H);
}

async function raw(png: Buffer) {
  return sharp(png).raw().toBuffer({ resolveWithObject: true });
}

describe('rleToScaledBitmap', () => {
  it('equals the full decode at scale 1', () => {
    const bits = new Uint8Array(W * H);
    for (let i = 0; i < bits.length; i++) bits[i] = (i * 7919) % 5 < 2 ? 1 : 0;
    const rle = rleFromBitmap(bits, W, H);
    expect(Array.from(rleToScaledBitmap(rle, W, H))).toEqual(Array.from(rleToBitmap(rle)));
  });

  it('samples pixel centres when halving', () => {
    const half = rleToScaledBitmap(rect(10, 10, 20, 20), W / 2, H / 2);
    // Output pixel (x, y) samples source (2x + 1, 2y + 1): inside for x, y in 5..9 (src 11..19).
    for (let y = 0; y < H / 2; y++) {
      for (let x = 0; x < W / 2; x++) {
        expect(half[y * (W / 2) + x], `${x},${y}`).toBe(x >= 5 && x < 10 && y >= 5 && y < 10 ? 1 : 0);
      }
    }
  });
});

describe('cutoutPng', () => {
  it('crops to the mask bbox with alpha equal to the mask and the photo colours inside', async () => {
    const image = gradientImage();
    // An L shape inside the box x 5..15, y 8..20.
    const bits = new Uint8Array(W * H);
    for (let y = 8; y < 20; y++) for (let x = 5; x < 15; x++) if (x < 8 || y >= 17) bits[y * W + x] = 1;
    const { data, info } = await raw(await cutoutPng(image, rleFromBitmap(bits, W, H)));
    expect([info.width, info.height, info.channels]).toEqual([10, 12, 4]);
    for (let y = 0; y < 12; y++) {
      for (let x = 0; x < 10; x++) {
        const o = (y * 10 + x) * 4;
        const inside = bits[(y + 8) * W + (x + 5)] === 1;
        expect(data[o + 3]).toBe(inside ? 255 : 0);
        if (inside) expect([data[o], data[o + 1], data[o + 2]]).toEqual([(x + 5) * 5, (y + 8) * 7, 100]);
      }
    }
  });

  it('refuses an empty mask and a mask of another size', async () => {
    const image = gradientImage();
    await expect(cutoutPng(image, rect(0, 0, 0, 0))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const other = rleFromBitmap(new Uint8Array(4).fill(1), 2, 2);
    await expect(cutoutPng(image, other)).rejects.toThrow(/2x2 but the image is 40x30/);
  });
});

describe('overlayPng', () => {
  it('outlines in the solid colour, tints the inside and leaves the outside untouched', async () => {
    const image = gradientImage();
    const { data, info } = await raw(await overlayPng(image, [{ rle: rect(10, 5, 30, 25), id: 3 }]));
    expect([info.width, info.height, info.channels]).toEqual([W, H, 3]);
    const px = (x: number, y: number) => Array.from(data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));
    const orig = (x: number, y: number) => [x * 5, y * 7, 100];
    expect(px(10, 15)).toEqual(markColor(3)); // left edge, outline
    expect(px(11, 15)).toEqual(markColor(3)); // 2 px outline
    expect(px(5, 15)).toEqual(orig(5, 15)); // outside
    const inner = px(20, 15);
    expect(inner).not.toEqual(orig(20, 15));
    const c = markColor(3);
    for (let k = 0; k < 3; k++) {
      // The fill lies between the photo and the colour.
      expect(inner[k]).toBeGreaterThanOrEqual(Math.min(orig(20, 15)[k]!, c[k]!));
      expect(inner[k]).toBeLessThanOrEqual(Math.max(orig(20, 15)[k]!, c[k]!));
    }
  });

  it('uses an explicit colour and paints later masks on top', async () => {
    const image = gradientImage();
    const png = await overlayPng(
      image,
      [
        { rle: rect(0, 0, 20, 20), color: '#00ff00' },
        { rle: rect(10, 10, 30, 30), color: '#ff0000' },
      ],
      { fillAlpha: 1, outlineWidth: 0 },
    );
    const { data } = await raw(png);
    const px = (x: number, y: number) => Array.from(data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));
    expect(px(5, 5)).toEqual([0, 255, 0]);
    expect(px(15, 15)).toEqual([255, 0, 0]);
    expect(px(35, 5)).toEqual([175, 35, 100]);
  });

  it('outlines exactly the mask pixels within the outline width of the background, frame excluded', async () => {
    const grey: LoadedImage = { ...gradientImage(), rgb: new Uint8Array(W * H * 3).fill(128) };
    // A blob touching the left and top frame, with a notch and a hole.
    const bits = new Uint8Array(W * H);
    for (let y = 0; y < 22; y++) for (let x = 0; x < 33; x++) if ((x - 8) ** 2 + (y - 6) ** 2 < 300) bits[y * W + x] = 1;
    for (let y = 8; y < 11; y++) for (let x = 10; x < 13; x++) bits[y * W + x] = 0;
    for (let y = 0; y < 4; y++) bits[y * W + 15] = 0;
    const inside = (x: number, y: number) => x < 0 || y < 0 || x >= W || y >= H || bits[y * W + x] === 1;
    for (const d of [1, 2, 3]) {
      const { data } = await raw(
        await overlayPng(grey, [{ rle: rleFromBitmap(bits, W, H), color: '#ff0000' }], { fillAlpha: 0, outlineWidth: d }),
      );
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let edge = false;
          for (let dy = -d; dy <= d; dy++) for (let dx = -d; dx <= d; dx++) if (!inside(x + dx, y + dy)) edge = true;
          const expected = bits[y * W + x] === 1 && edge;
          expect(data[(y * W + x) * 3] === 255, `d=${d} (${x},${y})`).toBe(expected);
        }
      }
    }
  });
});

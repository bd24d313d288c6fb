import { describe, expect, it } from 'vitest';
import { decodeToRgb } from '../../../src/image/codec.js';
import { rleContains, rleFromBitmap } from '../../../src/mask/rle.js';
import type { LoadedImage } from '../../../src/perception/contract.js';
import { contrastingTints, overlayRegion, renderOverlay, renderSheet } from '../../../src/twin/pictures/overlay-picture.js';
import { pictureToImage } from '../../../src/twin/pictures/picture-window.js';
import { coordinateAt, readRulers } from './read-ruler.js';

const W = 200;
const H = 100;
const grey: LoadedImage = { hash: 'g', width: W, height: H, rgb: new Uint8Array(W * H * 3).fill(128), source: 'grey', format: 'png' };

function rect(x1: number, y1: number, x2: number, y2: number) {
  const bits = new Uint8Array(W * H);
  for (let y = y1; y < y2; y++) bits.fill(1, y * W + x1, y * W + x2);
  return rleFromBitmap(bits, W, H);
}

describe('overlay picture', () => {
  it("tints each object in a colour far from its own and from the other objects' tints", () => {
    const [onRed, onRed2, onGreen] = contrastingTints(['#d02020', '#c01818', '#20c020']);
    // Not a red tint on a red object, not the same tint twice, not green on green.
    expect(onRed![0] > 200 && onRed![1] < 100 && onRed![2] < 100).toBe(false);
    expect(onRed2).not.toEqual(onRed);
    expect(onGreen![1] > 200 && onGreen![0] < 100 && onGreen![2] < 100).toBe(false);
  });

  it('crops to the objects with a margin, and shows the whole picture otherwise', () => {
    const a = { id: 1, rle: rect(120, 40, 140, 60), objectColor: '#808080' };
    const b = { id: 2, rle: rect(150, 50, 160, 70), objectColor: '#808080' };
    expect(overlayRegion([a, b], W, H, false)).toEqual([0, 0, W, H]);
    expect(overlayRegion([a, b], W, H, true)).toEqual([104, 24, 176, 86]);
  });

  it('draws each object in its own colour and enlarges a crop', async () => {
    const a = { id: 1, rle: rect(120, 40, 140, 60), objectColor: '#808080' };
    const b = { id: 2, rle: rect(150, 50, 160, 70), objectColor: '#808080' };
    const p = await renderOverlay(grey, [a, b], { crop: true, maxSide: 288 });
    expect(p.mime).toBe('image/jpeg');
    // The 72×62 crop gets the pixels of a 288-px square: scale 4.31.
    expect(p.window!.scale).toBe(4.31);
    expect([p.width, p.height]).toEqual([310, 267]);
    expect(p.width * p.height).toBeLessThanOrEqual(288 * 288);
    const s = p.window!.scale;
    const px = await decodeToRgb(p.data, { maxPixels: 1e7, background: { r: 0, g: 0, b: 0 } });
    const at = (x: number, y: number) => Array.from(px.data.subarray((y * p.width + x) * 3, (y * p.width + x) * 3 + 3));
    const [ta, tb] = contrastingTints(['#808080', '#808080']);
    // On each rectangle's edge (its outline, inside the mask): its tint.
    const near = (c: number[], t: number[]) => c.every((v, i) => Math.abs(v - t[i]!) < 40);
    expect(near(at(Math.round((120 - 104) * s), Math.round((50 - 24) * s)), ta!)).toBe(true);
    expect(near(at(Math.round((155 - 104) * s), Math.round((70 - 24) * s) - 1), tb!)).toBe(true);
    // Outside both: the grey picture, dimmed; inside one, away from its outline: the grey with a trace of its tint.
    expect(near(at(250, 60), [64, 64, 64])).toBe(true);
    const inside = at(Math.round((123 - 104) * s), Math.round((43 - 24) * s)); // off the id's box at the middle
    expect(near(inside, [128, 128, 128]) && inside.some((v, i) => Math.abs(v - ta![i]! * 0.15 - 128 * 0.85) < 12)).toBe(true);
  });

  it('draws a wide crop with the pixels of a square, not the long side of one', async () => {
    const strip = { id: 1, rle: rect(10, 45, 190, 50), objectColor: '#808080' };
    const p = await renderOverlay(grey, [strip], { crop: true, maxSide: 288 });
    // 200 × 59 image px with the margin: bounded by the long side alone it would be 288 × 85.
    expect(p.window).toMatchObject({ x1: 0, x2: 200 });
    expect([p.width, p.height]).toEqual([530, 156]);
    expect(p.width * p.height).toBeLessThanOrEqual(288 * 288);
  });

  it('gives a crop rulers and the window it shows, so a point seen on it maps back to the image', async () => {
    const a = { id: 1, rle: rect(120, 40, 140, 60), objectColor: '#808080' };
    const p = await renderOverlay(grey, [a], { crop: true, maxSide: 288 });
    expect(p.window).toEqual({ x1: 104, y1: 24, x2: 156, y2: 76, scale: 5.53 });
    // The picture pixel at the middle of the tinted square maps back into the object.
    const [x, y] = pictureToImage(p.window!, Math.round((130 - 104) * 5.53), Math.round((50 - 24) * 5.53));
    expect(rleContains(a.rle, Math.floor(x), Math.floor(y))).toBe(true);
    const px = await decodeToRgb(p.data, { maxPixels: 1e7, background: { r: 0, g: 0, b: 0 } });
    // The ruler strip along the top is dark (white numbers on it aside) where the crop is grey.
    const row = px.data.subarray(2 * p.width * 3, 3 * p.width * 3);
    expect(row.reduce((s, v) => s + v, 0) / row.length).toBeLessThan(80);
    // The same point read off the rulers, as a host without the reply's window would.
    const rulers = await readRulers(p.data);
    const [rx, ry] = [coordinateAt(rulers.top, (130 - 104) * 5.53), coordinateAt(rulers.left, (50 - 24) * 5.53)];
    expect(
      [Math.abs(rx - 130), Math.abs(ry - 50)].every((d) => d < 1),
      `read ${[rx, ry]}`,
    ).toBe(true);
    // One object keeps the photo's own colours inside it: nothing is painted over what the host checks.
    const middle = (Math.round((44 - 24) * 5.53) * p.width + Math.round((124 - 104) * 5.53)) * 3; // off the id's box
    expect(Array.from(px.data.subarray(middle, middle + 3)).every((v) => Math.abs(v - 128) < 8)).toBe(true);
    // A full (uncropped) overlay has no rulers and shows the whole image.
    const full = await renderOverlay(grey, [a]);
    expect(full.window).toEqual({ x1: 0, y1: 0, x2: W, y2: H, scale: 1 });
  });

  it('draws alternatives side by side over one window, each in the order given, with a numbered box in its corner', async () => {
    const small = rect(120, 40, 140, 60);
    const large = rect(110, 30, 160, 70);
    const p = await renderSheet(
      grey,
      [
        { number: 3, rle: small },
        { number: 1, rle: large },
      ],
      small,
      '#808080',
    );
    // One window for both: the larger mask's box with a margin.
    expect(p.window).toMatchObject({ x1: 94, y1: 14, x2: 176, y2: 86 });
    const s = p.window!.scale;
    const [pw, ph] = [Math.round(82 * s), Math.round(72 * s)];
    // 82 × 72 window px: a column of two is squarer than a row.
    expect([p.width, p.height]).toEqual([pw, 2 * ph + 8]);
    expect(pw * ph).toBeLessThanOrEqual(400 * 400);
    expect(Math.max(p.width, p.height)).toBeLessThanOrEqual(1568);
    const px = await decodeToRgb(p.data, { maxPixels: 1e7, background: { r: 0, g: 0, b: 0 } });
    const grey1 = (x: number, y: number) => {
      const i = (y * p.width + x) * 3;
      return (px.data[i]! + px.data[i + 1]! + px.data[i + 2]!) / 3;
    };
    const at = (panel: number, ix: number, iy: number) => grey1(Math.round((ix - 94) * s), panel * (ph + 8) + Math.round((iy - 14) * s));
    // Inside the large mask, outside the small one: dimmed in the first panel, the photo's own grey in the second.
    expect(at(0, 152, 36)).toBeLessThan(80);
    expect(Math.abs(at(1, 152, 36) - 128)).toBeLessThan(10);
    // Inside both: the photo's grey in both; outside both: dimmed in both.
    expect([at(0, 128, 52), at(1, 128, 52)].every((v) => Math.abs(v - 128) < 10)).toBe(true);
    expect([at(0, 100, 80), at(1, 100, 80)].every((v) => v < 80)).toBe(true);
    // Each panel's top-left corner holds a white box (its number in black on it), where the photo is dimmed.
    for (const panel of [0, 1]) expect(grey1(7, panel * (ph + 8) + 7)).toBeGreaterThan(200);
  });
});

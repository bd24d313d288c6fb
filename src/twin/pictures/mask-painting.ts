// Pictures of masks on the photo: a cut-out of one object (transparent outside the mask) and an
// overlay of several masks as translucent fills with solid outlines. The raster helpers here are also
// what the set-of-marks image paints with, so both look alike.
import { encodeRaw, type RawImage } from '../../image/codec.js';
import { rleBbox, type Box, type Rle } from '../../mask/rle.js';
import type { LoadedImage } from '../../perception/contract.js';
import { TwinsegError } from '../../errors.js';
import { cropMask } from '../../mask/crop.js';

export type Rgb = [number, number, number];

// Saturated colours that stay apart from each other and from typical photo tones; consecutive ids
// get far-apart hues so neighbouring objects (often consecutive ids) are easy to tell apart.
const PALETTE: Rgb[] = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [255, 225, 25],
  [145, 30, 180],
  [245, 130, 48],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [0, 128, 128],
  [250, 190, 212],
  [170, 110, 40],
  [128, 0, 0],
  [170, 255, 195],
  [0, 0, 128],
  [255, 215, 180],
  [128, 128, 0],
  [220, 190, 255],
  [255, 255, 255],
  [128, 128, 128],
];

export function markColor(id: number): Rgb {
  const n = PALETTE.length;
  return PALETTE[(((Math.round(id) - 1) % n) + n) % n]!;
}

export function parseColor(hex: string): Rgb {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) throw new TwinsegError('INVALID_INPUT', `Invalid colour ${JSON.stringify(hex)}.`, { hint: 'Use #rrggbb.' });
  const v = parseInt(m[1]!, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * Samples a mask onto an outW x outH grid (nearest pixel centre), row-major 0/1, without decoding
 * the full-resolution bitmap: one pass over the runs plus one over the output pixels. With `crop`,
 * only that window of the output grid is produced (a crop-sized bitmap).
 */
export function rleToScaledBitmap(rle: Rle, outW: number, outH: number, crop?: Box): Uint8Array {
  const grid: SamplingGrid = { x1: 0, y1: 0, stepX: rle.width / outW, stepY: rle.height / outH };
  return sampleRle(rle, grid, crop ?? [0, 0, outW, outH]);
}

/**
 * How picture pixels sample an image: picture pixel (px, py) shows image pixel
 * (floor(x1 + (px + 0.5) * stepX), floor(y1 + (py + 0.5) * stepY)).
 */
export interface SamplingGrid {
  x1: number;
  y1: number;
  stepX: number;
  stepY: number;
}

/** The mask sampled on the `crop` window ([x1,y1,x2,y2] in picture pixels) of a sampling grid; off-image is 0. */
export function sampleRle(rle: Rle, grid: SamplingGrid, crop: Box): Uint8Array {
  const { width: w, height: h, counts } = rle;
  const [cx1, cy1, cx2, cy2] = crop;
  const cw = Math.max(0, cx2 - cx1);
  const out = new Uint8Array(cw * Math.max(0, cy2 - cy1));
  const srcY = new Int32Array(Math.max(0, cy2 - cy1));
  for (let ty = cy1; ty < cy2; ty++) srcY[ty - cy1] = Math.floor(grid.y1 + (ty + 0.5) * grid.stepY);
  let k = 0; // current run index
  let runStart = 0; // column-major position where run k starts
  let previous = -1;
  for (let tx = cx1; tx < cx2; tx++) {
    const sx = Math.floor(grid.x1 + (tx + 0.5) * grid.stepX);
    if (sx < 0 || sx >= w) continue;
    // Enlarging shows a source column several times; the runs are walked forward only once.
    if (sx === previous) {
      for (let j = 0; j < srcY.length; j++) out[j * cw + (tx - cx1)] = out[j * cw + (tx - cx1 - 1)]!;
      continue;
    }
    previous = sx;
    const colStart = sx * h;
    for (let j = 0; j < srcY.length; j++) {
      const sy = srcY[j]!;
      if (sy < 0 || sy >= h) continue;
      const p = colStart + sy;
      while (k < counts.length && runStart + counts[k]! <= p) {
        runStart += counts[k]!;
        k++;
      }
      if (k % 2 === 1) out[j * cw + (tx - cx1)] = 1;
    }
  }
  return out;
}

/** A copy of the image's pixels inside `box` ([x1, y1, x2, y2], inside the image). */
export function regionPixels(image: LoadedImage, [x1, y1, x2, y2]: Box): RawImage {
  const w = x2 - x1;
  const h = y2 - y1;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(image.rgb.subarray(((y + y1) * image.width + x1) * 3, ((y + y1) * image.width + x2) * 3), y * w * 3);
  return { data, width: w, height: h, channels: 3 };
}

/** The mask's bbox on a grid scaled by `scale`, padded by one pixel and clamped. */
export function scaledBox(rle: Rle, outW: number, outH: number, pad = 1): Box {
  const [x1, y1, x2, y2] = rleBbox(rle);
  const sx = outW / rle.width;
  const sy = outH / rle.height;
  return [
    Math.max(0, Math.floor(x1 * sx) - pad),
    Math.max(0, Math.floor(y1 * sy) - pad),
    Math.min(outW, Math.ceil(x2 * sx) + pad),
    Math.min(outH, Math.ceil(y2 * sy) + pad),
  ];
}

export interface PaintStyle {
  color: Rgb;
  /** 0..1 opacity of the fill; 0 = outline only. */
  fillAlpha: number;
  /** Outline thickness in pixels (inside the mask); 0 = none. */
  outlineWidth: number;
}

/**
 * Blends a fill and draws an inner outline into an RGB buffer of w x h. `crop` is the mask sampled
 * on the window `box` of that grid (see rleToScaledBitmap); pixels outside the window are background.
 */
export function paintMask(rgb: Uint8Array, w: number, h: number, crop: Uint8Array, box: Box, style: PaintStyle): void {
  const [x1, y1] = box;
  const cw = box[2] - x1;
  const ch = box[3] - y1;
  const [r, g, b] = style.color;
  const a = style.fillAlpha;
  const core = style.outlineWidth > 0 ? interiorCore(crop, cw, ch, box, w, h, style.outlineWidth) : undefined;
  for (let ly = 0; ly < ch; ly++) {
    for (let lx = 0; lx < cw; lx++) {
      const li = ly * cw + lx;
      if (!crop[li]) continue;
      const o = ((ly + y1) * w + (lx + x1)) * 3;
      if (core && !core[li]) {
        rgb[o] = r;
        rgb[o + 1] = g;
        rgb[o + 2] = b;
      } else if (a > 0) {
        rgb[o] = Math.round(rgb[o]! * (1 - a) + r * a);
        rgb[o + 1] = Math.round(rgb[o + 1]! * (1 - a) + g * a);
        rgb[o + 2] = Math.round(rgb[o + 2]! * (1 - a) + b * a);
      }
    }
  }
}

/**
 * 1 where the whole (2d+1)^2 window around a crop pixel is foreground: a separable min filter with
 * prefix sums, O(pixels) for any d. Pixels beyond the image count as foreground (a mask touching
 * the frame is not outlined along it); pixels beyond the crop but on the image are background.
 */
function interiorCore(crop: Uint8Array, cw: number, ch: number, box: Box, w: number, h: number, d: number): Uint8Array {
  const [x1, y1, x2, y2] = box;
  const leftOpen = x1 > 0;
  const rightOpen = x2 < w;
  const topOpen = y1 > 0;
  const bottomOpen = y2 < h;
  const rowOk = new Uint8Array(cw * ch);
  const prefix = new Int32Array(Math.max(cw, ch) + 1);
  for (let ly = 0; ly < ch; ly++) {
    for (let lx = 0; lx < cw; lx++) prefix[lx + 1] = prefix[lx]! + (crop[ly * cw + lx] ? 0 : 1);
    for (let lx = 0; lx < cw; lx++) {
      if ((lx - d < 0 && leftOpen) || (lx + d >= cw && rightOpen)) continue;
      const holes = prefix[Math.min(cw, lx + d + 1)]! - prefix[Math.max(0, lx - d)]!;
      if (holes === 0) rowOk[ly * cw + lx] = 1;
    }
  }
  const out = new Uint8Array(cw * ch);
  for (let lx = 0; lx < cw; lx++) {
    for (let ly = 0; ly < ch; ly++) prefix[ly + 1] = prefix[ly]! + (rowOk[ly * cw + lx] ? 0 : 1);
    for (let ly = 0; ly < ch; ly++) {
      if ((ly - d < 0 && topOpen) || (ly + d >= ch && bottomOpen)) continue;
      const holes = prefix[Math.min(ch, ly + d + 1)]! - prefix[Math.max(0, ly - d)]!;
      if (holes === 0) out[ly * cw + lx] = 1;
    }
  }
  return out;
}

function assertSameSize(image: LoadedImage, rle: Rle): void {
  if (rle.width !== image.width || rle.height !== image.height) {
    throw new TwinsegError('INVALID_INPUT', `The mask is ${rle.width}x${rle.height} but the image is ${image.width}x${image.height}.`, {
      hint: 'Use masks of the twin built from this image.',
    });
  }
}

/** The object alone: RGBA cropped to the mask's bbox, transparent outside the mask. */
export async function cutoutPng(image: LoadedImage, rle: Rle): Promise<Buffer> {
  assertSameSize(image, rle);
  const [x1, y1, x2, y2] = rleBbox(rle);
  const cw = x2 - x1;
  const ch = y2 - y1;
  if (cw <= 0 || ch <= 0) {
    throw new TwinsegError('INVALID_INPUT', 'The mask is empty, so there is nothing to cut out.', {
      hint: 'Check the object ids and the mask operation (an intersection can be empty).',
    });
  }
  const { bits } = cropMask(rle, [x1, y1, x2, y2]);
  const rgba = Buffer.alloc(cw * ch * 4);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const si = (y + y1) * image.width + (x + x1);
      const o = (y * cw + x) * 4;
      rgba[o] = image.rgb[si * 3]!;
      rgba[o + 1] = image.rgb[si * 3 + 1]!;
      rgba[o + 2] = image.rgb[si * 3 + 2]!;
      rgba[o + 3] = bits[y * cw + x] ? 255 : 0;
    }
  }
  return encodeRaw({ data: rgba, width: cw, height: ch, channels: 4 }, 'png', { compressionLevel: 9 });
}

export interface OverlayMask {
  rle: Rle;
  /** #rrggbb; default: the palette colour of `id` (or of the list position). */
  color?: string;
  id?: number;
}

export interface OverlayOptions {
  /** Fill opacity 0..1 (default 0.45). */
  fillAlpha?: number;
  /** Outline thickness in pixels (default 2). */
  outlineWidth?: number;
}

/** The photo with each mask as a translucent fill and a solid outline, later masks on top. */
export async function overlayPng(image: LoadedImage, masks: readonly OverlayMask[], opts: OverlayOptions = {}): Promise<Buffer> {
  const rgb = Uint8Array.from(image.rgb);
  const { width: w, height: h } = image;
  masks.forEach((m, i) => {
    assertSameSize(image, m.rle);
    const style: PaintStyle = {
      color: m.color ? parseColor(m.color) : markColor(m.id ?? i + 1),
      fillAlpha: clamp01(opts.fillAlpha ?? 0.45),
      outlineWidth: Math.max(0, Math.round(opts.outlineWidth ?? 2)),
    };
    const box = scaledBox(m.rle, w, h);
    paintMask(rgb, w, h, cropMask(m.rle, box).bits, box, style);
  });
  return encodeRaw({ data: rgb, width: w, height: h, channels: 3 }, 'png');
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

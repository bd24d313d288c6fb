// A picture for checking masks: the masks in the photo's own colours with everything else dimmed, so the
// host sees what it is checking (a blaze on a horse, a number on a shirt) and where the mask stops; each
// mask has a solid outline in a colour chosen to stand out from the object's own (a red line on a red car is
// invisible), a faint tint of it where several are shown, its id in a box on it, and a legend of ids and
// colours. Optionally cropped to the masks (with a margin) and
// enlarged, so a small object or two candidates ("is it 12 or 21?") can be told apart at a glance.
import type { Box, Rle } from '../../mask/rle.js';
import { rleBbox } from '../../mask/rle.js';
import { cropMask } from '../../mask/crop.js';
import { drawSvgOver, encodeRaw, resizeRaw, PICTURE_MIME, type PictureFormat } from '../../image/codec.js';
import type { LoadedImage } from '../../perception/contract.js';
import { TwinsegError } from '../../errors.js';
import { rgbToLab, toHex } from '../colour.js';
import { GLYPH_H, numberSvg, numberWidth } from './digit-glyphs.js';
import { LABEL_MIN_DIGIT_PX, labelBoxSvg, labelSize } from './label-svg.js';
import { paintMask, regionPixels, type Rgb } from './mask-painting.js';
import { hostScale, HOST_MAX_SIDE, type Picture, type PictureWindow } from './picture-window.js';
import { rulerSvg } from './ruler.js';

export interface OverlayItem {
  /** Drawn in its box and in the legend; absent for an anonymous (combined) mask. */
  id?: number;
  rle: Rle;
  /** The object's own mean colour, from which the tint must stand out. */
  objectColor: string;
}

export interface OverlayOptions {
  /** Crop to the union of the masks' boxes plus a margin, enlarged up to maxSide. */
  crop?: boolean;
  /**
   * Longest side of the picture (default 1568 full, 768 cropped). A crop gets the pixels of a maxSide square,
   * its long side up to twice maxSide (at most HOST_MAX_SIDE): a wide or thin mask is not drawn smaller.
   */
  maxSide?: number;
  format?: PictureFormat;
  quality?: number;
}

// Saturated tints far apart in hue; the one used for an object is the one farthest from its colour.
const TINTS: Rgb[] = [
  [255, 0, 255],
  [0, 255, 255],
  [255, 255, 0],
  [0, 255, 0],
  [255, 96, 0],
  [0, 96, 255],
  [255, 0, 64],
  [160, 0, 255],
];

const labDistance = (a: Rgb, b: Rgb): number => {
  const [l1, a1, b1] = rgbToLab(a);
  const [l2, a2, b2] = rgbToLab(b);
  return Math.hypot(l1 - l2, a1 - a2, b1 - b2);
};

function parseHex(hex: string): Rgb {
  const v = parseInt(/^#?([0-9a-f]{6})$/i.exec(hex)?.[1] ?? '808080', 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** For each item, the tint farthest from its own colour and not too close to the tints chosen before it. */
export function contrastingTints(objectColors: readonly string[]): Rgb[] {
  const chosen: Rgb[] = [];
  for (const hex of objectColors) {
    const own = parseHex(hex);
    let best = TINTS[0]!;
    let bestScore = -Infinity;
    for (const t of TINTS) {
      const apart = chosen.length === 0 ? 100 : Math.min(...chosen.map((c) => labDistance(t, c)));
      const score = Math.min(labDistance(t, own), 60) + Math.min(apart, 60) * 0.8 - (chosen.includes(t) ? 100 : 0);
      if (score > bestScore) {
        bestScore = score;
        best = t;
      }
    }
    chosen.push(best);
  }
  return chosen;
}

/** The region to draw: the whole image, or the masks' union box with a margin. */
export function overlayRegion(items: readonly OverlayItem[], width: number, height: number, crop: boolean): Box {
  if (!crop) return [0, 0, width, height];
  const boxes = items.map((i) => rleBbox(i.rle)).filter((b) => b[2] > b[0]);
  if (boxes.length === 0) return [0, 0, width, height];
  const x1 = Math.min(...boxes.map((b) => b[0]));
  const y1 = Math.min(...boxes.map((b) => b[1]));
  const x2 = Math.max(...boxes.map((b) => b[2]));
  const y2 = Math.max(...boxes.map((b) => b[3]));
  const margin = Math.max(16, Math.round(0.15 * Math.max(x2 - x1, y2 - y1)));
  return [Math.max(0, x1 - margin), Math.max(0, y1 - margin), Math.min(width, x2 + margin), Math.min(height, y2 + margin)];
}

/** The mask inside `region`, sampled (nearest) onto outW×outH. */
function sampledMask(rle: Rle, region: Box, outW: number, outH: number): Uint8Array {
  const { bits, width: rw, height: rh } = cropMask(rle, region);
  const out = new Uint8Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(rh - 1, Math.floor(((y + 0.5) * rh) / outH));
    for (let x = 0; x < outW; x++) out[y * outW + x] = bits[sy * rw + Math.min(rw - 1, Math.floor(((x + 0.5) * rw) / outW))]!;
  }
  return out;
}

function maskCentre(bits: Uint8Array, w: number, h: number): [number, number] | undefined {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!bits[y * w + x]) continue;
      sx += x;
      sy += y;
      n++;
    }
  }
  return n === 0 ? undefined : [sx / n, sy / n];
}

function idBox(id: number, x: number, y: number, digitH: number, fill: Rgb): string {
  const { width, height } = labelSize(id, digitH);
  return labelBoxSvg(id, [x, y, x + width, y + height], digitH, fill);
}

export async function renderOverlay(image: LoadedImage, items: readonly OverlayItem[], opts: OverlayOptions = {}): Promise<Picture> {
  if (items.length === 0) throw new TwinsegError('INVALID_INPUT', 'Nothing to draw.', { hint: 'Pass at least one object id.' });
  const region = overlayRegion(items, image.width, image.height, opts.crop ?? false);
  const rw = region[2] - region[0];
  const rh = region[3] - region[1];
  const maxSide = opts.maxSide ?? (opts.crop ? 768 : HOST_MAX_SIDE);
  // Crops are enlarged so small things become visible, to a square's pixels: hosts found the close-ups of a
  // path or a grass field (bounded by the long side alone, 512×220) too small to judge and asked for another picture.
  // Full pictures are only ever shrunk.
  const scale = opts.crop
    ? hostScale(rw, rh, { maxSide: Math.min(2 * maxSide, HOST_MAX_SIDE), maxPixels: maxSide * maxSide, maxZoom: Infinity })
    : hostScale(rw, rh, { maxSide, maxPixels: Infinity, maxZoom: 1 });
  const window: PictureWindow = { x1: region[0], y1: region[1], x2: region[2], y2: region[3], scale };
  const { rgb, W, H, tints, digitH, labels } = await paintWindow(image, items, window);
  // A crop gets rulers in image pixels, so a point seen on it can be mapped back to the image.
  const ruler = opts.crop ? rulerSvg(window, W, H, LABEL_MIN_DIGIT_PX) : undefined;
  const legend = items.some((i) => i.id !== undefined) ? legendSvg(items, tints, digitH, ruler ? [ruler.left, ruler.top] : [0, 0]) : '';
  const drawn = await drawSvgOver(
    { data: rgb, width: W, height: H, channels: 3 },
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${labels.join('')}${ruler?.svg ?? ''}${legend}</svg>`,
  );
  const format = opts.format ?? 'jpeg';
  const data = await encodeRaw(drawn, format, { quality: opts.quality ?? 85, fullChroma: true });
  return { data, mime: PICTURE_MIME[format], width: W, height: H, window };
}

/** The window's pixels at its scale with the masks painted in (the rest dimmed), and the SVG of their id boxes. */
async function paintWindow(image: LoadedImage, items: readonly OverlayItem[], window: PictureWindow) {
  const region: Box = [window.x1, window.y1, window.x2, window.y2];
  const W = Math.max(1, Math.round((window.x2 - window.x1) * window.scale));
  const H = Math.max(1, Math.round((window.y2 - window.y1) * window.scale));
  // A fresh copy either way (the region is copied out), so painting never touches the image.
  const rgb = (await resizeRaw(regionPixels(image, region), W, H, 'lanczos3')).data;
  const tints = contrastingTints(items.map((i) => i.objectColor));
  const outline = Math.max(2, Math.round(Math.max(W, H) / 400));
  const digitH = Math.min(28, Math.max(12, Math.round(Math.max(W, H) * 0.02)));
  const labels: string[] = [];
  const masks = items.map((item) => sampledMask(item.rle, region, W, H));
  dimOutside(rgb, masks);
  items.forEach((item, k) => {
    const bits = masks[k]!;
    // One mask needs no tint (the dimmed rest shows its extent); several are told apart by a trace of colour.
    paintMask(rgb, W, H, bits, [0, 0, W, H], { color: tints[k]!, fillAlpha: items.length > 1 ? 0.15 : 0, outlineWidth: outline });
    const c = maskCentre(bits, W, H);
    if (item.id !== undefined && c)
      labels.push(
        idBox(
          item.id,
          Math.round(Math.min(W - 3 * digitH, Math.max(0, c[0] - digitH))),
          Math.round(Math.max(0, Math.min(H - 2 * digitH, c[1] - digitH))),
          digitH,
          tints[k]!,
        ),
      );
  });
  return { rgb, W, H, tints, digitH, labels };
}

/** One panel of an alternatives sheet: a mask and the number it is taken by. */
export interface SheetPanel {
  number: number;
  rle: Rle;
}

/** Pixels each panel of an alternatives sheet gets (a square's worth, like a close-up's). */
const SHEET_PANEL_SIDE = 400;
const SHEET_GAP = 8;

/**
 * Masks side by side over one window (the union of their boxes and `around`'s, with a margin), each dimmed
 * outside its mask and numbered in its top-left corner: hosts picked among a segment reply's alternatives by
 * their sizes alone, and twice took the worse one. A row, or a column for a wide window, whichever is squarer.
 */
export async function renderSheet(image: LoadedImage, panels: readonly SheetPanel[], around: Rle, objectColor: string): Promise<Picture> {
  if (panels.length === 0) throw new TwinsegError('INVALID_INPUT', 'Nothing to draw.', { hint: 'Pass at least one mask.' });
  const all = [...panels.map((p) => ({ rle: p.rle, objectColor })), { rle: around, objectColor }];
  const region = overlayRegion(all, image.width, image.height, true);
  const rw = region[2] - region[0];
  const rh = region[3] - region[1];
  const n = panels.length;
  const squareness = (w: number, h: number) => Math.abs(Math.log(w / h));
  const row = squareness(n * rw, rh) <= squareness(rw, n * rh);
  const [cols, rows] = row ? [n, 1] : [1, n];
  const gaps = SHEET_GAP * (n - 1);
  // The scale fits the panels (without the gaps) in the host's bounds and gives each a square's pixels.
  const scale = hostScale(cols * rw, rows * rh, {
    maxSide: HOST_MAX_SIDE - gaps,
    maxPixels: n * SHEET_PANEL_SIDE * SHEET_PANEL_SIDE,
    maxZoom: Infinity,
  });
  const window: PictureWindow = { x1: region[0], y1: region[1], x2: region[2], y2: region[3], scale };
  const painted = await Promise.all(panels.map((p) => paintWindow(image, [{ rle: p.rle, objectColor }], window)));
  const { W, H } = painted[0]!;
  const sheetW = cols * W + (cols - 1) * SHEET_GAP;
  const sheetH = rows * H + (rows - 1) * SHEET_GAP;
  const sheet = new Uint8Array(sheetW * sheetH * 3).fill(255);
  const digitH = Math.min(28, Math.max(14, Math.round(Math.max(W, H) * 0.05)));
  const numbers: string[] = [];
  painted.forEach((p, k) => {
    const ox = row ? k * (W + SHEET_GAP) : 0;
    const oy = row ? 0 : k * (H + SHEET_GAP);
    for (let y = 0; y < H; y++) sheet.set(p.rgb.subarray(y * W * 3, (y + 1) * W * 3), ((oy + y) * sheetW + ox) * 3);
    const size = labelSize(panels[k]!.number, digitH);
    numbers.push(labelBoxSvg(panels[k]!.number, [ox + 4, oy + 4, ox + 4 + size.width, oy + 4 + size.height], digitH, [255, 255, 255]));
  });
  const drawn = await drawSvgOver(
    { data: sheet, width: sheetW, height: sheetH, channels: 3 },
    `<svg xmlns="http://www.w3.org/2000/svg" width="${sheetW}" height="${sheetH}">${numbers.join('')}</svg>`,
  );
  const data = await encodeRaw(drawn, 'jpeg', { quality: 85, fullChroma: true });
  return { data, mime: PICTURE_MIME.jpeg, width: sheetW, height: sheetH, window };
}

/** What lies outside every mask keeps this share of its brightness. */
const OUTSIDE_KEEP = 0.5;

function dimOutside(rgb: Uint8Array, masks: readonly Uint8Array[]): void {
  const n = rgb.length / 3;
  for (let i = 0; i < n; i++) {
    if (masks.some((m) => m[i])) continue;
    rgb[3 * i] = rgb[3 * i]! * OUTSIDE_KEEP;
    rgb[3 * i + 1] = rgb[3 * i + 1]! * OUTSIDE_KEEP;
    rgb[3 * i + 2] = rgb[3 * i + 2]! * OUTSIDE_KEEP;
  }
}

/** Top-left: a swatch and the id of every drawn object, so colours can be matched to ids. */
function legendSvg(items: readonly OverlayItem[], tints: Rgb[], digitH: number, [ox, oy]: [number, number]): string {
  const rows = items
    .map((item, k) => ({ id: item.id, tint: tints[k]! }))
    .filter((r): r is { id: number; tint: Rgb } => r.id !== undefined)
    .slice(0, 12);
  const lineH = digitH + 8;
  const width = 8 + digitH + 6 + Math.max(...rows.map((r) => numberWidth(String(r.id)) * (digitH / GLYPH_H))) + 8;
  const parts = [
    `<rect x="4" y="4" width="${Math.round(width)}" height="${rows.length * lineH + 8}" rx="3" fill="#000000" fill-opacity="0.6"/>`,
  ];
  rows.forEach((r, i) => {
    const y = 8 + i * lineH;
    parts.push(`<rect x="8" y="${y + 2}" width="${digitH}" height="${digitH}" fill="${toHex(r.tint)}" stroke="#ffffff"/>`);
    parts.push(numberSvg(String(r.id), 8 + digitH + 6, y + 2, digitH, '#ffffff'));
  });
  return `<g transform="translate(${ox} ${oy})">${parts.join('')}</g>`;
}

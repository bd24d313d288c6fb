// The set-of-marks picture for the host's vision model: the photo, every object as a translucent
// fill with an outline, and its id as a number in a filled box placed deep inside the mask. The
// model reads "the dog is 4" off this picture and then names objects by id in tool calls.
// Whole objects get a fill and a thicker outline; parts only a thin outline and a faint fill, so
// they read as subdivisions. Digits are our own stroked paths (digit-glyphs.ts), never a font.
import { drawSvgOver, encodeRaw, resizeRaw, type RawImage } from '../../image/codec.js';
import type { Box } from '../../mask/rle.js';
import type { LoadedImage } from '../../perception/contract.js';
import { TwinsegError } from '../../errors.js';
import { numberSvg, numberWidth, GLYPH_H } from './digit-glyphs.js';
import { toHex } from '../colour.js';
import { centroidOf } from '../../mask/crop.js';
import { markColor, paintMask, rleToScaledBitmap, scaledBox, type Rgb } from './mask-painting.js';
import { chooseLabelBox, distanceTransform, interiorCandidates, type Candidate } from './mark-placement.js';
import type { Twin, TwinObject } from '../scene-model.js';
import { unknownObjects } from '../unknown-objects.js';

export interface MarksOptions {
  /** Longest side of the output in pixels (default 1568, what vision models see without resizing). */
  maxSide?: number;
  /** Only these objects (default: all). */
  ids?: number[];
  /** Upper bound on the encoded size (default 400 KB); JPEG quality steps down, then the size. */
  maxBytes?: number;
}

export interface PlacedMark {
  id: number;
  /** Label box in output pixels [x1, y1, x2, y2]. */
  box: Box;
}

export interface MarksImage {
  data: Buffer;
  mime: 'image/jpeg';
  width: number;
  height: number;
  /** Output pixels per original pixel. */
  scale: number;
  marks: PlacedMark[];
}

export const DEFAULT_MARKS_MAX_SIDE = 1568;
// A model reads the ids off JPEG at these sizes as well as off PNG, at a tenth of the bytes (a 1568-px
// photo: ~100-200 KB against 1-2 MB); full chroma below keeps the coloured digit boxes crisp.
export const DEFAULT_MARKS_MAX_BYTES = 400 * 1024;
const JPEG_QUALITIES = [85, 75, 65, 55, 45];

export async function renderMarksImage(image: LoadedImage, twin: Twin, opts: MarksOptions = {}): Promise<MarksImage> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MARKS_MAX_BYTES;
  const objects = selectObjects(twin, opts.ids);
  if (twin.image.width !== image.width || twin.image.height !== image.height) {
    throw new TwinsegError(
      'INVALID_INPUT',
      `Twin ${twin.id} was built on a ${twin.image.width}x${twin.image.height} image, not this ${image.width}x${image.height} one.`,
      { hint: 'Render marks with the image the twin was built from.' },
    );
  }
  let maxSide = Math.max(16, Math.round(opts.maxSide ?? DEFAULT_MARKS_MAX_SIDE));
  // Shrinking is the last resort when even the lowest JPEG quality is over the byte budget.
  for (let attempt = 0; attempt < 6; attempt++) {
    const drawn = await draw(image, twin, objects, maxSide);
    const encoded = await encodeWithin(drawn.picture, maxBytes);
    if (encoded) return { ...encoded, width: drawn.width, height: drawn.height, scale: drawn.scale, marks: drawn.marks };
    maxSide = Math.round(maxSide * 0.75);
  }
  throw new TwinsegError('INTERNAL', `Could not fit the marks image into ${maxBytes} bytes.`, {
    hint: 'Raise maxBytes or lower maxSide.',
  });
}

function selectObjects(twin: Twin, ids: number[] | undefined): TwinObject[] {
  if (!ids) return twin.objects.filter((o) => o.area > 0 && twin.masks.has(o.id)); // nothing to point at in an empty mask
  const known = new Map(twin.objects.map((o) => [o.id, o]));
  const missing = ids.filter((id) => !known.has(id) || !twin.masks.has(id));
  if (missing.length > 0) {
    throw unknownObjects(twin, missing);
  }
  return [...new Set(ids)].map((id) => known.get(id)!);
}

interface Drawn {
  picture: RawImage;
  width: number;
  height: number;
  scale: number;
  marks: PlacedMark[];
}

async function draw(image: LoadedImage, twin: Twin, objects: TwinObject[], maxSide: number): Promise<Drawn> {
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
  const W = Math.max(1, Math.round(image.width * scale));
  const H = Math.max(1, Math.round(image.height * scale));
  const rgb = await resizedRgb(image, W, H);

  // Wholes under parts; within a level, large under small so nothing small is buried.
  const order = [...objects].sort(
    (a, b) => Number(a.level === 'part') - Number(b.level === 'part') || b.area - a.area,
  );
  const outline = Math.max(2, Math.round(Math.max(W, H) / 600));
  const digitH = Math.min(28, Math.max(12, Math.round(Math.max(W, H) * 0.013)));
  const pad = Math.max(2, Math.round(digitH * 0.28));
  const candidates = new Map<number, { list: Candidate[]; centre: [number, number] }>();
  for (const o of order) {
    const rle = twin.masks.get(o.id)!;
    const box = scaledBox(rle, W, H);
    const crop = rleToScaledBitmap(rle, W, H, box);
    const part = o.level === 'part';
    paintMask(rgb, W, H, crop, box, {
      color: markColor(o.id),
      fillAlpha: part ? 0.12 : 0.3,
      outlineWidth: part ? Math.max(1, outline - 1) : outline,
    });
    const cw = box[2] - box[0];
    const ch = box[3] - box[1];
    const [gx, gy] = centroidOf({ bits: crop, x0: 0, y0: 0, width: cw, height: ch });
    const centre: [number, number] = [gx - 0.5, gy - 0.5]; // pixel indices, like the candidates
    const enough = digitH * 2; // deep enough for a two- or three-digit label box
    const local = interiorCandidates(distanceTransform(crop, cw, ch), cw, ch, digitH * 1.5, 12, enough, centre);
    candidates.set(o.id, {
      list: local.map((c) => ({ ...c, x: c.x + box[0], y: c.y + box[1] })),
      centre: [centre[0] + box[0], centre[1] + box[1]],
    });
  }

  // Small objects have the fewest good spots, so they choose first.
  const placed: Box[] = [];
  const marks: PlacedMark[] = [];
  for (const o of [...objects].sort((a, b) => a.area - b.area)) {
    const text = String(o.id);
    const bw = Math.round(numberWidth(text) * (digitH / GLYPH_H)) + 2 * pad;
    const bh = digitH + 2 * pad;
    const c = candidates.get(o.id);
    const box = chooseLabelBox(c?.list ?? [], bw, bh, W, H, placed, c?.centre);
    placed.push(box);
    marks.push({ id: o.id, box });
  }
  const svg = labelsSvg(marks, W, H, digitH, pad);
  const picture = await drawSvgOver({ data: rgb, width: W, height: H, channels: 3 }, svg);
  return { picture, width: W, height: H, scale: W / image.width, marks };
}

async function resizedRgb(image: LoadedImage, W: number, H: number): Promise<Uint8Array> {
  if (W === image.width && H === image.height) return Uint8Array.from(image.rgb);
  const resized = await resizeRaw({ data: image.rgb, width: image.width, height: image.height, channels: 3 }, W, H);
  return resized.data;
}

function labelsSvg(marks: PlacedMark[], W: number, H: number, digitH: number, pad: number): string {
  const parts = marks.map(({ id, box }) => {
    const [x1, y1, x2, y2] = box;
    const fill = markColor(id);
    const ink = luminance(fill) > 140 ? '#000000' : '#ffffff';
    const edge = ink === '#000000' ? '#ffffff' : '#000000'; // separates the box from any background
    return (
      `<rect x="${x1 + 0.5}" y="${y1 + 0.5}" width="${x2 - x1 - 1}" height="${y2 - y1 - 1}" rx="2" ` +
      `fill="${toHex(fill)}" stroke="${edge}" stroke-width="1"/>` +
      numberSvg(String(id), x1 + pad, y1 + pad, digitH, ink)
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
}

async function encodeWithin(picture: RawImage, maxBytes: number): Promise<{ data: Buffer; mime: 'image/jpeg' } | undefined> {
  for (const quality of JPEG_QUALITIES) {
    const jpeg = await encodeRaw(picture, 'jpeg', { quality, fullChroma: quality >= 75 });
    if (jpeg.length <= maxBytes) return { data: jpeg, mime: 'image/jpeg' };
  }
  return undefined;
}

function luminance([r, g, b]: Rgb): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

// Masks as files a person or another program can open: a black/white PNG, and polygons (outer rings
// and holes) for vector consumers. PNGs are written as 1-bit palette images, which keeps a typical
// mask at a few hundred bytes to a few kB.
import sharp from 'sharp';
import { rleBbox, rleFromBitmap, rleToBitmap, type Rle } from '../perception/rle.js';
import { TwinsegError } from '../errors.js';
import { signedArea, simplifyRing, traceContours, type Ring } from './contours.js';
import { cropMask } from './geometry.js';

export async function encodeMaskPng(rle: Rle): Promise<Buffer> {
  const bits = rleToBitmap(rle);
  for (let i = 0; i < bits.length; i++) bits[i] = bits[i] ? 255 : 0;
  try {
    // Two colours in, two palette entries out: libimagequant reproduces them exactly, at 1 bit/pixel.
    return await sharp(bits, { raw: { width: rle.width, height: rle.height, channels: 1 } })
      .png({ palette: true, colours: 2, dither: 0, compressionLevel: 9 })
      .toBuffer();
  } catch (e) {
    throw new TwinsegError('INTERNAL', `Could not encode the mask as PNG: ${(e as Error).message}`, { cause: e });
  }
}

/** Any PNG (or other image sharp reads): foreground where the grey value is at least 128. */
export async function decodeMaskPng(buf: Buffer): Promise<Rle> {
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await sharp(buf)
      .flatten({ background: '#000000' })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new TwinsegError('IMAGE_UNREADABLE', `Could not read the mask image: ${(e as Error).message}`, {
      hint: 'Pass a PNG with white foreground on black background.',
      cause: e,
    });
  }
  const { data } = decoded;
  const { width, height, channels } = decoded.info;
  const bits = new Uint8Array(width * height);
  for (let i = 0; i < bits.length; i++) bits[i] = data[i * channels]! >= 128 ? 1 : 0;
  return rleFromBitmap(bits, width, height);
}

export interface Polygons {
  /** Outer boundaries, clockwise on screen (y down), vertices on pixel corners, in image pixels. */
  outer: [number, number][][];
  /** Hole boundaries, counter-clockwise on screen. */
  holes: [number, number][][];
}

export interface PolygonOptions {
  /** Upper bound on vertices over all rings together (default: no bound). */
  maxPoints?: number;
  /** Douglas–Peucker tolerance in pixels (default 0: exact pixel-corner boundary; 1 removes the staircase). */
  tolerance?: number;
}

/**
 * The mask's boundary as polygons. Without maxPoints the rings are exact; with it, the budget is
 * shared among rings by perimeter (at least 3 each), and when it cannot give every ring 3 vertices
 * the smallest rings (by area) are dropped first.
 */
export function maskToPolygons(rle: Rle, opts: PolygonOptions = {}): Polygons {
  const [x1, y1, x2, y2] = rleBbox(rle);
  if (x2 <= x1 || y2 <= y1) return { outer: [], holes: [] };
  const cw = x2 - x1;
  const traced = traceContours(cropMask(rle, [x1, y1, x2, y2]).bits, cw, y2 - y1);
  const shift = (r: Ring): [number, number][] => r.map(([x, y]) => [x + x1, y + y1]);
  const rings = [
    ...traced.outer.map((r) => ({ r, hole: false })),
    ...traced.holes.map((r) => ({ r, hole: true })),
  ].map((e) => ({ ...e, area: Math.abs(signedArea(e.r)) }));
  const tolerance = opts.tolerance ?? 0;
  let kept = rings;
  const budget = opts.maxPoints === undefined ? Infinity : Math.max(3, Math.floor(opts.maxPoints));
  if (Number.isFinite(budget) && kept.length * 3 > budget) {
    kept = [...kept].sort((a, b) => b.area - a.area).slice(0, Math.floor(budget / 3));
  }
  const totalLen = kept.reduce((s, e) => s + e.r.length, 0);
  const out: Polygons = { outer: [], holes: [] };
  for (const e of kept) {
    const share = Number.isFinite(budget)
      ? Math.max(3, Math.floor(3 + ((budget - 3 * kept.length) * e.r.length) / Math.max(1, totalLen)))
      : e.r.length;
    const simplified = simplifyRing(e.r, { tolerance, maxPoints: share });
    (e.hole ? out.holes : out.outer).push(shift(simplified));
  }
  return out;
}

// Reads a picture's rulers from its pixels, as a host looks at them: the dark strips along the top and
// left edges, the white ticks on them, and the numbers printed at the long ticks (matched against the
// digit shapes the pictures draw). Nothing here looks at the picture's window: what it returns is only
// what the picture shows, so a test can check that a point read off the rulers is the point meant.
import sharp from 'sharp';
import type { PlacedMark } from '../../../src/twin/pictures/set-of-marks.js';
import { ADVANCE, GLYPH_W, numberSvg, STROKE } from '../../../src/twin/pictures/digit-glyphs.js';

export interface ReadTick {
  /** Picture pixel (column on the top ruler, row on the left one) where the tick stands. */
  at: number;
  /** The image coordinate printed at it. */
  value: number;
}

export interface ReadRulers {
  top: ReadTick[];
  left: ReadTick[];
}

interface Grey {
  data: Uint8Array;
  width: number;
  height: number;
}

const BRIGHT = 170;

export async function readRulers(picture: Buffer): Promise<ReadRulers> {
  const { data, info } = await sharp(picture).greyscale().raw().toBuffer({ resolveWithObject: true });
  const g: Grey = { data: new Uint8Array(data), width: info.width, height: info.height };
  const at = (x: number, y: number) => g.data[y * g.width + x]!;
  // Strip depths: a strip darkens what lies under it to about a quarter, so its inner edge is where the
  // middle of the picture brightens most from one row (column) to the next, ticks and numbers left out.
  const edge = (n: number, across: number, cell: (i: number, j: number) => number) => {
    const mean = (i: number) => {
      let sum = 0;
      let k = 0;
      for (let j = Math.floor(across / 4); j < Math.floor((3 * across) / 4); j++) {
        const v = cell(i, j);
        if (v > BRIGHT) continue;
        sum += v;
        k++;
      }
      return k > 0 ? sum / k : 255;
    };
    let best = { i: 0, ratio: 0 };
    for (let i = 8; i < n / 4; i++) {
      const ratio = mean(i) / Math.max(4, mean(i - 1));
      if (ratio > best.ratio) best = { i, ratio };
    }
    return best.ratio > 1.8 ? best.i : 0;
  };
  const top = edge(g.height, g.width, (y, x) => at(x, y));
  const left = edge(g.width, g.height, (x, y) => at(x, y));
  if (top < 8 || left < 8) throw new Error(`no rulers found (top strip ${top} px, left strip ${left} px)`);

  // Ticks: bright runs along the strip's inner edge; the long ones carry numbers.
  const ticksAlong = (n: number, start: number, bright: (i: number) => boolean, length: (i: number) => number) => {
    const found: { at: number; len: number }[] = [];
    for (let i = start; i < n; i++) {
      if (!bright(i)) continue;
      let j = i;
      while (j + 1 < n && bright(j + 1)) j++;
      const c = Math.round((i + j) / 2);
      found.push({ at: (i + j) / 2, len: length(c) });
      i = j;
    }
    const longest = Math.max(...found.map((t) => t.len));
    return found.filter((t) => t.len >= longest * 0.8).map((t) => ({ at: t.at, len: t.len }));
  };
  const runUp = (x: number) => {
    let y = top - 1;
    while (y > 0 && at(x, y) > BRIGHT) y--;
    return top - 1 - y;
  };
  const runLeft = (y: number) => {
    let x = left - 1;
    while (x > 0 && at(x, y) > BRIGHT) x--;
    return left - 1 - x;
  };
  const topMajors = ticksAlong(g.width, left, (x) => at(x, top - 1) > BRIGHT, runUp);
  const leftMajors = ticksAlong(g.height, top, (y) => at(left - 1, y) > BRIGHT, runLeft);

  const topTicks: ReadTick[] = [];
  for (const t of topMajors) {
    // The number sits above the tick, centred on it: its bright pixels between row 0 and the tick's top.
    const box = brightBox(g, Math.max(0, Math.round(t.at - 60)), 0, Math.min(g.width, Math.round(t.at + 60)), top - t.len - 1);
    if (!box) continue;
    const value = await readNumber(g, box, (w) => t.at - w / 2);
    if (value !== undefined) topTicks.push({ at: t.at, value });
  }
  const leftTicks: ReadTick[] = [];
  for (const t of leftMajors) {
    // The number sits left of the tick, ending a few pixels before it, centred on its row.
    const box = brightBox(g, 0, Math.max(0, Math.round(t.at - 20)), left - t.len - 1, Math.min(g.height, Math.round(t.at + 20)));
    if (!box) continue;
    const value = await readNumber(g, box, (w) => left - t.len - 4 - w);
    if (value !== undefined) leftTicks.push({ at: t.at, value });
  }
  return { top: topTicks, left: leftTicks };
}

/** Image coordinate of picture pixel `p` by the two read ticks around it (or nearest), as a person interpolates. */
export function coordinateAt(ticks: ReadTick[], p: number): number {
  if (ticks.length < 2) throw new Error('fewer than two numbered ticks read');
  let i = ticks.findIndex((t) => t.at > p);
  if (i <= 0) i = i === 0 ? 1 : ticks.length - 1;
  const a = ticks[i - 1]!;
  const b = ticks[i]!;
  return a.value + ((p - a.at) * (b.value - a.value)) / (b.at - a.at);
}

/** Where a host clicks to mean the object whose id it reads: the leader's dot, or the middle of a label on its object. */
export function clickPoint(m: PlacedMark): [number, number] {
  return m.leader ? [m.leader.to[0], m.leader.to[1]] : [(m.box[0] + m.box[2]) / 2, (m.box[1] + m.box[3]) / 2];
}

type Box = [number, number, number, number];

/** The bounding box of bright pixels in [x1, x2) × [y1, y2), keeping to the connected cluster nearest the middle column. */
function brightBox(g: Grey, x1: number, y1: number, x2: number, y2: number): Box | undefined {
  let bx1 = Infinity;
  let by1 = Infinity;
  let bx2 = -1;
  let by2 = -1;
  const cols: boolean[] = [];
  for (let x = x1; x < x2; x++) {
    let any = false;
    for (let y = y1; y < y2; y++) if (g.data[y * g.width + x]! > BRIGHT) any = true;
    cols.push(any);
  }
  // Columns of the number around the middle: grow from the bright column nearest it while gaps stay small.
  const mid = Math.floor(cols.length / 2);
  let seed = -1;
  for (let d = 0; d < cols.length && seed < 0; d++) {
    if (cols[mid + d]) seed = mid + d;
    else if (cols[mid - d]) seed = mid - d;
  }
  if (seed < 0) return undefined;
  let lo = seed;
  let hi = seed;
  const gap = 4;
  while (lo - 1 >= 0 && cols.slice(Math.max(0, lo - gap), lo).some(Boolean)) lo--;
  while (hi + 1 < cols.length && cols.slice(hi + 1, hi + 1 + gap).some(Boolean)) hi++;
  for (let x = x1 + lo; x <= x1 + hi; x++) {
    for (let y = y1; y < y2; y++) {
      if (g.data[y * g.width + x]! <= BRIGHT) continue;
      bx1 = Math.min(bx1, x);
      bx2 = Math.max(bx2, x + 1);
      by1 = Math.min(by1, y);
      by2 = Math.max(by2, y + 1);
    }
  }
  return bx2 < 0 ? undefined : [bx1, by1, bx2, by2];
}

/**
 * The number whose digits, drawn as the pictures draw them, best match the bright pixels in `box`: the
 * digit height follows from the box's height, the count of digits from its width, each digit from the
 * shape that differs least from the pixels in its cell, at the placement (within a few pixels of where the
 * number should start) where the digits match best.
 */
async function readNumber(g: Grey, box: Box, startX: (width: number) => number): Promise<number | undefined> {
  const [x1, y1, x2, y2] = box;
  // Strokes reach STROKE/2 glyph units past the glyph box's rows 1..15.
  const unit = (y2 - y1) / (14 + STROKE);
  const count = Math.round(((x2 - x1) / unit - STROKE - GLYPH_W) / ADVANCE) + 1;
  if (count < 1 || count > 6) return undefined;
  const start = startX(((count - 1) * ADVANCE + GLYPH_W) * unit);
  const top = y1 - (1 - STROKE / 2) * unit;
  let best = { digits: '', diff: Infinity };
  // Half-pixel steps: the digits are a dozen pixels tall, so a pixel off is a tenth of a digit.
  for (let dy = -1; dy <= 1; dy += 0.5) {
    for (let dx = -3; dx <= 3; dx += 0.5) {
      let digits = '';
      let total = 0;
      for (let i = 0; i < count; i++) {
        const { d, diff } = await bestDigit(g, start + dx + i * ADVANCE * unit, top + dy, unit);
        digits += String(d);
        total += diff;
      }
      if (total < best.diff) best = { digits, diff: total };
    }
  }
  return Number(best.digits);
}

/** The digit whose shape, drawn with its glyph box's top-left at (x, y), differs least from the picture there. */
async function bestDigit(g: Grey, x: number, y: number, unit: number): Promise<{ d: number; diff: number }> {
  const pad = Math.ceil(2 * unit);
  const ox = Math.floor(x) - pad;
  const oy = Math.floor(y) - pad;
  const W = Math.ceil(GLYPH_W * unit) + 2 * pad + 1;
  const H = Math.ceil(16 * unit) + 2 * pad + 1;
  const margin = Math.round(1.5 * unit);
  let best = { d: -1, diff: Infinity };
  for (let d = 0; d <= 9; d++) {
    const t = await digitBitmap(d, pad + (x - Math.floor(x)), pad + (y - Math.floor(y)), unit, W, H);
    let diff = 0;
    for (let j = 0; j < H; j++) {
      const py = j + oy;
      for (let i = margin; i < W - margin; i++) {
        const px = i + ox;
        const seen = px >= 0 && py >= 0 && px < g.width && py < g.height ? g.data[py * g.width + px]! : 0;
        diff += Math.abs(seen - t[j * W + i]!);
      }
    }
    if (diff < best.diff) best = { d, diff };
  }
  return best;
}

const bitmaps = new Map<string, Promise<Buffer>>();

/** Digit `d` drawn white on black at (x, y) in a W×H bitmap, cached by its placement (to a tenth of a pixel). */
function digitBitmap(d: number, x: number, y: number, unit: number, W: number, H: number): Promise<Buffer> {
  const key = [d, x.toFixed(1), y.toFixed(1), unit.toFixed(2), W, H].join();
  let b = bitmaps.get(key);
  if (!b) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#000"/>${numberSvg(String(d), x, y, 16 * unit, '#fff')}</svg>`;
    b = sharp(Buffer.from(svg)).greyscale().raw().toBuffer();
    bitmaps.set(key, b);
  }
  return b;
}

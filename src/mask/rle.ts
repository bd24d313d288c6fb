// Binary masks as run-length encodings, the compact form every mask takes once it leaves the decoder.
// Layout follows COCO: pixels in column-major order (x outer, y inner), counts alternate
// background/foreground starting with background (so counts[0] may be 0). This keeps a mask at a
// few hundred bytes, makes COCO export a pure re-encoding, and lets area, bbox and set operations
// run on runs instead of pixels.

export interface Rle {
  readonly width: number;
  readonly height: number;
  /** Alternating run lengths, background first; sums to width*height. */
  readonly counts: Uint32Array;
}

/** [x1, y1, x2, y2] in pixels; x2/y2 are exclusive (x2 - x1 is the width). Empty mask: all 0. */
export type Box = [number, number, number, number];

/**
 * Encodes a row-major bitmap (any non-zero byte is foreground). `bounds`, when given, is a box known to
 * hold every foreground pixel: only its pixels are read, which makes small masks on big images cheap.
 */
export function rleFromBitmap(bits: ArrayLike<number>, width: number, height: number, bounds?: Box): Rle {
  const [x1, y1, x2, y2] = bounds ?? [0, 0, width, height];
  if (x2 <= x1 || y2 <= y1) return { width, height, counts: Uint32Array.of(width * height) };
  const runs: number[] = [];
  let current = 0; // value of the run being counted
  let run = x1 * height; // whole columns left of the box are background
  for (let x = x1; x < x2; x++) {
    // Rows above the box: background.
    if (y1 > 0) {
      if (current !== 0) {
        runs.push(run);
        run = 0;
        current = 0;
      }
      run += y1;
    }
    for (let i = y1 * width + x; i < y2 * width; i += width) {
      const v = bits[i] ? 1 : 0;
      if (v !== current) {
        runs.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
    // Rows below the box: background.
    if (y2 < height) {
      if (current !== 0) {
        runs.push(run);
        run = 0;
        current = 0;
      }
      run += height - y2;
    }
  }
  // Columns right of the box: background.
  if (x2 < width) {
    if (current !== 0) {
      runs.push(run);
      run = 0;
    }
    run += (width - x2) * height;
  }
  runs.push(run);
  return { width, height, counts: Uint32Array.from(runs) };
}

/** Decodes to a row-major bitmap of 0/1 bytes. */
export function rleToBitmap(rle: Rle): Uint8Array {
  return rlePaint(rle, new Uint8Array(rle.width * rle.height));
}

/** Sets the mask's pixels to `value` in a row-major bitmap of the mask's size (others unchanged); returns it. */
export function rlePaint<T extends Uint8Array | Int32Array>(rle: Rle, out: T, value = 1): T {
  const { width, height, counts } = rle;
  let pos = 0; // column-major position
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k]!;
    if (k % 2 === 1) {
      for (let p = pos; p < pos + n; p++) {
        const x = (p / height) | 0;
        const y = p - x * height;
        out[y * width + x] = value;
      }
    }
    pos += n;
  }
  return out;
}

export function rleArea(rle: Rle): number {
  let a = 0;
  for (let k = 1; k < rle.counts.length; k += 2) a += rle.counts[k]!;
  return a;
}

/** Tight bounding box, exclusive right/bottom edge. */
export function rleBbox(rle: Rle): Box {
  const { height, counts } = rle;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -1;
  let y2 = -1;
  let pos = 0;
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k]!;
    if (k % 2 === 1 && n > 0) {
      const start = pos;
      const end = pos + n - 1;
      const xs = (start / height) | 0;
      const xe = (end / height) | 0;
      x1 = Math.min(x1, xs);
      x2 = Math.max(x2, xe);
      if (xs === xe) {
        y1 = Math.min(y1, start - xs * height);
        y2 = Math.max(y2, end - xe * height);
      } else {
        // The run wraps over a column boundary, so it touches the top and the bottom row.
        y1 = 0;
        y2 = height - 1;
      }
    }
    pos += n;
  }
  if (x2 < 0) return [0, 0, 0, 0];
  return [x1, y1, x2 + 1, y2 + 1];
}

/**
 * Builds an Rle from (start, length) foreground spans at ascending column-major positions (x·height + y);
 * touching spans merge. Lets a producer that walks pixels column by column skip the bitmap.
 */
export function rleFromSpans(width: number, height: number, spans: readonly number[]): Rle {
  const out: number[] = [];
  let pos = 0;
  for (let i = 0; i < spans.length; i += 2) {
    const s = spans[i]!;
    const n = spans[i + 1]!;
    if (n <= 0) continue;
    const last = out.length;
    if (last > 0 && s === pos) {
      out[last - 1]! += n; // adjacent to the previous foreground run
    } else {
      out.push(s - pos, n);
    }
    pos = s + n;
  }
  out.push(width * height - pos);
  return { width, height, counts: Uint32Array.from(out) };
}

function spansOf(rle: Rle): number[] {
  const spans: number[] = [];
  let pos = 0;
  for (let k = 0; k < rle.counts.length; k++) {
    const n = rle.counts[k]!;
    if (k % 2 === 1 && n > 0) spans.push(pos, n);
    pos += n;
  }
  return spans;
}

function assertSameSize(a: Rle, b: Rle): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`mask sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
}

type BoolOp = (a: boolean, b: boolean) => boolean;

/** Pixelwise boolean combination by walking both run lists once. */
function combine(a: Rle, b: Rle, op: BoolOp): Rle {
  assertSameSize(a, b);
  const total = a.width * a.height;
  const spans: number[] = [];
  let ia = 0;
  let ib = 0;
  let leftA = a.counts[0] ?? total;
  let leftB = b.counts[0] ?? total;
  let pos = 0;
  while (pos < total) {
    while (leftA === 0 && ia < a.counts.length - 1) leftA = a.counts[++ia]!;
    while (leftB === 0 && ib < b.counts.length - 1) leftB = b.counts[++ib]!;
    const step = Math.min(leftA, leftB);
    if (step <= 0) break; // malformed counts; stop rather than loop forever
    if (op(ia % 2 === 1, ib % 2 === 1)) {
      const last = spans.length;
      if (last > 0 && spans[last - 2]! + spans[last - 1]! === pos) spans[last - 1]! += step;
      else spans.push(pos, step);
    }
    pos += step;
    leftA -= step;
    leftB -= step;
  }
  return rleFromSpans(a.width, a.height, spans);
}

export const rleUnion = (a: Rle, b: Rle): Rle => combine(a, b, (x, y) => x || y);
export const rleIntersection = (a: Rle, b: Rle): Rle => combine(a, b, (x, y) => x && y);
export const rleDifference = (a: Rle, b: Rle): Rle => combine(a, b, (x, y) => x && !y);

/** Foreground pixels shared by both masks, without building the intersection. */
export function rleIntersectionArea(a: Rle, b: Rle): number {
  assertSameSize(a, b);
  const sa = spansOf(a);
  const sb = spansOf(b);
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < sa.length && j < sb.length) {
    const aStart = sa[i]!;
    const aEnd = aStart + sa[i + 1]!;
    const bStart = sb[j]!;
    const bEnd = bStart + sb[j + 1]!;
    const lo = Math.max(aStart, bStart);
    const hi = Math.min(aEnd, bEnd);
    if (hi > lo) inter += hi - lo;
    if (aEnd <= bEnd) i += 2;
    else j += 2;
  }
  return inter;
}

export function rleIou(a: Rle, b: Rle): number {
  const inter = rleIntersectionArea(a, b);
  const union = rleArea(a) + rleArea(b) - inter;
  return union === 0 ? 0 : inter / union;
}

/** Whether pixel (x, y) is foreground. */
export function rleContains(rle: Rle, x: number, y: number): boolean {
  if (x < 0 || y < 0 || x >= rle.width || y >= rle.height) return false;
  const target = x * rle.height + y;
  let pos = 0;
  for (let k = 0; k < rle.counts.length; k++) {
    pos += rle.counts[k]!;
    if (target < pos) return k % 2 === 1;
  }
  return false;
}

/** Approximate heap size of an Rle, for byte-bounded caches. */
export function rleBytes(rle: Rle): number {
  return rle.counts.byteLength + 64;
}

// Masks from the decoder's low-res logits, as SAM post-processes them (Sam.postprocess_masks): bilinear to
// the encoder frame (1024), crop the unpadded input area, bilinear to the original size, both with
// align_corners=false. The two resizes are separable and linear, so each output pixel is a fixed blend of
// at most 4×4 low-res logits; per image we tabulate that blend per axis, and per mask we evaluate only
// the box where a logit can pass -offset (a blend of values at or below it stays at or below it). The
// stability score comes from the same values, and foreground runs go straight into an RLE.
import { rleFromSpans, type Box, type Rle } from '../../mask/rle.js';
import { resizedSize, SAM_TARGET_SIZE } from './sam-preprocess.js';
import { stabilityOf, stabilityTally, tallyLogit } from './stability.js';

/** SAM's low-res mask side (the decoder's [.., 256, 256] logits). */
export const LOW_RES_SIZE = 256;

/** For each output index along one axis: the 4 low-res indices it blends and their weights. */
interface AxisBlend {
  readonly index: Int32Array;
  readonly weight: Float64Array;
  /** Smallest and largest low-res index with a share in each output index. */
  readonly first: Int32Array;
  readonly last: Int32Array;
}

/** Everything per image that mapping a low-res logit map back to original pixels needs. */
export interface LowResUpsampler {
  readonly width: number;
  readonly height: number;
  /** Side of the low-res map. */
  readonly size: number;
  readonly xs: AxisBlend;
  readonly ys: AxisBlend;
  /**
   * How many low-res rows and columns (from the top left) any pixel of the image blends: beyond them lies
   * only the encoder frame's padding, which nothing here reads.
   */
  readonly reach: { rows: number; cols: number };
}

export interface LowResMask {
  rle: Rle;
  area: number;
  bbox: Box;
  /** SAM's stability score: IoU of the mask at logit > +offset with the mask at logit > -offset. */
  stability: number;
}

/** PyTorch's bilinear source index (align_corners=false): clamped below at 0, neighbour clamped at the end. */
function bilinearTap(dst: number, inSize: number, outSize: number): [number, number, number] {
  const src = Math.max(0, ((dst + 0.5) * inSize) / outSize - 0.5);
  const i0 = Math.min(Math.floor(src), inSize - 1);
  const i1 = Math.min(i0 + 1, inSize - 1);
  return [i0, i1, src - i0];
}

/** One axis: output (original pixels) ← input crop of the frame ← low-res map. */
function axisBlend(out: number, input: number, frame: number, size: number): AxisBlend {
  const index = new Int32Array(4 * out);
  const weight = new Float64Array(4 * out);
  const first = new Int32Array(out);
  const last = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const [u0, u1, a] = bilinearTap(o, input, out);
    const [l00, l01, b0] = bilinearTap(u0, size, frame);
    const [l10, l11, b1] = bilinearTap(u1, size, frame);
    index.set([l00, l01, l10, l11], 4 * o);
    weight.set([(1 - a) * (1 - b0), (1 - a) * b0, a * (1 - b1), a * b1], 4 * o);
    first[o] = l00;
    last[o] = l11;
  }
  return { index, weight, first, last };
}

export function lowResUpsampler(width: number, height: number, frame = SAM_TARGET_SIZE, size = LOW_RES_SIZE): LowResUpsampler {
  const input = resizedSize(width, height, frame);
  const xs = axisBlend(width, input.width, frame, size);
  const ys = axisBlend(height, input.height, frame, size);
  // `last` grows with the output index, so the final entry is the furthest.
  return { width, height, size, xs, ys, reach: { rows: ys.last[height - 1]! + 1, cols: xs.last[width - 1]! + 1 } };
}

/** Rows and columns within the upsampler's reach holding a value above `floor`, or undefined if none. */
function activeBounds(
  logits: Float32Array,
  up: LowResUpsampler,
  stride: number,
  floor: number,
): { r0: number; r1: number; c0: number; c1: number } | undefined {
  const { size } = up;
  const { rows, cols } = up.reach;
  let r0 = size;
  let r1 = -1;
  let c0 = size;
  let c1 = -1;
  for (let r = 0; r < rows; r++) {
    const row = r * stride;
    let first = 0;
    while (first < cols && !(logits[row + first]! > floor)) first++;
    if (first === cols) continue;
    if (r0 === size) r0 = r;
    r1 = r;
    if (first < c0) c0 = first;
    // Only what lies right of the widest row so far can move the right edge.
    let last = cols - 1;
    while (last > c1 && !(logits[row + last]! > floor)) last--;
    if (last > c1) c1 = last;
  }
  return r1 < 0 ? undefined : { r0, r1, c0, c1 };
}

/** Output indices [from, to) whose blend touches low-res indices lo..hi. */
function outputRange(axis: AxisBlend, lo: number, hi: number): [number, number] {
  const n = axis.first.length;
  let from = 0;
  while (from < n && axis.last[from]! < lo) from++;
  let to = n;
  while (to > from && axis.first[to - 1]! > hi) to--;
  return [from, to];
}

// Working arrays, reused from mask to mask (a mask's box needs hundreds of KB; allocating them anew each
// time cost as much as the arithmetic). Safe because nothing here awaits.
let colsScratch = new Float64Array(0);
let solidScratch = new Uint8Array(0);
let runEndScratch = new Int32Array(0);
const atLeast = <T extends Float64Array | Uint8Array | Int32Array>(a: T, n: number, make: (n: number) => T): T =>
  a.length >= n ? a : make(Math.max(n, 2 * a.length));

/** Low-res logits blended down the rows of the box: one column of values per low-res column in use. */
function blendRows(
  logits: Float32Array,
  up: LowResUpsampler,
  s: number,
  y0: number,
  y1: number,
  c0: number,
  c1: number,
  cols = new Float64Array((c1 - c0 + 1) * (y1 - y0)),
): Float64Array {
  const h = y1 - y0;
  const { index, weight } = up.ys;
  for (let y = y0; y < y1; y++) {
    const k = 4 * y;
    const [ra, rb, rc, rd] = [index[k]! * s, index[k + 1]! * s, index[k + 2]! * s, index[k + 3]! * s];
    const [wa, wb, wc, wd] = [weight[k]!, weight[k + 1]!, weight[k + 2]!, weight[k + 3]!];
    for (let c = c0; c <= c1; c++) {
      cols[(c - c0) * h + (y - y0)] = wa * logits[ra + c]! + wb * logits[rb + c]! + wc * logits[rc + c]! + wd * logits[rd + c]!;
    }
  }
  return cols;
}

/** Checks that a low-res map of rows of `stride` values covers the image's reach. */
function checkPlane(logits: Float32Array, up: LowResUpsampler, stride: number): void {
  const rows = logits.length / stride;
  if (!Number.isInteger(rows) || stride > up.size || rows > up.size || rows < up.reach.rows || stride < up.reach.cols) {
    throw new RangeError(
      `low-res logits hold ${logits.length} values in rows of ${stride}; the image needs ${up.reach.rows}x${up.reach.cols} of ${up.size}x${up.size}`,
    );
  }
}

/**
 * The mask (logit > 0) of one low-res logit map at the original size, with its stability score at
 * `stabilityOffset`, as SAM computes both on the upscaled logits. The map is the top-left part of the
 * size×size low-res frame, in rows of `stride` values (all of it by default; a cropped decode's rows are
 * shorter where the image is portrait), and must cover the image's reach.
 */
export function maskFromLowRes(logits: Float32Array, up: LowResUpsampler, stabilityOffset: number, stride = up.size): LowResMask {
  const { width, height } = up;
  const hi = Math.abs(stabilityOffset);
  const empty = (): LowResMask => ({ rle: rleFromSpans(width, height, []), area: 0, bbox: [0, 0, 0, 0], stability: 0 });
  checkPlane(logits, up, stride);
  const active = activeBounds(logits, up, stride, -hi);
  if (!active) return empty();
  const [x0, x1] = outputRange(up.xs, active.c0, active.c1);
  const [y0, y1] = outputRange(up.ys, active.r0, active.r1);
  if (x0 >= x1 || y0 >= y1) return empty();
  const c0 = up.xs.first[x0]!;
  const c1 = up.xs.last[x1 - 1]!;
  const h = y1 - y0;
  const n = (c1 - c0 + 1) * h;
  const cols = blendRows(logits, up, stride, y0, y1, c0, c1, (colsScratch = atLeast(colsScratch, n, (m) => new Float64Array(m))));
  // Each row-blended value settled: 2 where above +hi by a margin, 1 where below -hi by one, else 0. An output
  // pixel blends four of them with weights that sum to one, so where all four are settled alike it lies inside
  // (or outside) both stability thresholds and the mask; the margin keeps rounding in the blend from deciding.
  const margin = 1e-6 * (1 + hi);
  const solid = (solidScratch = atLeast(solidScratch, n, (m) => new Uint8Array(m)));
  for (let i = 0; i < n; i++) solid[i] = cols[i]! > hi + margin ? 2 : cols[i]! < -hi - margin ? 1 : 0;
  // Where each settled stretch of a column ends (exclusive, in rows of the box).
  const runEnd = (runEndScratch = atLeast(runEndScratch, n, (m) => new Int32Array(m)));
  for (let start = 0; start < n; start += h) {
    runEnd[start + h - 1] = h;
    for (let y = h - 2; y >= 0; y--) runEnd[start + y] = solid[start + y + 1] === solid[start + y] ? runEnd[start + y + 1]! : y + 1;
  }
  const spans: number[] = [];
  const tally = stabilityTally(stabilityOffset);
  let area = 0;
  const bbox: Box = [width, height, -1, -1];
  const { index, weight } = up.xs;
  for (let x = x0; x < x1; x++) {
    const k = 4 * x;
    const [pa, pb, pc, pd] = [(index[k]! - c0) * h, (index[k + 1]! - c0) * h, (index[k + 2]! - c0) * h, (index[k + 3]! - c0) * h];
    const [wa, wb, wc, wd] = [weight[k]!, weight[k + 1]!, weight[k + 2]!, weight[k + 3]!];
    let runStart = -1;
    let yy = 0;
    while (yy <= h) {
      // Where the four taps are all settled the same way, a stretch is decided without blending.
      let to = yy + 1;
      let inside: boolean;
      const s = yy < h ? solid[pa + yy]! : 0;
      if (s !== 0 && solid[pb + yy] === s && solid[pc + yy] === s && solid[pd + yy] === s) {
        to = Math.min(runEnd[pa + yy]!, runEnd[pb + yy]!, runEnd[pc + yy]!, runEnd[pd + yy]!);
        inside = s === 2;
        if (inside) {
          tally.union += to - yy;
          tally.inter += to - yy;
        }
      } else {
        const v = yy < h ? wa * cols[pa + yy]! + wb * cols[pb + yy]! + wc * cols[pc + yy]! + wd * cols[pd + yy]! : -Infinity;
        tallyLogit(tally, v);
        inside = v > 0;
      }
      if (inside) {
        if (runStart < 0) runStart = yy;
      } else if (runStart >= 0) {
        spans.push(x * height + y0 + runStart, yy - runStart);
        area += yy - runStart;
        bbox[0] = Math.min(bbox[0], x);
        bbox[2] = x + 1;
        bbox[1] = Math.min(bbox[1], y0 + runStart);
        bbox[3] = Math.max(bbox[3], y0 + yy);
        runStart = -1;
      }
      yy = to;
    }
  }
  if (area === 0) return { ...empty(), stability: stabilityOf(tally) };
  return { rle: rleFromSpans(width, height, spans), area, bbox, stability: stabilityOf(tally) };
}

/**
 * One low-res logit map upsampled to every original pixel, row-major [height, width], with the same blend as
 * maskFromLowRes: the full-size logits SAM's exported decoder returns, for callers that want them whole.
 */
export function logitsFromLowRes(logits: Float32Array, up: LowResUpsampler, stride = up.size): Float32Array {
  const { width, height } = up;
  checkPlane(logits, up, stride);
  const cols = blendRows(logits, up, stride, 0, height, 0, up.reach.cols - 1);
  const out = new Float32Array(width * height);
  const { index, weight } = up.xs;
  for (let x = 0; x < width; x++) {
    const k = 4 * x;
    const [pa, pb, pc, pd] = [index[k]! * height, index[k + 1]! * height, index[k + 2]! * height, index[k + 3]! * height];
    const [wa, wb, wc, wd] = [weight[k]!, weight[k + 1]!, weight[k + 2]!, weight[k + 3]!];
    for (let y = 0; y < height; y++) out[y * width + x] = wa * cols[pa + y]! + wb * cols[pb + y]! + wc * cols[pc + y]! + wd * cols[pd + y]!;
  }
  return out;
}

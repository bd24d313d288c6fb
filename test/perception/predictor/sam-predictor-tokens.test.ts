// Batched four-token decoding through onnxruntime with tiny generated models that have the structure of
// SAM's export: the four-token decoder, its cache and check, batches, and mask inputs.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxIou } from '../../../src/mask/boxes.js';
import type { Box } from '../../../src/mask/rle.js';
import { fourTokenPaths } from '../../../src/perception/predictor/four-token-file.js';
import { sha256File } from '../../../src/models/file-hash.js';
import { maskFromLowRes } from '../../../src/perception/sam/lowres-masks.js';
import { tokenLogits } from '../../../src/perception/sam/mask-tokens.js';
import { createSamPredictor, type LoadedSamPredictor, type SamPredictorOptions } from '../../../src/perception/predictor/sam-predictor.js';
import type { LoadedImage } from '../../../src/perception/contract.js';
import type { Embedding } from '../../../src/perception/sam/predictor-interface.js';
import { TINY_TOKEN_IOU, tinyDiscDecoder, tinyFourTokenDecoder, tinyNchwEncoder } from '../../helpers/tiny-onnx.js';

const W = 640;
const H = 480;
const SCALE = 1024 / W;
const image: LoadedImage = {
  hash: 'tiny-tokens',
  width: W,
  height: H,
  rgb: new Uint8Array(W * H * 3).fill(90),
  source: 'synthetic',
  format: 'raw',
};

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-tokens-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

function options(
  decoderPath: SamPredictorOptions['decoderPath'],
  extra: Partial<SamPredictorOptions> = {},
): SamPredictorOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    encoderPath: tinyNchwEncoder(),
    decoderPath,
    modelName: 'tiny',
    providers: ['cpu'],
    threads: 1,
    embeddingCacheBytes: 64 << 20,
    log: (l) => lines.push(l),
    lines,
    ...extra,
  };
}

/** A low-res mask_input that is +10 inside `box` (original pixels) and −10 elsewhere. */
function maskInputFor(box: Box): Float32Array {
  const m = new Float32Array(256 * 256).fill(-10);
  const [x1, y1, x2, y2] = box.map((v) => (v * SCALE) / 4);
  for (let y = Math.round(y1); y < Math.round(y2); y++) for (let x = Math.round(x1); x < Math.round(x2); x++) m[y * 256 + x] = 10;
  return m;
}

describe('four-token decoding on a tiny SAM-structured decoder', () => {
  let predictor: LoadedSamPredictor;
  let embedding: Embedding;
  beforeAll(async () => {
    predictor = await createSamPredictor(options(tinyFourTokenDecoder()));
    embedding = (await predictor.embed(image)).embedding;
  });
  afterAll(() => predictor.release());

  it('checks the variant when first asked for, on a picture drawn for the check, not the image at hand', async () => {
    expect(predictor.fourTokenStatus().state).toBe('pending');
    expect(await predictor.tokenDecoder(embedding)).toBeDefined();
    // The argmax of tokens 1-3 matched the original decoder's mask on the drawn picture.
    expect(predictor.fourTokenStatus()).toMatchObject({
      state: 'verified',
      verdict: { minIou: 1, image: 'a 640x480 picture drawn for the check' },
    });
  });

  it('returns all four tokens of every prompt in prompt order, mixed point counts in separate runs', async () => {
    const decoder = (await predictor.tokenDecoder(embedding))!;
    const xs = [10, 200, 35, 600, 420];
    const prompts = xs.map((x, i) => ({
      prompt: { points: [{ x, y: 50, label: 1 as const }, ...(i === 2 ? [{ x: 5, y: 5, label: 0 as const }] : [])] },
    }));
    const { masks, runs } = await decoder.decode(prompts);
    expect(runs).toBe(2); // one point + padding (4 prompts), and two points + padding (1 prompt)
    for (const [i, m] of masks.entries()) {
      expect(m.logits.length).toBe(4 * 256 * 256);
      for (let t = 0; t < 4; t++) expect(m.iou[t]).toBeCloseTo((xs[i]! * SCALE) / 1000 + TINY_TOKEN_IOU[t]!, 4);
    }
  });

  it('feeds each prompt its own mask input, unscaled, in the low-res frame; prompts without one get none', async () => {
    const decoder = (await predictor.tokenDecoder(embedding))!;
    const boxA: Box = [100, 80, 260, 200];
    const boxC: Box = [400, 300, 600, 460];
    const { masks, runs } = await decoder.decode([
      { prompt: { points: [{ x: 150, y: 150, label: 1 }] }, maskInput: maskInputFor(boxA) },
      { prompt: { points: [{ x: 300, y: 300, label: 1 }] } },
      { prompt: { points: [{ x: 500, y: 400, label: 1 }] }, maskInput: maskInputFor(boxC) },
    ]);
    expect(runs).toBe(2); // has_mask_input is one flag per run
    // Token 0 echoes the mask input: back in original pixels it must cover the box it was drawn from.
    const a = maskFromLowRes(tokenLogits(masks[0]!, 0), decoder.upsampler, 0);
    const c = maskFromLowRes(tokenLogits(masks[2]!, 0), decoder.upsampler, 0);
    expect(boxIou(a.bbox, boxA)).toBeGreaterThan(0.95);
    expect(boxIou(c.bbox, boxC)).toBeGreaterThan(0.95);
    expect(maskFromLowRes(tokenLogits(masks[1]!, 0), decoder.upsampler, 0).area).toBe(0);
  });

  it('refuses a mask input of the wrong size with a message that says what to pass', async () => {
    const decoder = (await predictor.tokenDecoder(embedding))!;
    await expect(
      decoder.decode([{ prompt: { points: [{ x: 1, y: 1, label: 1 }] }, maskInput: new Float32Array(64 * 64) }]),
    ).rejects.toThrow(/256x256 low-res logits/);
  });
});

describe('the four-token decoder on disk', () => {
  it('is cached under home/derived by the source hash, with its verdict, and rebuilt when damaged', async () => {
    const home = path.join(dir, 'home-cache');
    const source = path.join(dir, 'tiny-decoder.onnx');
    await fs.writeFile(source, tinyFourTokenDecoder());
    const paths = fourTokenPaths(home, await sha256File(source));

    const first = await createSamPredictor(options(source, { home }));
    await first.tokenDecoder((await first.embed(image)).embedding);
    await first.release();
    expect(first.fourTokenStatus()).toMatchObject({ state: 'verified', file: paths.model });
    expect(JSON.parse(await fs.readFile(paths.record, 'utf8')).verdict.state).toBe('verified');

    const again = await createSamPredictor(options(source, { home }));
    expect(again.fourTokenStatus().state).toBe('verified'); // remembered: no second check
    await again.release();

    const bytes = await fs.readFile(paths.model);
    bytes[bytes.length >> 1] ^= 0xff;
    await fs.writeFile(paths.model, bytes);
    const o = options(source, { home });
    const rebuilt = await createSamPredictor(o);
    expect(o.lines.join('\n')).toMatch(/derived four-token decoder .* is damaged \(SHA-256 .*\); rebuilding/);
    expect(rebuilt.fourTokenStatus().state).toBe('pending');
    expect(await rebuilt.tokenDecoder((await rebuilt.embed(image)).embedding)).toBeDefined();
    await rebuilt.release();
    expect(await sha256File(paths.model)).toBe(JSON.parse(await fs.readFile(paths.record, 'utf8')).derived.sha256);
  });

  it('refuses a variant that disagrees with its original, says why on stderr, and remembers it', async () => {
    const home = path.join(dir, 'home-refuse');
    const source = path.join(dir, 'tiny-disagreeing.onnx');
    await fs.writeFile(source, tinyFourTokenDecoder({ disagree: true }));
    const o = options(source, { home });
    const predictor = await createSamPredictor(o);
    expect(await predictor.tokenDecoder((await predictor.embed(image)).embedding)).toBeUndefined();
    await predictor.release();
    expect(predictor.fourTokenStatus()).toMatchObject({ state: 'refused', reason: expect.stringMatching(/IoU 0, below 0.99/) });
    expect(o.lines.join('\n')).toMatch(/four-token decoder refused: .*one mask per prompt/);
    const later = await createSamPredictor(options(source, { home }));
    expect(later.fourTokenStatus().state).toBe('refused');
    await later.release();
  });

  it('shares the image side between prompts where the graph allows it, and says so', async () => {
    const predictor = await createSamPredictor(options(tinyFourTokenDecoder({ imageCopy: 'added' })));
    expect(predictor.fourTokenStatus().sharing).toEqual({ shared: true });
    expect(await predictor.tokenDecoder((await predictor.embed(image)).embedding)).toBeDefined();
    expect(predictor.fourTokenStatus()).toMatchObject({
      state: 'verified',
      verdict: { minIou: 1 },
      sharing: { shared: true },
      split: { split: true },
    });
    await predictor.release();
  });

  it('falls back to the graph as exported (image side copied per prompt) when the rewritten one fails its check, now and later', async () => {
    const home = path.join(dir, 'home-copying');
    const source = path.join(dir, 'tiny-counting-copies.onnx');
    await fs.writeFile(source, tinyFourTokenDecoder({ imageCopy: 'counted' }));
    for (const round of ['first start', 'next start']) {
      const o = options(source, { home });
      const predictor = await createSamPredictor(o);
      const decoder = await predictor.tokenDecoder((await predictor.embed(image)).embedding);
      expect(decoder, round).toBeDefined();
      expect(predictor.fourTokenStatus(), round).toMatchObject({
        state: 'verified',
        sharing: { shared: false, reason: expect.stringMatching(/rewritten graph refused/) },
        split: { split: false, reason: 'the fallback graph runs whole' },
      });
      expect(o.lines.join('\n'), round).toMatch(/rewritten four-token decoder refused .*trying it as exported, without the speed-ups/);
      expect(o.lines.join('\n'), round).not.toMatch(/one mask per prompt/);
      // The copying graph's masks are the original decoder's: tokens 1-3 all cover the picture.
      const { masks } = await decoder!.decode([
        { prompt: { points: [{ x: 100, y: 100, label: 1 }] } },
        { prompt: { points: [{ x: 300, y: 200, label: 1 }] } },
      ]);
      expect(masks.map((m) => maskFromLowRes(tokenLogits(m, 3), decoder!.upsampler, 0).area)).toEqual([W * H, W * H]);
      await predictor.release();
    }
  });

  it('keeps single-mask mode, with the reason, for a decoder without the token selection', async () => {
    const o = options(tinyDiscDecoder());
    const predictor = await createSamPredictor(o);
    expect(predictor.fourTokenStatus()).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/token-selecting Gather/) });
    expect(await predictor.tokenDecoder((await predictor.embed(image)).embedding)).toBeUndefined();
    expect(o.lines.join('\n')).toMatch(/four-token decoder unavailable/);
    await predictor.release();
  });
});

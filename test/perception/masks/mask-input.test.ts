// Refinement feeds the previous mask back to SAM's decoder as mask_input. The tiny four-token decoder
// echoes mask_input (plus a per-token offset) as its logits, so what comes out shows whether the mask
// went in at the right scale and place: on a non-square picture, where a wrong scale or a forgotten
// padding would move or stretch it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rleFromBitmap, rleIou, type Box, type Rle } from '../../../src/mask/rle.js';
import { MASK_INPUT_MAGNITUDE, maskInputFromMask } from '../../../src/perception/masks/mask-input.js';
import { createSegmenter, type LoadedSegmenter } from '../../../src/perception/segmenter.js';
import type { LoadedImage } from '../../../src/perception/contract.js';
import { tinyFourTokenDecoder, tinyNchwEncoder } from '../../helpers/tiny-onnx.js';

const W = 640;
const H = 480;
const image: LoadedImage = {
  hash: 'tiny-mask-input',
  width: W,
  height: H,
  rgb: new Uint8Array(W * H * 3).fill(90),
  source: 'synthetic',
  format: 'raw',
};

function rectMask([x1, y1, x2, y2]: Box): Rle {
  const bits = new Uint8Array(W * H);
  for (let y = y1; y < y2; y++) bits.fill(1, y * W + x1, y * W + x2);
  return rleFromBitmap(bits, W, H);
}

describe('maskInputFromMask', () => {
  it('places the mask in the padded 1024 frame at a quarter scale, and marks the padding as outside', () => {
    const box: Box = [100, 50, 300, 200];
    const input = maskInputFromMask(rectMask(box));
    expect(input).toHaveLength(256 * 256);
    // 640 px → 1024: 1.6×, then ¼ → 0.4 cells per pixel; the picture fills rows 0..191, the rest is padding.
    const inside = (u: number, v: number) => u >= 40 && u < 120 && v >= 20 && v < 80;
    let wrong = 0;
    for (let v = 0; v < 256; v++) {
      for (let u = 0; u < 256; u++) {
        const want = inside(u, v) ? MASK_INPUT_MAGNITUDE : -MASK_INPUT_MAGNITUDE;
        if (input[v * 256 + u] !== want) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(input.slice(192 * 256).every((x) => x === -MASK_INPUT_MAGNITUDE)).toBe(true);
  });
});

describe('refine passes the mask to the decoder as mask_input', () => {
  let segmenter: LoadedSegmenter;
  beforeAll(async () => {
    segmenter = await createSegmenter({
      encoderPath: tinyNchwEncoder(),
      decoderPath: tinyFourTokenDecoder(),
      modelName: 'tiny',
      providers: ['cpu'],
      threads: 1,
      embeddingCacheBytes: 64 << 20,
      log: () => undefined,
      prompted: { minMaskRegionArea: 0, stabilityScoreOffset: 1 },
    });
  });
  afterAll(() => segmenter.release());

  it.each([[[100, 50, 300, 200] as Box], [[400, 300, 620, 470] as Box]])(
    'gives back the mask %j it was given (the decoder echoes it)',
    async (box) => {
      const mask = rectMask(box);
      const result = await segmenter.refine(image, { history: [], mask, prompt: { points: [{ x: box[0] + 5, y: box[1] + 5, label: 1 }] } });
      // Low-res cells are 2.5 px here, so edges may move by a pixel or two; a misplaced or misscaled input would not come close.
      expect(rleIou(result.best.rle, mask)).toBeGreaterThan(0.95);
    },
  );

  it("keeps the whole-object token when it honours every click, and SAM's own (token 0) when none does", async () => {
    const mask = rectMask([100, 50, 300, 200]);
    const honoured = await segmenter.refine(image, {
      history: [],
      mask,
      prompt: {
        points: [
          { x: 150, y: 100, label: 1 },
          { x: 400, y: 300, label: 0 },
        ],
      },
    });
    expect(honoured.best.token).toBe(3);
    expect(honoured.alternatives.every((a) => a.token !== 3)).toBe(true);
    // A negative inside the rectangle: every token echoes the same rectangle, so none honours it.
    const refused = await segmenter.refine(image, {
      history: [],
      mask,
      prompt: {
        points: [
          { x: 150, y: 100, label: 1 },
          { x: 200, y: 120, label: 0 },
        ],
      },
    });
    expect(refused.best.token).toBe(0);
  });

  it('without a mask or history it sends none (has_mask_input 0), so the echo is empty for token 0', async () => {
    const result = await segmenter.refine(image, { history: [], prompt: { points: [{ x: 10, y: 10, label: 1 }] }, token: 0 });
    expect(result.best.area).toBe(0);
  });
});

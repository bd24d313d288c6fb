// Rewrites SAM's mask head as per-token matrix products. The head upsamples the transformer's image tokens
// 4× with two transposed convolutions of kernel 2 and stride 2 (a channel LayerNorm and GELUs between),
// then takes each mask token's dot product with the 32-channel map. With kernel = stride, each image token
// alone decides its 4×4 output pixels, so the head is a small MLP per token: two MatMuls on the [B, HW, C]
// tokens, the norm and activations on a channel-last axis, the token product, and one transpose that puts
// the [B, HW·16, T] logits into [B, T, 4H, 4W] (H, W: the token rows and columns MASK_EXTENT asks for).
// onnxruntime's CPU ConvTranspose runs far below its MatMul speed (the second one at a quarter of it), so the
// MatMuls are faster, with logits within 1e-4 of the original's. Found by structure, never by name:
//   logits = Reshape(MatMul(hyper, Reshape(U)))   U = chain(ConvT(chain(ConvT(Reshape(Transpose(S))))))
// where each chain holds only elementwise ops and channel means, with constants that are scalars or one
// value per channel. Anything else leaves the graph as it was, with the reason.
import onnxProto from 'onnx-proto';
import {
  constantTensors,
  dimsOf,
  floats,
  GraphBuilder,
  intAttribute,
  intsAttribute,
  intValues,
  producers,
  type Graph,
  type Node,
  type Tensor,
} from './onnx-graph-kit.js';

const { onnx } = onnxProto;

/**
 * The rewritten head's extra input: int64 [rows, cols], how many rows and columns of image tokens (from the
 * top left) to upscale; the logits come out [B, T, 4·rows, 4·cols]. The head is per token, so this drops the
 * encoder frame's padding exactly (a 16:9 photo fills 37 of 64 token rows). Values past the grid are clamped.
 */
export const MASK_EXTENT = 'mask_extent';

/** What the derivation records: rewritten, or why not. */
export type UpscalingSummary = { rewritten: true } | { rewritten: false; reason: string };

/** Ops a chain between the convolutions may hold: they act on each value, or (ReduceMean) across channels. */
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Erf', 'Relu', 'Sigmoid', 'Tanh', 'Gelu', 'Identity']);
const PREFIX = 'twinseg_up_';

interface Head {
  final: Node;
  hyper: string;
  /** [B, HW, C] image tokens out of the transformer. */
  tokens: string;
  /** The [b, c, h, w] shape the export views the tokens with; h and w are read from it. */
  spatialShape: string;
  convs: [Node, Node];
  chains: [Node[], Node[]];
  /** The chain's output that feeds the token product. */
  upscaled: string;
}

/** Rewrites `graph` in place when the head is found as described above; otherwise leaves it untouched. */
export function rewriteUpscaling(graph: Graph, logitsName: string): UpscalingSummary {
  const consts = constantTensors(graph);
  const found = findHead(graph, logitsName, consts);
  if ('reason' in found) return { rewritten: false, reason: found.reason };
  const b = new GraphBuilder(PREFIX);
  const built = build(found, consts, graph, b);
  if (built) return { rewritten: false, reason: built.reason };
  b.splice(graph, found.final);
  graph.input = [...(graph.input ?? []), extentInput()];
  return { rewritten: true };
}

function findHead(graph: Graph, logitsName: string, consts: Map<string, Tensor>): Head | { reason: string } {
  const from = producers(graph);
  const final = from.get(logitsName);
  const product = final?.opType === 'Reshape' ? from.get(final.input?.[0] ?? '') : undefined;
  const flat = product?.opType === 'MatMul' ? from.get(product.input?.[1] ?? '') : undefined;
  if (!final || !product || flat?.opType !== 'Reshape')
    return { reason: 'the logits are not Reshape(MatMul(tokens, Reshape(upscaled map)))' };
  const second = chainBack(from, flat.input![0]!, consts);
  if ('reason' in second) return second;
  const first = chainBack(from, second.conv.input![0]!, consts);
  if ('reason' in first) return first;
  const view = from.get(first.conv.input![0]!);
  const transpose = view?.opType === 'Reshape' ? from.get(view.input?.[0] ?? '') : undefined;
  const perm = transpose?.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number);
  if (transpose?.opType !== 'Transpose' || perm?.join() !== '0,2,1')
    return { reason: 'the first ConvTranspose does not read the transformer tokens viewed as [b, c, h, w]' };
  for (const conv of [first.conv, second.conv]) {
    const why = unsupportedConv(conv, consts);
    if (why) return { reason: `ConvTranspose ${conv.name ?? ''}: ${why}` };
  }
  return {
    final,
    hyper: product.input![0]!,
    tokens: transpose.input![0]!,
    spatialShape: view!.input![1]!,
    convs: [first.conv, second.conv],
    chains: [first.chain, second.chain],
    upscaled: flat.input![0]!,
  };
}

/** The ConvTranspose a chain of channel-wise ops starts from, and the chain in graph order. */
function chainBack(from: Map<string, Node>, end: string, consts: Map<string, Tensor>): { conv: Node; chain: Node[] } | { reason: string } {
  const chain = new Set<Node>();
  const convs = new Set<Node>();
  const stack = [end];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const n = from.get(name);
    if (n?.opType === 'ConvTranspose') {
      convs.add(n);
      continue;
    }
    if (!n || !(ELEMENTWISE.has(n.opType ?? '') || isChannelMean(n, consts))) {
      return { reason: `the upscaling reads ${n ? `${n.opType} ${n.name ?? ''}` : name}, which is not a channel-wise op` };
    }
    chain.add(n);
    for (const [j, i] of (n.input ?? []).entries()) {
      if (!i || (n.opType === 'ReduceMean' && j === 1)) continue; // its axes, checked by isChannelMean
      if (consts.has(i)) {
        if (channelValues(consts.get(i)!) === undefined)
          return { reason: `${n.opType} ${n.name ?? ''} takes a constant that is neither a scalar nor one value per channel` };
      } else stack.push(i);
    }
  }
  if (convs.size !== 1) return { reason: `found ${convs.size} ConvTranspose nodes where the upscaling has one per step` };
  return { conv: [...convs][0]!, chain: [...chain] };
}

/** A ReduceMean over axis 1 (the channels of [b, c, h, w]) that keeps the axis. */
function isChannelMean(n: Node, consts: Map<string, Tensor>): boolean {
  if (n.opType !== 'ReduceMean') return false;
  const keep = n.attribute?.find((a) => a.name === 'keepdims');
  if (keep && Number(keep.i) !== 1) return false;
  const attr = n.attribute?.find((a) => a.name === 'axes')?.ints?.map(Number);
  const axes = attr ?? (n.input?.[1] ? intValues(consts.get(n.input[1])) : undefined);
  return axes?.length === 1 && (axes[0] === 1 || axes[0] === -3);
}

function unsupportedConv(conv: Node, consts: Map<string, Tensor>): string | undefined {
  const ints = (name: string) => conv.attribute?.find((a) => a.name === name)?.ints?.map(Number);
  const int = (name: string) => conv.attribute?.find((a) => a.name === name)?.i;
  const w = consts.get(conv.input?.[1] ?? '');
  const dims = w?.dims?.map(Number);
  if (!w || dims?.length !== 4 || dims[2] !== 2 || dims[3] !== 2) return 'its weight is not a constant 2×2 kernel';
  if (floats(w) === undefined) return 'its weight is not float32';
  if (conv.input?.[2] && (!consts.has(conv.input[2]) || floats(consts.get(conv.input[2])!)?.length !== dims[1]))
    return 'its bias is not a constant per channel';
  if (ints('strides')?.join() !== '2,2') return 'its stride is not 2';
  if ((ints('pads') ?? [0]).some((p) => p !== 0) || (ints('output_padding') ?? [0]).some((p) => p !== 0)) return 'it pads';
  if ((ints('dilations') ?? [1]).some((d) => d !== 1) || Number(int('group') ?? 1) !== 1) return 'it is dilated or grouped';
  if (
    ints('output_shape') ||
    conv.attribute?.some((a) => a.name === 'auto_pad' && a.s?.length && new TextDecoder().decode(a.s) !== 'NOTSET')
  )
    return 'it sets its output shape';
  return undefined;
}

/** Adds the rewritten head to `b`; returns why not where the chains cannot be moved channel-last. */
function build(h: Head, consts: Map<string, Tensor>, graph: Graph, b: GraphBuilder): { reason: string } | undefined {
  const name = (s: string) => b.name(s);
  const perm = (p: number[]) => [intsAttribute('perm', p)];
  const axis0 = () => [intAttribute('axis', 0)];

  // conv k: [B, ..., Cin] × [Cin, 4·Cout] (columns: sub-pixel (row, col), then channel), viewed as
  // [B, ..., 4, Cout], plus the bias per channel (last, so that onnxruntime fuses it into a following GELU).
  const convAsMatMul = (k: number, input: string, leading: number[]): string => {
    const conv = h.convs[k]!;
    const w = floats(consts.get(conv.input![1]!)!)!;
    const [cin, cout] = dimsOf(consts.get(conv.input![1]!)!) as [number, number];
    const wm = new Float32Array(cin * 4 * cout);
    for (let i = 0; i < cin; i++)
      for (let o = 0; o < cout; o++) for (let s = 0; s < 4; s++) wm[i * 4 * cout + s * cout + o] = w[(i * cout + o) * 4 + s]!;
    const mm = b.op('MatMul', [input, b.f32(`w${k}`, wm, [cin, 4 * cout])], name(`mm${k}`));
    const split = b.op('Reshape', [mm, b.i64(`shape${k}`, [...leading, 4, cout])], name(`split${k}`));
    if (!conv.input![2]) return split;
    return b.op('Add', [split, b.f32(`b${k}`, floats(consts.get(conv.input![2])!)!, [cout])], name(`conv${k}`));
  };

  // The chain again, channel-last: per-channel constants become [C], channel means reduce the last axis.
  const transplant = (k: number, input: string): string | { reason: string } => {
    const renamed = new Map<string, string>([[h.convs[k]!.output![0]!, input]]);
    const order = graph.node!.filter((n) => h.chains[k]!.includes(n));
    for (const n of order) {
      const inputs: string[] = [];
      for (const [j, i] of (n.input ?? []).entries()) {
        if (renamed.has(i)) inputs.push(renamed.get(i)!);
        else if (n.opType === 'ReduceMean' && j === 1) inputs.push(b.i64(`axes_${inputs.length}_${n.output![0]}`, [-1]));
        else if (consts.has(i)) {
          const v = channelValues(consts.get(i)!)!;
          inputs.push(v.length === 1 ? i : b.f32(`c_${n.output![0]}_${j}`, v, [v.length]));
        } else return { reason: `${n.opType} ${n.name ?? ''} reads ${i} from outside the upscaling` };
      }
      const attribute = (n.attribute ?? []).map((a) => (a.name === 'axes' ? intsAttribute('axes', [-1]) : a));
      renamed.set(n.output![0]!, b.op(n.opType!, inputs, name(`${k}_${n.output![0]}`), attribute, n.domain));
    }
    const end = k === 0 ? h.convs[1]!.input![0]! : h.upscaled;
    return renamed.get(end) ?? { reason: 'the chain does not reach the next step' };
  };

  const c0 = dimsOf(consts.get(h.convs[0]!.input![1]!)!)[0]!;
  const c2 = dimsOf(consts.get(h.convs[1]!.input![1]!)!)[1]!;
  // Only the token rows and columns MASK_EXTENT asks for: [B, HW, C] viewed as [B, H, W, C], sliced, flat again.
  const hw = b.op('Slice', [h.spatialShape, b.i64('two', [2]), b.i64('four', [4]), b.i64('axis0', [0])], name('hw'));
  const gridShape = b.op('Concat', [b.i64('keep_batch', [0]), hw, b.i64('channels_in', [c0])], name('grid_shape'), axis0());
  const grid = b.op('Reshape', [h.tokens, gridShape], name('grid'));
  const cropped = b.op('Slice', [grid, b.i64('origin', [0, 0]), MASK_EXTENT, b.i64('grid_axes', [1, 2])], name('cropped'));
  const kept = b.op('Reshape', [cropped, b.i64('flat_shape', [0, -1, c0])], name('kept')); // [B, hw, C]
  const extent = b.op(
    'Slice',
    [b.op('Shape', [cropped], name('cropped_shape')), b.i64('one', [1]), b.i64('three', [3]), b.i64('axis0_e', [0])],
    name('extent'),
  );
  const up1 = convAsMatMul(0, kept, [0, 0]); // [B, hw, 4, C1]
  const act1 = transplant(0, up1);
  if (typeof act1 !== 'string') return act1;
  const up2 = convAsMatMul(1, act1, [0, 0, 4]); // [B, hw, 4, 4, C2]
  const act2 = transplant(1, up2);
  if (typeof act2 !== 'string') return act2;
  const pixels = b.op('Reshape', [act2, b.i64('pixels', [0, -1, c2])], name('pixels')); // [B, HW·16, C2]
  const tokensT = b.op('Transpose', [h.hyper], name('hyper_t'), perm([0, 2, 1])); // [B, C2, T]
  const products = b.op('MatMul', [pixels, tokensT], name('products')); // [B, HW·16, T]
  // Pixels in place, in two transposes (one 8-D one runs ~40% slower): [B, HW·16, T] → [B, T, H·W·16], then
  // each row i of tokens [.., W, 2, 2, 2, 2] (column j, sub-pixel rows a, columns b of step 1, c, d of step 2)
  // → [.., 2, 2, W, 2, 2] (a, c, j, b, d): the pixels of rows 4i..4i+3 in order. Sizes come from the graph.
  const byToken = b.op('Transpose', [products], name('by_token'), perm([0, 2, 1]));
  const w = b.op('Slice', [extent, b.i64('one_w', [1]), b.i64('two_w', [2]), b.i64('axis0_w', [0])], name('w'));
  const rowShape = b.op('Concat', [b.i64('rows', [-1]), w, b.i64('subpixels', [2, 2, 2, 2])], name('row_shape'), axis0());
  const rows = b.op('Reshape', [byToken, rowShape], name('rows'));
  const ordered = b.op('Transpose', [rows], name('ordered'), perm([0, 2, 4, 1, 3, 5]));
  const bt = b.op(
    'Slice',
    [b.op('Shape', [h.hyper], name('hyper_shape')), b.i64('zero', [0]), b.i64('two_end', [2]), b.i64('axis0_bt', [0])],
    name('batch_tokens'),
  );
  const side = b.op('Mul', [extent, b.i64('four_each', [4])], name('side'));
  const target = b.op('Concat', [bt, side], name('target'), axis0());
  b.op('Reshape', [ordered, target], h.final.output![0]!);
  return undefined;
}

function extentInput(): onnxProto.onnx.IValueInfoProto {
  const shape = onnx.TensorShapeProto.create({ dim: [onnx.TensorShapeProto.Dimension.create({ dimValue: 2 })] });
  return onnx.ValueInfoProto.create({
    name: MASK_EXTENT,
    type: onnx.TypeProto.create({ tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape } }),
  });
}

/** A float constant's values when it is a scalar or holds one value per channel of [b, c, h, w] ([c,1,1] or [1,c,1,1]). */
function channelValues(t: Tensor): Float32Array | undefined {
  const v = floats(t);
  if (!v) return undefined;
  const dims = dimsOf(t);
  if (v.length === 1) return v;
  const tail = dims.length === 4 && dims[0] === 1 ? dims.slice(1) : dims;
  return tail.length === 3 && tail[1] === 1 && tail[2] === 1 ? v : undefined;
}

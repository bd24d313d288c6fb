// Lets a batch of prompts share the work that depends only on the image. SAM's decoder copies the image
// embedding and its positional encoding once per prompt (repeat_interleave, exported as a Tile whose
// repeat count comes from the prompt batch) before the two-way transformer. Until the first
// image-to-token attention adds per-prompt values, every copy is the same, so the first layer's image
// projections ran once per prompt for nothing. With the Tiles' repeats set to one, those tensors keep a
// batch of one and broadcasting joins them to the prompts where they meet (18–25% off a batch of 4–12
// on 2 CPU cores; outputs bit-identical). Found by structure, never by name:
// - a Tile whose data does not depend on the prompt inputs and whose repeats do;
// - a Reshape of per-prompt data whose leading dimension is read from an image-side tensor's shape
//   (SAM: the transformer output viewed as [b, c, h, w] with b from the embedding): that dimension
//   becomes -1. Any other use of an image-side shape on per-prompt data leaves the graph as it was.
// mask_input gets its own batch axis: one zero mask serves a run without mask inputs.
import onnxProto from 'onnx-proto';
import { dependencyTest, producers } from './onnx-graph-kit.js';

const { onnx } = onnxProto;
type Graph = onnxProto.onnx.IGraphProto;
type Node = onnxProto.onnx.INodeProto;

/** The symbolic batch of mask_input after sharing: 1 for runs without mask inputs, else the prompts. */
export const MASK_BATCH_DIM = 'mask_batch';
const PROMPT_INPUTS = ['point_coords', 'point_labels'];
/** Ops that read a tensor's shape rather than its values. */
const SHAPE_READERS = new Set(['Shape', 'Size']);

/** What the derivation records: shared, or why not. */
export type SharingSummary = { shared: true } | { shared: false; reason: string };

export type SharingResult = { shared: true; tiles: number; reshapes: number } | { shared: false; reason: string };

/** Rewrites `graph` in place when every rule above applies; otherwise leaves it untouched. */
export function shareImageSide(graph: Graph): SharingResult {
  const nodes = graph.node ?? [];
  const from = producers(graph);
  const promptRoots = new Set(PROMPT_INPUTS);
  const before = dependencyTest(from, promptRoots);
  const tiles = nodes.filter((n) => n.opType === 'Tile' && n.input?.length === 2 && !before(n.input[0]!) && before(n.input[1]!));
  if (tiles.length === 0) return { shared: false, reason: 'no Tile copies the image embedding per prompt' };
  // Per prompt once the Tiles no longer read the prompt count.
  const perPrompt = dependencyTest(from, promptRoots, new Set(tiles));
  // Tensors whose leading dimension shrinks to 1: downstream of a copied Tile, and still image-side.
  const shrunk = dependencyTest(from, new Set(tiles.map((t) => t.output![0]!)));
  const imageSide = (name: string) => shrunk(name) && !perPrompt(name);

  const fixes: Node[] = [];
  for (const n of nodes) {
    if (!(n.input ?? []).some((i) => i && perPrompt(i))) continue;
    if (n.opType === 'Concat' && (n.input ?? []).some((i) => i && imageSide(i))) {
      return { shared: false, reason: `Concat ${n.name ?? ''} joins image-side and per-prompt tensors` };
    }
    const readsImageShape = shapeInputs(n).some((i) => shapeSources(from, i).some(imageSide));
    if (!readsImageShape) continue;
    if (n.opType === 'Reshape' && leadingFromShape(from, n, imageSide)) fixes.push(n);
    else return { shared: false, reason: `${n.opType} ${n.name ?? ''} shapes per-prompt data from the image side` };
  }

  const minusOne = 'twinseg_minus_one';
  for (const r of fixes) from.get(r.input![1]!)!.input![0] = minusOne;
  const added: Node[] = [constInt64(minusOne, [-1])];
  const rewritten: Node[] = [];
  tiles.forEach((t, i) => {
    const shape = `twinseg_tile_${i}_rank`;
    const ones = `twinseg_tile_${i}_ones`;
    rewritten.push(
      onnx.NodeProto.create({ opType: 'Shape', name: shape, input: [t.input![1]!], output: [shape] }),
      onnx.NodeProto.create({
        opType: 'ConstantOfShape',
        name: ones,
        input: [shape],
        output: [ones],
        attribute: [onnx.AttributeProto.create({ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: int64Tensor([1]) })],
      }),
    );
    t.input![1] = ones;
  });
  // Topological order: each Tile's ones come just before it (they read its repeats); the -1 goes first.
  const beforeEach = new Map(tiles.map((t, i) => [t, rewritten.slice(2 * i, 2 * i + 2)]));
  graph.node = [...added, ...nodes.flatMap((n) => [...(beforeEach.get(n) ?? []), n])];
  for (const v of graph.input ?? []) {
    const dims = v.name === 'mask_input' ? v.type?.tensorType?.shape?.dim : undefined;
    if (dims?.length) dims[0] = onnx.TensorShapeProto.Dimension.create({ dimParam: MASK_BATCH_DIM });
  }
  return { shared: true, tiles: tiles.length, reshapes: fixes.length };
}

/** Inputs that give a node's output shape rather than its values (ONNX operator definitions). */
export const SHAPE_INPUTS: Record<string, number[]> = {
  Reshape: [1],
  Expand: [1],
  Tile: [1],
  ConstantOfShape: [0],
  Slice: [1, 2, 3, 4],
  Pad: [1],
  Resize: [2, 3],
  Unsqueeze: [1],
  Squeeze: [1],
  Split: [1],
  Range: [0, 1, 2],
  OneHot: [1],
  TopK: [1],
};
/** Integer shape arithmetic a shape passes through on its way to a shape input. */
const SHAPE_ARITHMETIC = new Set([
  'Concat',
  'Unsqueeze',
  'Squeeze',
  'Gather',
  'Slice',
  'Cast',
  'Mul',
  'Div',
  'Add',
  'Sub',
  'Equal',
  'Where',
  'ConstantOfShape',
  'Reshape',
  'Expand',
  'Identity',
  'Max',
  'Min',
  'Range',
  'ReduceProd',
  'Neg',
  'Floor',
  'Ceil',
]);

function shapeInputs(n: Node): string[] {
  return (SHAPE_INPUTS[n.opType ?? ''] ?? []).map((k) => n.input?.[k] ?? '').filter(Boolean);
}

/** Tensors whose shape (read by a Shape op) flows into `name` through shape arithmetic. */
function shapeSources(from: Map<string, Node>, name: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (t: string) => {
    if (seen.has(t)) return;
    seen.add(t);
    const n = from.get(t);
    if (!n) return;
    if (SHAPE_READERS.has(n.opType ?? '')) out.push(n.input![0]!);
    else if (SHAPE_ARITHMETIC.has(n.opType ?? '')) for (const i of n.input ?? []) if (i) walk(i);
  };
  walk(name);
  return out;
}

/** True when the Reshape's target is Concat(Unsqueeze(Gather(Shape(image side), 0)), ...), with the rest not read from the image side. */
function leadingFromShape(from: Map<string, Node>, reshape: Node, imageSide: (n: string) => boolean): boolean {
  const concat = from.get(reshape.input?.[1] ?? '');
  if (concat?.opType !== 'Concat' || !concat.input?.length) return false;
  const unsq = from.get(concat.input[0]!);
  const gather = unsq?.opType === 'Unsqueeze' ? from.get(unsq.input?.[0] ?? '') : undefined;
  const shape = gather?.opType === 'Gather' ? from.get(gather.input?.[0] ?? '') : undefined;
  if (shape?.opType !== 'Shape' || !imageSide(shape.input?.[0] ?? '')) return false;
  if (!isZeroIndex(from, gather!)) return false;
  // The other dimensions may read the image side's channels and size (those do not shrink), but none may be -1 already.
  return concat.input.slice(1).every((i) => !hasNegativeConstant(from, i));
}

function isZeroIndex(from: Map<string, Node>, gather: Node): boolean {
  const values = constantValues(from, gather.input?.[1] ?? '');
  return values !== undefined && values.length === 1 && values[0] === 0;
}

function hasNegativeConstant(from: Map<string, Node>, name: string): boolean {
  return (constantValues(from, name) ?? []).some((v) => v < 0);
}

function constantValues(from: Map<string, Node>, name: string): number[] | undefined {
  const n = from.get(name);
  const t = n?.opType === 'Constant' ? n.attribute?.find((a) => a.name === 'value')?.t : undefined;
  if (!t) return undefined;
  if (t.int64Data?.length) return t.int64Data.map((v) => Number(v));
  if (t.rawData?.byteLength && t.dataType === onnx.TensorProto.DataType.INT64) {
    const raw = Uint8Array.from(t.rawData);
    return Array.from(new BigInt64Array(raw.buffer, 0, raw.byteLength / 8), Number);
  }
  return undefined;
}

function int64Tensor(values: number[]): onnxProto.onnx.ITensorProto {
  return onnx.TensorProto.create({ dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
}

function constInt64(name: string, values: number[]): Node {
  return onnx.NodeProto.create({
    opType: 'Constant',
    name,
    output: [name],
    attribute: [onnx.AttributeProto.create({ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: int64Tensor(values) })],
  });
}

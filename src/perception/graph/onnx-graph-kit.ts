// What the decoder-graph rewrites share: lookups over an onnx-proto graph (producers, consumers, constant
// values) and a builder for the nodes and initializers a rewrite adds, each name under one prefix.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type Graph = onnxProto.onnx.IGraphProto;
export type Node = onnxProto.onnx.INodeProto;
export type Tensor = onnxProto.onnx.ITensorProto;
type Attribute = onnxProto.onnx.IAttributeProto;

/** A decoder file as a model with a graph of nodes, or why not. */
export function readDecoderModel(
  source: Uint8Array,
): { model: onnxProto.onnx.ModelProto; graph: Graph & { node: Node[] } } | { reason: string } {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(source);
  } catch (e) {
    return { reason: `the decoder is not a readable ONNX model (${e instanceof Error ? e.message : String(e)})` };
  }
  const graph = model.graph;
  if (!graph?.node?.length) return { reason: 'the decoder model has no graph' };
  return { model, graph: graph as Graph & { node: Node[] } };
}

export function producers(graph: Graph): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const n of graph.node ?? []) for (const o of n.output ?? []) out.set(o, n);
  return out;
}

export function consumers(graph: Graph): Map<string, Node[]> {
  const out = new Map<string, Node[]>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) if (i) out.set(i, [...(out.get(i) ?? []), n]);
  return out;
}

/** A memoised "does this tensor depend on any of `roots`" over the graph's producers (of `onlyFirstInput`, only input 0 counts). */
export function dependencyTest(from: Map<string, Node>, roots: Set<string>, onlyFirstInput = new Set<Node>()): (name: string) => boolean {
  const memo = new Map<string, boolean>();
  const test = (name: string): boolean => {
    if (roots.has(name)) return true;
    const known = memo.get(name);
    if (known !== undefined) return known;
    memo.set(name, false); // cycles cannot occur in a valid graph; this only stops a bad one recursing
    const n = from.get(name);
    const inputs = n && onlyFirstInput.has(n) ? n.input!.slice(0, 1) : (n?.input ?? []);
    const result = inputs.some((i) => !!i && test(i));
    memo.set(name, result);
    return result;
  };
  return test;
}

const { DataType } = onnx.TensorProto;
const FIXED_TYPE: Record<string, number> = {
  Shape: DataType.INT64,
  Size: DataType.INT64,
  NonZero: DataType.INT64,
  ArgMax: DataType.INT64,
  ArgMin: DataType.INT64,
  Equal: DataType.BOOL,
  Less: DataType.BOOL,
  LessOrEqual: DataType.BOOL,
  Greater: DataType.BOOL,
  GreaterOrEqual: DataType.BOOL,
  Not: DataType.BOOL,
  And: DataType.BOOL,
  Or: DataType.BOOL,
  Xor: DataType.BOOL,
  IsNaN: DataType.BOOL,
  IsInf: DataType.BOOL,
};

/**
 * Element type of every tensor that a few rules settle (ONNX DataType numbers): graph inputs and constants as
 * declared, ops with a fixed or attribute-given output type, and otherwise the type of the op's first typed
 * data input (true of the elementwise, shape and linear-algebra ops SAM decoders use). Tensors that no rule
 * settles are left out.
 */
export function elementTypes(graph: Graph): Map<string, number> {
  const types = new Map<string, number>();
  for (const v of graph.input ?? []) if (v.name && v.type?.tensorType?.elemType) types.set(v.name, v.type.tensorType.elemType);
  for (const t of graph.initializer ?? []) if (t.name && t.dataType) types.set(t.name, t.dataType);
  for (const n of graph.node ?? []) {
    const attrType = (name: string) => n.attribute?.find((a) => a.name === name);
    let t: number | undefined;
    if (n.opType === 'Constant') t = attrType('value')?.t?.dataType ?? undefined;
    else if (n.opType === 'Cast') t = Number(attrType('to')?.i ?? 0) || undefined;
    else if (n.opType === 'ConstantOfShape') t = attrType('value')?.t?.dataType ?? DataType.FLOAT;
    else if (n.opType === 'Where') t = types.get(n.input?.[1] ?? '');
    else if (n.opType && n.opType in FIXED_TYPE && !n.domain) t = FIXED_TYPE[n.opType];
    else t = (n.input ?? []).map((i) => types.get(i)).find((x) => x !== undefined);
    if (t !== undefined) for (const o of n.output ?? []) types.set(o, t);
  }
  return types;
}

/** Initializers and Constant-node values by tensor name. */
export function constantTensors(graph: Graph): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const t of graph.initializer ?? []) if (t.name) out.set(t.name, t);
  for (const n of graph.node ?? []) {
    const t = n.opType === 'Constant' ? n.attribute?.find((a) => a.name === 'value')?.t : undefined;
    if (t && n.output?.[0]) out.set(n.output[0], t);
  }
  return out;
}

/** A float32 tensor's values; undefined for other types. */
export function floats(t: Tensor | undefined): Float32Array | undefined {
  if (!t || t.dataType !== onnx.TensorProto.DataType.FLOAT) return undefined;
  if (t.floatData?.length) return Float32Array.from(t.floatData);
  if (!t.rawData?.byteLength) return new Float32Array(0);
  return new Float32Array(Uint8Array.from(t.rawData).buffer);
}

/** An int64 tensor's values; undefined for other types. */
export function intValues(t: Tensor | undefined): number[] | undefined {
  if (!t || t.dataType !== onnx.TensorProto.DataType.INT64) return undefined;
  if (t.int64Data?.length) return t.int64Data.map(Number);
  if (t.rawData?.byteLength) return Array.from(new BigInt64Array(Uint8Array.from(t.rawData).buffer), Number);
  return [];
}

export const dimsOf = (t: Tensor): number[] => (t.dims ?? []).map(Number);

export function intsAttribute(name: string, ints: number[]): Attribute {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
}

export function intAttribute(name: string, i: number): Attribute {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
}

/** Nodes and initializers for a rewrite; every name it makes starts with `prefix`. */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  constructor(private readonly prefix: string) {}

  name(s: string): string {
    return `${this.prefix}${s}`;
  }

  i64(s: string, values: number[]): string {
    return this.init(s, { dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
  }

  f32(s: string, values: Float32Array, dims: number[]): string {
    return this.init(s, {
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
  }

  /** Adds a node whose one output is `out` (a name this builder made, or a tensor the rewrite replaces). */
  op(opType: string, input: string[], out: string, attribute: Attribute[] = [], domain?: string | null): string {
    this.nodes.push(onnx.NodeProto.create({ opType, name: out, input, output: [out], attribute, ...(domain ? { domain } : {}) }));
    return out;
  }

  /** Inserts the built nodes in place of `replaced` (keeping topological order) and adds the initializers. */
  splice(graph: Graph, replaced: Node): void {
    const all = graph.node ?? [];
    const at = all.indexOf(replaced);
    graph.node = [...all.slice(0, at), ...this.nodes, ...all.slice(at + 1)];
    graph.initializer = [...(graph.initializer ?? []), ...this.initializers];
    this.nodes.length = 0;
    this.initializers.length = 0;
  }

  private init(s: string, t: Tensor): string {
    const name = this.name(`const_${s}`);
    this.initializers.push(onnx.TensorProto.create({ ...t, name }));
    return name;
  }
}

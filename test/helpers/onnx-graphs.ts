// What the decoder-graph rewrite tests share: typed graph inputs for onnx-proto models, one CPU run of a
// model, and the comparison of a rewritten decoder's outputs with the exported one's.
import onnxProto from 'onnx-proto';
import { createSession } from '../../src/perception/backends/ort-sessions.js';
import type { PlainTensor } from '../../src/perception/backends/model-session.js';

const { onnx } = onnxProto;

/** A float tensor's declaration; numbers are fixed dimensions, strings symbolic ones. */
export function valueInfo(name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

/** An opset-17 model of one graph. */
export function modelOf(graph: {
  name: string;
  node: onnxProto.onnx.INodeProto[];
  initializer: onnxProto.onnx.ITensorProto[];
  input: onnxProto.onnx.IValueInfoProto[];
  output: onnxProto.onnx.IValueInfoProto[];
}): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph });
}

/** A float initializer of `dims` filled by `fill` (e.g. a seeded random source). */
export function floatTensor(name: string, dims: number[], fill: () => number): onnxProto.onnx.ITensorProto {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    floatData: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, fill),
  });
}

export function int64Tensor(name: string, values: number[]): onnxProto.onnx.ITensorProto {
  return onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
}

/** One CPU run, fed the inputs the model declares (others in `feeds` are left out). */
export async function runOnce(model: Uint8Array, feeds: Record<string, PlainTensor>, threads = 1): Promise<Record<string, PlainTensor>> {
  const { session } = await createSession(model, { providers: ['cpu'], threads });
  try {
    return await session.run(Object.fromEntries(session.inputs.filter((i) => i.name in feeds).map((i) => [i.name, feeds[i.name]!])));
  } finally {
    await session.release();
  }
}

export const largestDifference = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** Feeds for a SAM decoder: `b` random single-point prompts (with padding point) on a random embedding, no mask. */
export function samDecoderFeeds(b: number, rand: () => number): Record<string, PlainTensor> {
  return {
    image_embeddings: { data: Float32Array.from({ length: 256 * 64 * 64 }, rand), dims: [1, 256, 64, 64] },
    point_coords: { data: Float32Array.from({ length: b * 4 }, () => (rand() + 0.5) * 1000), dims: [b, 2, 2] },
    point_labels: { data: Float32Array.from({ length: b * 2 }, (_, i) => (i % 2 ? -1 : 1)), dims: [b, 2] },
    mask_input: { data: new Float32Array(256 * 256), dims: [1, 1, 256, 256] },
    has_mask_input: { data: Float32Array.of(0), dims: [1] },
    // The rewritten mask head's extent (upscaling-rewrite.ts): the whole 64×64 token grid.
    mask_extent: { data: BigInt64Array.of(64n, 64n), dims: [2] },
  };
}

/** The top-left rows × cols of each [height, width] plane of [B, T, height, width] logits. */
export function cornerOf(logits: Float32Array, planes: number, height: number, width: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(planes * rows * cols);
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r < rows; r++)
      out.set(logits.subarray((p * height + r) * width, (p * height + r) * width + cols), (p * rows + r) * cols);
  }
  return out;
}

/** How far a four-token decoder's outputs are from another's: logits, logits on the other side of 0, IoUs. */
export function decoderOutputGap(
  want: Record<string, PlainTensor>,
  got: Record<string, PlainTensor>,
): { logits: number; flipped: number; iou: number } {
  const x = want.token_logits!.data as Float32Array;
  const y = got.token_logits!.data as Float32Array;
  return {
    logits: largestDifference(x, y),
    flipped: x.filter((v, i) => v > 0 !== y[i]! > 0).length,
    iou: largestDifference(want.token_iou_predictions!.data as Float32Array, got.token_iou_predictions!.data as Float32Array),
  };
}

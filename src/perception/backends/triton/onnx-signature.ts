// The inputs and outputs an ONNX file declares, read from its protobuf without loading a runtime, in the
// ValueSpec form onnxruntime reports (so either can be checked against the other, or against a server).
import path from 'node:path';
import onnxProto, { type onnx as Onnx } from 'onnx-proto';
import { errorMessage, TwinsegError } from '../../../errors.js';
import type { ValueSpec } from '../model-session.js';

const { onnx } = onnxProto;

export interface OnnxSignature {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  /** Files beside the model that hold its weights (ONNX external data), as relative paths. */
  externalFiles: string[];
}

// onnx.TensorProto.DataType → the element type name onnxruntime uses.
const ELEM_TYPE: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

/** A dimension with neither a value nor a name; onnxruntime has no name for it either. */
export const UNNAMED_DIM = '?';

type Long = { toNumber(): number };

function spec(v: Onnx.IValueInfoProto, where: string): ValueSpec {
  const name = v.name ?? '';
  const tensor = v.type?.tensorType;
  if (!tensor) return { name, type: 'non-tensor', shape: [] };
  const type = ELEM_TYPE[tensor.elemType ?? 0] ?? `onnx-type-${tensor.elemType ?? 0}`;
  if (!tensor.shape) {
    throw new TwinsegError('MODEL_INCOMPATIBLE', `${where}: ${name} declares no shape, so its rank is unknown.`, {
      hint: 'Run ONNX shape inference on the export (onnx.shape_inference.infer_shapes) so every input and output has a rank.',
    });
  }
  const shape = (tensor.shape.dim ?? []).map((d): number | string => {
    if (d.dimValue !== undefined && d.dimValue !== null)
      return typeof d.dimValue === 'number' ? d.dimValue : (d.dimValue as Long).toNumber();
    return d.dimParam || UNNAMED_DIM;
  });
  return { name, type, shape };
}

// Models past protobuf's 2 GB limit keep weights in files named by each tensor's external_data "location",
// relative to the model file; whoever copies the model must copy them too.
function externalFiles(graph: Onnx.IGraphProto, where: string): string[] {
  const files = new Set<string>();
  for (const t of graph.initializer ?? []) {
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const location = (t.externalData ?? []).find((e) => e.key === 'location')?.value ?? '';
    if (!location || path.isAbsolute(location) || location.split(/[\\/]/).includes('..')) {
      throw new TwinsegError('MODEL_INCOMPATIBLE', `${where}: weight ${t.name} lives in "${location}", outside the model's directory.`, {
        hint: 'Re-save the model with its external data beside it (onnx.save_model with a relative location).',
      });
    }
    files.add(path.normalize(location));
  }
  return [...files];
}

/** `where` names the file in messages. Throws MODEL_CORRUPT for bytes that are not an ONNX model. */
export function readOnnxSignature(bytes: Uint8Array, where = 'the ONNX model'): OnnxSignature {
  let model: Onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new TwinsegError('MODEL_CORRUPT', `${where} is not a readable ONNX model: ${errorMessage(e)}.`, {
      hint: 'Point at an intact .onnx file (twinseg doctor shows which files the configured model uses).',
      cause: e,
    });
  }
  const graph = model.graph;
  if (!graph || (graph.output ?? []).length === 0) {
    throw new TwinsegError('MODEL_CORRUPT', `${where} has no graph outputs; it is not a usable ONNX model.`, {
      hint: 'Point at an intact .onnx file.',
    });
  }
  // Exports before IR version 4 list weights among the graph inputs too; they are not fed.
  const weights = new Set((graph.initializer ?? []).map((t) => t.name));
  return {
    inputs: (graph.input ?? []).filter((v) => !weights.has(v.name ?? '')).map((v) => spec(v, where)),
    outputs: (graph.output ?? []).map((v) => spec(v, where)),
    externalFiles: externalFiles(graph, where),
  };
}

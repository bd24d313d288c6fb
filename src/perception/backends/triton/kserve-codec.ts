// KServe v2 (Open Inference Protocol) tensors on the wire, as Triton speaks them over HTTP/REST: the JSON
// inference request/response objects, and Triton's binary tensor data extension, where each tensor's raw
// little-endian bytes follow the JSON object in the body and the Inference-Header-Content-Length header
// says where the JSON ends. Pure functions on bytes; triton-sessions.ts owns the network.
import { TwinsegError } from '../../../errors.js';
import type { PlainTensor, TensorData } from '../model-session.js';

export const HEADER_LENGTH = 'inference-header-content-length';

/** KServe datatype → the type name onnxruntime uses, so ValueSpecs read alike from either backend. */
const ORT_TYPE: Record<string, string> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BF16: 'bfloat16',
  BYTES: 'string',
};

export function ortTypeOf(datatype: string): string {
  return ORT_TYPE[datatype] ?? datatype.toLowerCase();
}

// The datatypes a PlainTensor can carry. Others (FP16, BYTES, ...) are declared fine but cannot be fed or read.
type ArrayCtor = Float32ArrayConstructor | Int32ArrayConstructor | BigInt64ArrayConstructor | Uint8ArrayConstructor;
const ARRAYS: Record<string, ArrayCtor> = {
  FP32: Float32Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  UINT8: Uint8Array,
  BOOL: Uint8Array,
};

export const CARRIED_DATATYPES = Object.keys(ARRAYS);

export function arrayFits(datatype: string, data: TensorData): boolean {
  const ctor = ARRAYS[datatype];
  return ctor !== undefined && data instanceof ctor;
}

/** The name of a typed array's element type, for messages. */
export function arrayTypeName(data: TensorData): string {
  return data.constructor.name.replace(/Array$/, '').toLowerCase();
}

export interface WireInput {
  name: string;
  datatype: string;
  tensor: PlainTensor;
}

export interface EncodedRequest {
  body: Uint8Array;
  headers: Record<string, string>;
}

// Binary tensors are the host's bytes as they lie in memory; the protocol says little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const bytesOf = (data: TensorData) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

// JSON numbers carry neither NaN nor infinities (JSON.stringify writes null), and -0 arrives as 0.
function jsonData(t: WireInput): number[] {
  if (!(t.tensor.data instanceof BigInt64Array)) {
    const values = Array.from(t.tensor.data);
    if (!values.every(Number.isFinite)) {
      throw new TwinsegError('INVALID_INPUT', `Input ${t.name} holds NaN or an infinity, which JSON numbers cannot carry.`, {
        hint: 'Use a server with the binary tensor data extension (Triton has it).',
      });
    }
    return values;
  }
  return Array.from(t.tensor.data, (v) => {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new TwinsegError('INVALID_INPUT', `Input ${t.name} holds ${v}, which JSON numbers cannot carry exactly.`, {
        hint: 'Use a server with the binary tensor data extension (Triton has it).',
      });
    }
    return Number(v);
  });
}

/**
 * One inference request. binary: tensors travel as bytes after the JSON (and outputs are asked for as bytes);
 * otherwise as JSON number arrays. outputs: the names wanted, or undefined for all the model has.
 */
export function encodeInferRequest(inputs: readonly WireInput[], outputs: readonly string[] | undefined, binary: boolean): EncodedRequest {
  if (binary && !LITTLE_ENDIAN) {
    throw new TwinsegError('INTERNAL', 'Binary tensors need a little-endian host.', { hint: 'Use JSON tensors on this machine.' });
  }
  const header: Record<string, unknown> = {
    inputs: inputs.map((t) => ({
      name: t.name,
      shape: [...t.tensor.dims],
      datatype: t.datatype,
      ...(binary ? { parameters: { binary_data_size: t.tensor.data.byteLength } } : { data: jsonData(t) }),
    })),
  };
  if (outputs) header.outputs = outputs.map((name) => ({ name, parameters: { binary_data: binary } }));
  // Without an outputs list the server returns every output; this asks for all of them as bytes.
  else if (binary) header.parameters = { binary_data_output: true };
  const json = new TextEncoder().encode(JSON.stringify(header));
  if (!binary) return { body: json, headers: { 'content-type': 'application/json' } };
  const body = new Uint8Array(json.byteLength + inputs.reduce((n, t) => n + t.tensor.data.byteLength, 0));
  body.set(json, 0);
  let offset = json.byteLength;
  for (const t of inputs) {
    body.set(bytesOf(t.tensor.data), offset);
    offset += t.tensor.data.byteLength;
  }
  return {
    body,
    headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(json.byteLength) },
  };
}

export interface DecodedOutput extends PlainTensor {
  name: string;
  datatype: string;
}

interface ResponseOutput {
  name?: unknown;
  datatype?: unknown;
  shape?: unknown;
  parameters?: { binary_data_size?: unknown };
  data?: unknown;
}

const isDims = (v: unknown): v is number[] => Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 0);

function typedFromJson(datatype: string, values: unknown[], ctor: ArrayCtor): TensorData | undefined {
  if (datatype === 'BOOL') return Uint8Array.from(values, (v) => (v ? 1 : 0));
  if (!values.every((v) => typeof v === 'number')) return undefined;
  if (ctor === BigInt64Array) return BigInt64Array.from(values as number[], (v) => BigInt(v));
  return (ctor as Float32ArrayConstructor).from(values as number[]);
}

/**
 * The outputs of one inference response, in the order the server sent them. headerLength: the
 * Inference-Header-Content-Length value, absent when the whole body is JSON. `bad` builds the error for a
 * malformed response (the caller knows which server and model it came from).
 */
export function decodeInferResponse(
  body: Uint8Array,
  headerLength: number | undefined,
  bad: (why: string) => TwinsegError,
): DecodedOutput[] {
  const jsonEnd = headerLength ?? body.byteLength;
  if (!Number.isInteger(jsonEnd) || jsonEnd < 0 || jsonEnd > body.byteLength) {
    throw bad(`its ${HEADER_LENGTH} (${headerLength}) does not fit a ${body.byteLength}-byte body`);
  }
  let parsed: { outputs?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder().decode(body.subarray(0, jsonEnd))) as { outputs?: unknown };
  } catch {
    throw bad('its JSON part does not parse');
  }
  if (!Array.isArray(parsed?.outputs)) throw bad('it has no outputs list');
  let offset = jsonEnd;
  return (parsed.outputs as ResponseOutput[]).map((o) => {
    if (typeof o?.name !== 'string' || typeof o.datatype !== 'string' || !isDims(o.shape)) {
      throw bad('an output lacks its name, datatype or shape');
    }
    const { name, datatype, shape } = o as { name: string; datatype: string; shape: number[] };
    const ctor = ARRAYS[datatype];
    if (!ctor) {
      throw new TwinsegError('MODEL_INCOMPATIBLE', `Output ${name} is ${datatype}; twinseg reads ${CARRIED_DATATYPES.join(', ')}.`, {
        hint: 'Serve an ONNX export whose outputs are float32 (or int32/int64/uint8/bool).',
      });
    }
    const count = shape.reduce((n, d) => n * d, 1);
    const size = o.parameters?.binary_data_size;
    let data: TensorData;
    if (size !== undefined) {
      const expected = count * ctor.BYTES_PER_ELEMENT;
      if (size !== expected) throw bad(`output ${name} has ${String(size)} bytes, but ${datatype}[${shape.join(',')}] needs ${expected}`);
      if (offset + expected > body.byteLength) throw bad(`the body ends before output ${name}'s bytes`);
      // slice copies into a fresh buffer, so the typed array is aligned whatever the offset was.
      data = new ctor(body.slice(offset, offset + expected).buffer);
      offset += expected;
    } else {
      if (!Array.isArray(o.data)) throw bad(`output ${name} has neither binary_data_size nor data`);
      // The protocol allows nested or flat row-major arrays.
      const values = (o.data as unknown[]).flat(Infinity);
      if (values.length !== count) throw bad(`output ${name} has ${values.length} values for shape [${shape.join(',')}]`);
      const typed = typedFromJson(datatype, values, ctor);
      if (!typed) throw bad(`output ${name} holds values that are not numbers (JSON has no NaN or infinities)`);
      data = typed;
    }
    return { name, datatype, dims: shape, data };
  });
}

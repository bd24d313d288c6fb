// What every backend's model session is to the rest of perception: declared inputs and outputs, and a run()
// on plain {data, dims} tensors. onnxruntime (ort-sessions.ts), Triton (triton/triton-sessions.ts) and the
// split decoder (split-session.ts) implement it.

export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/** A tensor as plain data: row-major values and their shape. */
export interface PlainTensor<D extends TensorData = TensorData> {
  data: D;
  dims: readonly number[];
}

/** What a model declares for one input or output; symbolic dimensions stay strings. */
export interface ValueSpec {
  name: string;
  /** 'float32', 'int64', ... or 'non-tensor'. */
  type: string;
  shape: ReadonlyArray<number | string>;
}

export interface ModelSession {
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  run(feeds: Record<string, PlainTensor>, fetches?: readonly string[]): Promise<Record<string, PlainTensor>>;
  release(): Promise<void>;
}

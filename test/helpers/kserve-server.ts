// A small KServe v2 HTTP server on 127.0.0.1 that speaks what twinseg's Triton client uses: health live/ready,
// server metadata, model ready, model metadata, inference with JSON or binary tensors (Triton's binary tensor
// data extension) and the repository index. It runs real models through the project's onnxruntime sessions.
// Its protocol code is written from the KServe v2 and Triton documents, apart from src/perception/backends/triton/kserve-codec.ts,
// so that one misreading shared by client and codec cannot pass unseen.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createSession } from '../../src/perception/backends/ort-sessions.js';
import type { ModelSession, PlainTensor, TensorData } from '../../src/perception/backends/model-session.js';
import { parseModelConfig } from './pbtxt.js';

export interface MetaTensor {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ServedModel {
  session: ModelSession;
  /** false: listed in the repository but not loaded, as after a failed load. */
  ready?: boolean;
  /** The repository index's reason for a model that is not ready. */
  reason?: string;
  /** What metadata declares and requests are checked against; default: the session's own tensors. */
  metadata?: { inputs: MetaTensor[]; outputs: MetaTensor[] };
}

export interface KserveServerOptions {
  models: Record<string, ServedModel>;
  live?: boolean;
  /** Lists binary_tensor_data in the server metadata and accepts binary bodies (default true). */
  binaryExtension?: boolean;
  /** Holds every inference request unanswered until stop(): a server that hangs. */
  hangInfer?: boolean;
  /** Answers every inference with this HTTP status and Triton-style error body instead of running the model. */
  failInfer?: { status: number; error: string };
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The JSON part of an inference request body. */
  json?: InferRequestJson;
  bodyBytes: number;
}

export interface KserveServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  stop(): Promise<void>;
}

interface InferRequestJson {
  inputs: { name: string; shape: number[]; datatype: string; parameters?: { binary_data_size?: number }; data?: unknown[] }[];
  outputs?: { name: string; parameters?: { binary_data?: boolean } }[];
  parameters?: { binary_data_output?: boolean };
}

const DATATYPE: Record<string, string> = {
  float32: 'FP32',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  bool: 'BOOL',
  float16: 'FP16',
  string: 'BYTES',
};
// The datatypes this server can feed to onnxruntime, read from bytes or from JSON numbers.
const ELEMENT: Record<string, { bytes: number; fromBytes(b: ArrayBuffer): TensorData; fromJson(v: unknown[]): TensorData }> = {
  FP32: { bytes: 4, fromBytes: (b) => new Float32Array(b), fromJson: (v) => Float32Array.from(v, Number) },
  INT32: { bytes: 4, fromBytes: (b) => new Int32Array(b), fromJson: (v) => Int32Array.from(v, Number) },
  INT64: { bytes: 8, fromBytes: (b) => new BigInt64Array(b), fromJson: (v) => BigInt64Array.from(v, (x) => BigInt(x as number)) },
  UINT8: { bytes: 1, fromBytes: (b) => new Uint8Array(b), fromJson: (v) => Uint8Array.from(v, Number) },
  BOOL: { bytes: 1, fromBytes: (b) => new Uint8Array(b), fromJson: (v) => Uint8Array.from(v, Number) },
};

export function metadataOf(session: ModelSession): { inputs: MetaTensor[]; outputs: MetaTensor[] } {
  const meta = (s: ModelSession['inputs'][number]) => ({
    name: s.name,
    datatype: DATATYPE[s.type] ?? s.type.toUpperCase(),
    shape: s.shape.map((d) => (typeof d === 'number' ? d : -1)),
  });
  return { inputs: session.inputs.map(meta), outputs: session.outputs.map(meta) };
}

/**
 * Models from a Triton repository directory: each <name>/config.pbtxt with <name>/1/model.onnx, on CPU with
 * `threads` onnxruntime threads per run (default 1, which tests comparing bytes with in-process runs rely on).
 */
export async function loadRepository(dir: string, opts: { threads?: number } = {}): Promise<Record<string, ServedModel>> {
  const models: Record<string, ServedModel> = {};
  for (const name of await fs.readdir(dir)) {
    const config = parseModelConfig(await fs.readFile(path.join(dir, name, 'config.pbtxt'), 'utf8'));
    if (config.name !== name) throw new Error(`repository: ${name}/config.pbtxt names "${config.name}"`);
    if (config.platform !== 'onnxruntime_onnx') throw new Error(`repository: ${name} is not for the ONNX Runtime backend`);
    const { session } = await createSession(path.join(dir, name, '1', 'model.onnx'), { providers: ['cpu'], threads: opts.threads ?? 1 });
    // As Triton does: with max_batch_size > 0 every tensor gains a leading batch dimension of any size.
    const batch = config.max_batch_size > 0 ? [-1] : [];
    const meta = (t: { name: string; data_type: string; dims: number[] }) => ({
      name: t.name,
      datatype: t.data_type.replace(/^TYPE_/, '').replace(/^STRING$/, 'BYTES'),
      shape: [...batch, ...t.dims],
    });
    models[name] = { session, metadata: { inputs: config.input.map(meta), outputs: config.output.map(meta) } };
  }
  return models;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

class InferError extends Error {}

function decodeInputs(
  body: Buffer,
  headerLength: number,
  request: InferRequestJson,
  declared: MetaTensor[],
  model: string,
  binaryOk: boolean,
): Record<string, PlainTensor> {
  let offset = headerLength;
  const feeds: Record<string, PlainTensor> = {};
  for (const input of request.inputs) {
    const d = declared.find((x) => x.name === input.name);
    if (!d) throw new InferError(`unexpected inference input '${input.name}' for model '${model}'`);
    if (d.datatype !== input.datatype) {
      throw new InferError(
        `inference input '${input.name}' data-type is '${input.datatype}', but model '${model}' expects '${d.datatype}'`,
      );
    }
    const shapeOk = input.shape.length === d.shape.length && d.shape.every((x, i) => x === -1 || x === input.shape[i]);
    if (!shapeOk) {
      throw new InferError(
        `unexpected shape for input '${input.name}' for model '${model}'. Expected [${d.shape.join(',')}], got [${input.shape.join(',')}]`,
      );
    }
    const element = ELEMENT[input.datatype];
    if (!element) throw new InferError(`this server cannot feed ${input.datatype} input '${input.name}'`);
    const count = input.shape.reduce((n, x) => n * x, 1);
    const size = input.parameters?.binary_data_size;
    let data: TensorData;
    if (size !== undefined) {
      if (!binaryOk) throw new InferError('binary tensor data is not supported by this server');
      if (size !== count * element.bytes)
        throw new InferError(`input '${input.name}' has ${size} bytes of binary data, expected ${count * element.bytes}`);
      if (offset + size > body.length) throw new InferError(`the request body ends inside input '${input.name}'`);
      const copy = new Uint8Array(size); // a fresh buffer: typed arrays need aligned offsets
      copy.set(body.subarray(offset, offset + size));
      offset += size;
      data = element.fromBytes(copy.buffer);
    } else {
      const values = (input.data ?? []).flat(Infinity);
      if (values.length !== count) throw new InferError(`input '${input.name}' has ${values.length} values, expected ${count}`);
      data = element.fromJson(values);
    }
    feeds[input.name] = { data, dims: input.shape };
  }
  if (offset !== body.length) throw new InferError(`the request body has ${body.length - offset} bytes past its tensors`);
  return feeds;
}

function encodeOutputs(
  results: Record<string, PlainTensor>,
  order: string[],
  request: InferRequestJson,
  declared: MetaTensor[],
): { body: Buffer; headerLength?: number } {
  const allBinary = request.parameters?.binary_data_output === true;
  const chunks: Buffer[] = [];
  const outputs = order.map((name) => {
    const t = results[name];
    const datatype = declared.find((d) => d.name === name)?.datatype ?? 'FP32';
    const binary = allBinary || request.outputs?.find((o) => o.name === name)?.parameters?.binary_data === true;
    if (binary) {
      chunks.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      return { name, datatype, shape: [...t.dims], parameters: { binary_data_size: t.data.byteLength } };
    }
    const data = t.data instanceof BigInt64Array ? Array.from(t.data, Number) : Array.from(t.data);
    return { name, datatype, shape: [...t.dims], data };
  });
  const json = Buffer.from(JSON.stringify({ model_name: 'served', outputs }));
  if (chunks.length === 0) return { body: json };
  return { body: Buffer.concat([json, ...chunks]), headerLength: json.length };
}

export async function startKserveServer(opts: KserveServerOptions): Promise<KserveServer> {
  const requests: SeenRequest[] = [];
  const binaryOk = opts.binaryExtension !== false;
  const meta = (name: string) => {
    const m = opts.models[name];
    return m.metadata ?? metadataOf(m.session);
  };

  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://x');
    const seen: SeenRequest = { method: req.method ?? '', path: url.pathname, headers: req.headers, bodyBytes: body.length };
    requests.push(seen);
    const send = (status: number, payload?: unknown) => {
      const text = payload === undefined ? '' : JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const p = url.pathname;
    if (p === '/v2/health/live') return send(opts.live === false ? 503 : 200);
    if (p === '/v2/health/ready') {
      const allReady = Object.values(opts.models).every((m) => m.ready !== false);
      return send(opts.live !== false && allReady ? 200 : 503);
    }
    if (p === '/v2') {
      const extensions = ['model_repository', ...(binaryOk ? ['binary_tensor_data'] : [])];
      return send(200, { name: 'twinseg-test-kserve', version: '0', extensions });
    }
    if (p === '/v2/repository/index' && req.method === 'POST') {
      return send(
        200,
        Object.entries(opts.models).map(([name, m]) => ({
          name,
          version: '1',
          state: m.ready === false ? 'UNAVAILABLE' : 'READY',
          reason: m.reason ?? '',
        })),
      );
    }
    const route = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(p);
    if (!route) return send(404, { error: 'Not Found' });
    const name = decodeURIComponent(route[1]);
    const model = opts.models[name];
    if (!model || (route[2] !== undefined && route[2] !== '1')) {
      return send(400, { error: `Request for unknown model: '${name}'${route[2] ? ` version ${route[2]}` : ''} is not found` });
    }
    if (model.ready === false) return send(400, { error: `Request for unknown model: '${name}' has no available versions` });
    if (route[3] === '/ready') return send(200);
    if (route[3] === undefined) return send(200, { name, versions: ['1'], platform: 'onnxruntime_onnx', ...meta(name) });

    // POST .../infer
    if (opts.hangInfer) return; // answered by nobody; stop() closes the socket
    if (opts.failInfer) return send(opts.failInfer.status, { error: opts.failInfer.error });
    const lengthHeader = req.headers['inference-header-content-length'];
    const headerLength = lengthHeader === undefined ? body.length : Number(lengthHeader);
    try {
      const request = JSON.parse(body.subarray(0, headerLength).toString('utf8')) as InferRequestJson;
      seen.json = request;
      const declared = meta(name);
      const feeds = decodeInputs(body, headerLength, request, declared.inputs, name, binaryOk);
      const wanted = request.outputs?.map((o) => o.name);
      let results: Record<string, PlainTensor>;
      try {
        results = await model.session.run(feeds, wanted);
      } catch (e) {
        throw new InferError(e instanceof Error ? e.message : String(e));
      }
      const order = wanted ?? declared.outputs.map((o) => o.name).filter((o) => o in results);
      const out = encodeOutputs(results, order, request, declared.outputs);
      res.writeHead(200, {
        'content-type': out.headerLength === undefined ? 'application/json' : 'application/octet-stream',
        'content-length': out.body.length,
        ...(out.headerLength === undefined ? {} : { 'inference-header-content-length': out.headerLength }),
      });
      res.end(out.body);
    } catch (e) {
      send(400, { error: e instanceof Error ? e.message : String(e) });
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

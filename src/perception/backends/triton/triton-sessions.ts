// A ModelSession backed by a model on NVIDIA Triton Inference Server (or any KServe v2 HTTP server), so the
// predictor can drive a GPU pool the way it drives in-process onnxruntime. Creating one checks that the
// server is live and the model ready, and reads the model's declared inputs/outputs; every failure becomes a
// TwinsegError that says which server, which model and what to do.
import { errorMessage, TwinsegError } from '../../../errors.js';
import {
  arrayFits,
  arrayTypeName,
  CARRIED_DATATYPES,
  decodeInferResponse,
  encodeInferRequest,
  HEADER_LENGTH,
  ortTypeOf,
  type WireInput,
} from './kserve-codec.js';
import type { ModelSession, PlainTensor, ValueSpec } from '../model-session.js';

export interface TritonSessionOptions {
  /** A model version; default: whichever the server's version policy serves. */
  version?: string;
  /** Limit for each HTTP request, body included (default 60 s). */
  timeoutMs?: number;
  /**
   * How tensors travel. auto (default): binary when the server lists the binary_tensor_data extension
   * (Triton does), JSON otherwise.
   */
  encoding?: 'auto' | 'binary' | 'json';
  /** What the model must declare, e.g. the ONNX file's own inputs/outputs; a mismatch fails creation. */
  expect?: { inputs?: readonly ValueSpec[]; outputs?: readonly ValueSpec[] };
  /** Cancels creation and every later run. */
  signal?: AbortSignal;
}

export interface TritonSession extends ModelSession {
  readonly url: string;
  readonly model: string;
  readonly encoding: 'binary' | 'json';
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** Errors of a connection the other side closed (undici's "other side closed" is UND_ERR_SOCKET). */
const CLOSED_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
/** Triton numbers a dimension it does not fix as -1; ValueSpec keeps symbolic dimensions as strings. */
export const DYNAMIC_DIM = 'dynamic';

const START_HINT =
  'Start Triton on a repository written by `twinseg triton-repo DIR` (tritonserver --model-repository=DIR), or ' +
  'fix TWINSEG_TRITON_URL: it must be the HTTP endpoint (port 8000 by default), not gRPC (8001) or metrics (8002).';
const NAMES_HINT = 'set TWINSEG_TRITON_ENCODER / TWINSEG_TRITON_DECODER to the names the repository serves';

interface Reply {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

interface MetadataTensor {
  name: string;
  datatype: string;
  shape: number[];
}

function baseUrlOf(raw: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new TwinsegError('INVALID_INPUT', `"${raw}" is not an http(s) URL of a Triton server.`, {
      hint: 'Set TWINSEG_TRITON_URL like http://127.0.0.1:8000 (the HTTP endpoint).',
    });
  }
  return url.href.replace(/\/+$/, '');
}

const utf8 = (body: Uint8Array) => new TextDecoder().decode(body);

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(utf8(body));
  } catch {
    return undefined;
  }
}

/** Triton answers errors as {"error": "..."}; other servers may send text or HTML. */
function errorText(body: Uint8Array): string {
  const error = (parseJson(body) as { error?: unknown } | undefined)?.error;
  if (typeof error === 'string') return error;
  const text = utf8(body).trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text || '(empty body)';
}

const specOf = (t: MetadataTensor): ValueSpec => ({
  name: t.name,
  type: ortTypeOf(t.datatype),
  shape: t.shape.map((d) => (d < 0 ? DYNAMIC_DIM : d)),
});

const describeSpecs = (specs: readonly ValueSpec[]) => specs.map((s) => `${s.name} ${s.type}[${s.shape.join(',')}]`).join('; ') || '(none)';

function isMetadataTensors(v: unknown): v is MetadataTensor[] {
  const ok = (t: Partial<MetadataTensor>) =>
    typeof t?.name === 'string' && typeof t.datatype === 'string' && Array.isArray(t.shape) && t.shape.every(Number.isInteger);
  return Array.isArray(v) && v.every(ok);
}

/** Where a served tensor differs from what was expected; a served dynamic dimension accepts any size. */
function mismatches(kind: string, served: readonly ValueSpec[], expected: readonly ValueSpec[]): string[] {
  const out: string[] = [];
  for (const e of expected) {
    const s = served.find((x) => x.name === e.name);
    if (!s) {
      out.push(`no ${kind} ${e.name}`);
      continue;
    }
    const shapeOk = s.shape.length === e.shape.length && s.shape.every((d, i) => typeof d === 'string' || d === e.shape[i]);
    if (s.type !== e.type || !shapeOk) {
      out.push(`${kind} ${e.name} is ${s.type}[${s.shape.join(',')}], expected ${e.type}[${e.shape.join(',')}]`);
    }
  }
  return out;
}

/** What the repository index (Triton's model repository extension) says of a model, as a sentence or ''. */
function indexSays(index: Reply | undefined, model: string, version: string | undefined): string {
  const entries = index?.status === 200 ? parseJson(index.body) : undefined;
  if (!Array.isArray(entries)) return '';
  const listed = entries as { name?: string; version?: string; state?: string; reason?: string }[];
  const mine = listed.filter((m) => m.name === model && (!version || m.version === version));
  if (mine.length === 0) return ` The repository does not list it; it has ${listed.map((m) => m.name).join(', ') || 'no models'}.`;
  return ` The repository lists it as ${mine.map((m) => `${m.state ?? 'unknown'}${m.reason ? ` (${m.reason})` : ''}`).join(', ')}.`;
}

/** The feeds as wire inputs, checked against the model's declared inputs so a mismatch is named before sending. */
function wireInputs(
  feeds: Record<string, PlainTensor>,
  declared: readonly MetadataTensor[],
  fail: (why: string) => TwinsegError,
): WireInput[] {
  const missing = declared.filter((d) => !(d.name in feeds)).map((d) => d.name);
  if (missing.length > 0) throw fail(`no value fed for input ${missing.join(', ')}`);
  return Object.entries(feeds).map(([name, tensor]) => {
    const d = declared.find((x) => x.name === name);
    if (!d) throw fail(`it has no input ${name}; it declares ${describeSpecs(declared.map(specOf))}`);
    if (!CARRIED_DATATYPES.includes(d.datatype))
      throw fail(`input ${name} is ${d.datatype}; twinseg sends ${CARRIED_DATATYPES.join(', ')}`);
    if (!arrayFits(d.datatype, tensor.data))
      throw fail(`input ${name} is ${d.datatype}, but twinseg fed ${arrayTypeName(tensor.data)} values`);
    const dims = tensor.dims;
    if (dims.length !== d.shape.length || !d.shape.every((x, i) => x < 0 || x === dims[i])) {
      throw fail(`input ${name} has shape [${d.shape.join(',')}], but twinseg fed [${dims.join(',')}]`);
    }
    if (dims.reduce((n, x) => n * x, 1) !== tensor.data.length) {
      throw new TwinsegError('INTERNAL', `Input ${name} has ${tensor.data.length} values for shape [${dims.join(',')}].`);
    }
    return { name, datatype: d.datatype, tensor };
  });
}

export async function createTritonSession(baseUrl: string, modelName: string, opts: TritonSessionOptions = {}): Promise<TritonSession> {
  const base = baseUrlOf(baseUrl);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const versionPath = opts.version ? `/versions/${encodeURIComponent(opts.version)}` : '';
  const modelPath = `/v2/models/${encodeURIComponent(modelName)}${versionPath}`;
  const what = `model "${modelName}"${opts.version ? ` version ${opts.version}` : ''} on Triton at ${base}`;
  // release() aborts runs still in flight; a released session must not hang its caller.
  const released = new AbortController();

  async function request(method: 'GET' | 'POST', path: string, body?: Uint8Array, headers: Record<string, string> = {}): Promise<Reply> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([timeout, released.signal, ...(opts.signal ? [opts.signal] : [])]);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`${base}${path}`, {
          method,
          body,
          // Triton compresses replies when asked; multi-megabyte float tensors barely compress and cost it CPU.
          headers: { 'accept-encoding': 'identity', ...headers },
          signal,
        });
        return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
      } catch (e) {
        if (opts.signal?.aborted || released.signal.aborted) {
          const why = released.signal.aborted ? ' (session released)' : '';
          throw new TwinsegError('CANCELLED', `The request to ${what} was cancelled${why}.`, { cause: e });
        }
        if (timeout.aborted) {
          throw new TwinsegError('PROVIDER_UNAVAILABLE', `Triton at ${base} did not answer ${method} ${path} within ${timeoutMs} ms.`, {
            hint: 'The server may be overloaded or still loading the model: check its log and GPU, or raise TWINSEG_TRITON_TIMEOUT_MS.',
            cause: e,
          });
        }
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const why = cause?.code ?? cause?.message ?? errorMessage(e);
        // A kept-alive connection that the server (or a proxy) closed just as the request went out: every request
        // here is safe to repeat (health, metadata, and inference, which changes nothing), so once on a new one.
        if (attempt === 1 && cause?.code !== undefined && CLOSED_CONNECTION.has(cause.code)) continue;
        throw new TwinsegError('PROVIDER_UNAVAILABLE', `Cannot reach Triton at ${base} (${method} ${path}: ${why}).`, {
          hint: START_HINT,
          cause: e,
        });
      }
    }
  }

  // 1. The server: live, or nothing else will work. Its readiness only informs a message: Triton calls itself
  //    unready while any model in its repository is unready, which need not be this one.
  const live = await request('GET', '/v2/health/live');
  if (live.status === 404) {
    throw new TwinsegError(
      'PROVIDER_UNAVAILABLE',
      `${base} answered HTTP 404 to /v2/health/live (${errorText(live.body)}): it does not look like a KServe v2 server.`,
      {
        hint: START_HINT,
      },
    );
  }
  if (live.status !== 200) {
    throw new TwinsegError('PROVIDER_UNAVAILABLE', `Triton at ${base} is not live (HTTP ${live.status}: ${errorText(live.body)}).`, {
      hint: 'Check the server log; it may be starting up or shutting down.',
    });
  }

  // 2. The model: ready, or say why (the repository extension knows a failed load's reason).
  const ready = await request('GET', `${modelPath}/ready`);
  if (ready.status !== 200) {
    const serverReady = (await request('GET', '/v2/health/ready')).status === 200;
    const index = await request('POST', '/v2/repository/index', new TextEncoder().encode('{}'), {
      'content-type': 'application/json',
    }).catch(() => undefined);
    const message =
      `The ${what} is not ready (HTTP ${ready.status}: ${errorText(ready.body)}).` +
      indexSays(index, modelName, opts.version) +
      (serverReady ? '' : ' The server itself is not ready either.');
    throw new TwinsegError('MODEL_NOT_FOUND', message, {
      hint: `Check the Triton log for the model's load error; regenerate the repository with \`twinseg triton-repo DIR\`, or ${NAMES_HINT}.`,
    });
  }

  // 3. Its declared tensors, checked against what the caller expects.
  const metadata = await request('GET', modelPath);
  const declared = (metadata.status === 200 ? parseJson(metadata.body) : undefined) as { inputs?: unknown; outputs?: unknown } | undefined;
  if (!isMetadataTensors(declared?.inputs) || !isMetadataTensors(declared.outputs)) {
    throw new TwinsegError(
      'PROVIDER_UNAVAILABLE',
      `The ${what} is ready but its metadata (GET ${modelPath}, HTTP ${metadata.status}) lacks inputs/outputs with name, datatype and shape.`,
      {
        hint: START_HINT,
      },
    );
  }
  const declaredIn = declared.inputs;
  const declaredOut = declared.outputs;
  const inputs = declaredIn.map(specOf);
  const outputs = declaredOut.map(specOf);
  const problems = [
    ...mismatches('input', inputs, opts.expect?.inputs ?? []),
    ...mismatches('output', outputs, opts.expect?.outputs ?? []),
  ];
  if (problems.length > 0) {
    throw new TwinsegError(
      'MODEL_INCOMPATIBLE',
      `The ${what} is not the model twinseg expects: ${problems.join('; ')}. It declares inputs ${describeSpecs(inputs)}; outputs ${describeSpecs(outputs)}.`,
      { hint: `Regenerate the repository from the same ONNX files with \`twinseg triton-repo DIR\` and restart Triton, or ${NAMES_HINT}.` },
    );
  }

  // 4. The encoding: binary tensors where the server has the extension.
  let encoding: 'binary' | 'json' = opts.encoding === 'json' ? 'json' : 'binary';
  if (!opts.encoding || opts.encoding === 'auto') {
    const server = await request('GET', '/v2');
    const extensions = (server.status === 200 ? (parseJson(server.body) as { extensions?: unknown } | undefined) : undefined)?.extensions;
    encoding = Array.isArray(extensions) && extensions.includes('binary_tensor_data') ? 'binary' : 'json';
  }

  const incompatible = (why: string) =>
    new TwinsegError('MODEL_INCOMPATIBLE', `Cannot run the ${what}: ${why}.`, {
      hint: "The model's inputs may not match what twinseg feeds a SAM encoder/decoder; check the model export and its config.pbtxt.",
    });
  const malformed = (why: string) =>
    new TwinsegError('PROVIDER_UNAVAILABLE', `The inference reply of the ${what} is malformed: ${why}.`, { hint: START_HINT });

  return {
    url: base,
    model: modelName,
    encoding,
    inputs,
    outputs,
    async run(feeds, fetches) {
      const unknown = (fetches ?? []).filter((f) => !declaredOut.some((d) => d.name === f));
      if (unknown.length > 0) throw incompatible(`it has no output ${unknown.join(', ')}; it declares ${describeSpecs(outputs)}`);
      const req = encodeInferRequest(wireInputs(feeds, declaredIn, incompatible), fetches, encoding === 'binary');
      const reply = await request('POST', `${modelPath}/infer`, req.body, req.headers);
      if (reply.status !== 200) {
        const text = errorText(reply.body);
        // 4xx: the server refused this request (shape, datatype, model state); 5xx: the server failed.
        if (reply.status < 500) throw incompatible(`Triton refused the request (HTTP ${reply.status}): ${text}`);
        throw new TwinsegError('PROVIDER_UNAVAILABLE', `Triton failed to run the ${what} (HTTP ${reply.status}): ${text}.`, {
          hint: 'Check the Triton log; the model instance may have run out of GPU memory or crashed.',
        });
      }
      const lengthHeader = reply.headers.get(HEADER_LENGTH);
      const decoded = decodeInferResponse(reply.body, lengthHeader === null ? undefined : Number(lengthHeader), malformed);
      const out: Record<string, PlainTensor> = {};
      for (const o of decoded) {
        const d = declaredOut.find((x) => x.name === o.name);
        if (d && d.datatype !== o.datatype)
          throw incompatible(`output ${o.name} came back ${o.datatype}, but the model declares ${d.datatype}`);
        out[o.name] = { data: o.data, dims: o.dims };
      }
      const absent = (fetches ?? []).filter((f) => !(f in out));
      if (absent.length > 0) throw malformed(`it lacks output ${absent.join(', ')}`);
      return out;
    },
    async release() {
      released.abort();
    },
  };
}

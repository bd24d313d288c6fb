// Where the predictor's models run: in this process on onnxruntime-node (the default), or on NVIDIA Triton
// Inference Server over KServe v2 HTTP when TWINSEG_TRITON_URL is set. This is the one place that decides.
//
// In-process: the encoder and the decoder as exported; the four-token decoder is derived from the latter and
// opened beside it (four-token-session.ts). On Triton: the encoder, and the four-token decoder that
// `twinseg triton-repo` derives and writes, so that a whole prompt batch goes to the server in one request.
// A server that cannot be reached, or does not serve such models, is an error that says what to check,
// unless TWINSEG_TRITON_FALLBACK=1 asks for the in-process models instead (one stderr line says why).
import { errorMessage, toTwinsegError, TwinsegError } from '../../errors.js';
import { FOUR_TOKEN_IOU, FOUR_TOKEN_LOGITS } from '../graph/four-token-graph.js';
import { MASK_TOKENS } from '../sam/mask-tokens.js';
import { createSession, type CreatedSession, type ModelSource, type ProviderName } from '../backends/ort-sessions.js';
import type { ValueSpec } from '../backends/model-session.js';
import { encoderSpecFrom, type EncoderSpec } from '../sam/sam-io-spec.js';
import { createTritonSession, type TritonSession } from '../backends/triton/triton-sessions.js';

export interface TritonBackendOptions {
  /** The server's HTTP endpoint (TWINSEG_TRITON_URL). */
  url: string;
  /** Model names in its repository (TWINSEG_TRITON_ENCODER / _DECODER, default <model>-encoder / -decoder). */
  encoderModel: string;
  decoderModel: string;
  /** Limit for each request (TWINSEG_TRITON_TIMEOUT_MS). */
  timeoutMs?: number;
  /** TWINSEG_TRITON_FALLBACK=1: an unusable server means in-process models, not an error. */
  fallback?: boolean;
}

export interface ModelSessionOptions {
  encoderPath: ModelSource;
  decoderPath: ModelSource;
  providers: readonly ProviderName[];
  threads: number;
  /** Set: run the models on this Triton server. */
  triton?: TritonBackendOptions;
  log?: (line: string) => void;
}

/** Which backend runs the models, for logs and `twinseg doctor`. */
export type BackendInfo =
  | {
      kind: 'in-process';
      /** The onnxruntime provider in use (e.g. "cpu", or "encoder:cuda,decoder:cpu"). */
      provider: string;
      /** Set when Triton was configured but unusable and TWINSEG_TRITON_FALLBACK=1 chose these models. */
      tritonFallback?: string;
    }
  | { kind: 'triton'; url: string; encoderModel: string; decoderModel: string; encoding: 'binary' | 'json' };

/** The served four-token decoder: a prompt batch in, all four tokens' low-res logits and IoUs out. */
export interface ServedFourTokenDecoder {
  session: TritonSession;
  logitsName: string;
  iouName: string;
  /** The low-res mask side, 256 for SAM. */
  maskSize: number;
}

export type ModelSessions =
  | { kind: 'in-process'; encoder: CreatedSession; decoder: CreatedSession; backend: Extract<BackendInfo, { kind: 'in-process' }> }
  | {
      kind: 'triton';
      encoder: TritonSession;
      encoderSpec: EncoderSpec;
      decoder: ServedFourTokenDecoder;
      backend: Extract<BackendInfo, { kind: 'triton' }>;
    };

const REPO_HINT =
  'Write the repository with `twinseg triton-repo DIR` (its decoder is the four-token decoder twinseg derives from the ' +
  "model's decoder) and restart Triton on it, or set TWINSEG_TRITON_ENCODER / TWINSEG_TRITON_DECODER to the names it serves.";
const FALLBACK_HINT = 'Or set TWINSEG_TRITON_FALLBACK=1 to run the models in-process while Triton is unusable.';

const describeSpecs = (specs: readonly ValueSpec[]) => specs.map((s) => `${s.name} ${s.type}[${s.shape.join(',')}]`).join('; ') || '(none)';
const fixed = (d: number | string | undefined): number | undefined => (typeof d === 'number' && d > 0 ? d : undefined);

/**
 * Why a served decoder is not the four-token decoder twinseg derives, or undefined when it is: the SAM prompt
 * inputs with a free prompt axis, and [prompts,4,S,S] logits and [prompts,4] IoUs under their derived names.
 */
export function fourTokenMismatch(
  inputs: readonly ValueSpec[],
  outputs: readonly ValueSpec[],
  embeddingDims?: readonly (number | string)[],
): string | undefined {
  const names = new Set(outputs.map((o) => o.name));
  if (!names.has(FOUR_TOKEN_LOGITS) || !names.has(FOUR_TOKEN_IOU)) {
    const original = names.has('masks') && names.has('iou_predictions');
    return original
      ? 'it is the original SAM decoder (one mask per prompt, outputs masks and iou_predictions), not the four-token decoder derived from it'
      : `it has no outputs ${FOUR_TOKEN_LOGITS} and ${FOUR_TOKEN_IOU}`;
  }
  const missing = ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input'].filter(
    (n) => !inputs.some((i) => i.name === n),
  );
  if (missing.length > 0) return `it lacks the SAM prompt inputs ${missing.join(', ')}`;
  const coords = inputs.find((i) => i.name === 'point_coords')!;
  if (coords.shape.length !== 3 || fixed(coords.shape[0]) !== undefined)
    return `point_coords is [${coords.shape.join(',')}], expected a free prompt axis first`;
  const logits = outputs.find((o) => o.name === FOUR_TOKEN_LOGITS)!;
  const iou = outputs.find((o) => o.name === FOUR_TOKEN_IOU)!;
  const tokens = (d: number | string | undefined) => fixed(d) === undefined || d === MASK_TOKENS;
  if (logits.type !== 'float32' || logits.shape.length !== 4 || !tokens(logits.shape[1]))
    return `${FOUR_TOKEN_LOGITS} is ${logits.type}[${logits.shape.join(',')}], expected float32[prompts,4,S,S]`;
  if (iou.type !== 'float32' || iou.shape.length !== 2 || !tokens(iou.shape[1]))
    return `${FOUR_TOKEN_IOU} is ${iou.type}[${iou.shape.join(',')}], expected float32[prompts,4]`;
  const embeddings = inputs.find((i) => i.name === 'image_embeddings')!;
  if (embeddingDims) {
    const clash =
      embeddings.shape.length !== embeddingDims.length ||
      embeddings.shape.some((d, k) => fixed(d) !== undefined && fixed(embeddingDims[k]) !== undefined && d !== embeddingDims[k]);
    if (clash) return `it takes image_embeddings [${embeddings.shape.join(',')}], but the encoder gives [${embeddingDims.join(',')}]`;
  }
  return undefined;
}

async function openTriton(t: TritonBackendOptions): Promise<Extract<ModelSessions, { kind: 'triton' }>> {
  const opts = { timeoutMs: t.timeoutMs };
  const encoder = await createTritonSession(t.url, t.encoderModel, opts);
  try {
    return await checkServed(t, encoder, await createTritonSession(t.url, t.decoderModel, opts));
  } catch (e) {
    await encoder.release();
    throw e;
  }
}

async function checkServed(
  t: TritonBackendOptions,
  encoder: TritonSession,
  decoder: TritonSession,
): Promise<Extract<ModelSessions, { kind: 'triton' }>> {
  const where = (name: string) => `Triton model "${name}" at ${encoder.url}`;
  let encoderSpec: EncoderSpec;
  try {
    encoderSpec = encoderSpecFrom(encoder.inputs, encoder.outputs, where(t.encoderModel));
  } catch (e) {
    const err = toTwinsegError(e);
    throw new TwinsegError(err.code, err.message, { hint: REPO_HINT, cause: e });
  }
  const embedding = encoder.outputs.find((o) => o.name === encoderSpec.outputName)?.shape;
  const why = fourTokenMismatch(decoder.inputs, decoder.outputs, embedding);
  if (why) {
    throw new TwinsegError(
      'MODEL_INCOMPATIBLE',
      `${where(t.decoderModel)} is not the four-token SAM decoder twinseg's Triton backend needs: ${why}. It declares inputs ${describeSpecs(decoder.inputs)}; outputs ${describeSpecs(decoder.outputs)}.`,
      { hint: REPO_HINT },
    );
  }
  const maskInput = decoder.inputs.find((i) => i.name === 'mask_input')!;
  const maskSize = fixed(maskInput.shape[maskInput.shape.length - 1]) ?? 256;
  return {
    kind: 'triton',
    encoder,
    encoderSpec,
    decoder: { session: decoder, logitsName: FOUR_TOKEN_LOGITS, iouName: FOUR_TOKEN_IOU, maskSize },
    backend: { kind: 'triton', url: encoder.url, encoderModel: t.encoderModel, decoderModel: t.decoderModel, encoding: decoder.encoding },
  };
}

async function openInProcess(opts: ModelSessionOptions, tritonFallback?: string): Promise<Extract<ModelSessions, { kind: 'in-process' }>> {
  const sessionOpts = { providers: opts.providers, threads: opts.threads, log: opts.log };
  const encoder = await createSession(opts.encoderPath, sessionOpts);
  let decoder: CreatedSession;
  try {
    decoder = await createSession(opts.decoderPath, sessionOpts);
  } catch (e) {
    await encoder.session.release();
    throw e;
  }
  const provider = encoder.provider === decoder.provider ? encoder.provider : `encoder:${encoder.provider},decoder:${decoder.provider}`;
  return { kind: 'in-process', encoder, decoder, backend: { kind: 'in-process', provider, ...(tritonFallback ? { tritonFallback } : {}) } };
}

/** Opens the encoder and decoder on the configured backend; see the head of this file. */
export async function openModelSessions(opts: ModelSessionOptions): Promise<ModelSessions> {
  const t = opts.triton;
  if (!t) return openInProcess(opts);
  try {
    return await openTriton(t);
  } catch (e) {
    const err = toTwinsegError(e);
    if (err.code === 'CANCELLED') throw err;
    if (!t.fallback) {
      throw new TwinsegError(err.code, `TWINSEG_TRITON_URL is set, but Triton cannot run the models: ${err.message}`, {
        hint: `${err.hint ? `${err.hint} ` : ''}${FALLBACK_HINT}`,
        cause: e,
        details: err.details,
      });
    }
    const reason = `${err.code}: ${errorMessage(err)}`;
    (opts.log ?? ((line: string) => console.error(line)))(
      `twinseg: Triton at ${t.url} is unusable, running the models in-process (TWINSEG_TRITON_FALLBACK=1): ${reason.replace(/\s+/g, ' ')}`,
    );
    return openInProcess(opts, reason);
  }
}

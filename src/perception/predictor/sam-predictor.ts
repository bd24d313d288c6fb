// SamPredictor: one encoder pass per image (cached by pixel hash and model), one decoder call per prompt on
// the model as shipped, and, where the decoder's structure allows, batched calls that return all four mask
// tokens (four-token-session.ts). The models run in-process on onnxruntime, or on Triton (model-sessions.ts),
// where the decoder is the four-token one and every decode goes through it. The sharp resize is the only async image step; the
// maths is in sam-preprocess.
import { throwIfAborted, TwinsegError } from '../../errors.js';
import { resizeRaw } from '../../image/codec.js';
import { createEmbeddingCache, embeddingKey, type EmbeddingCache } from './embedding-cache.js';
import { logitsFromLowRes } from '../sam/lowres-masks.js';
import { exportedToken, tokenLogits } from '../sam/mask-tokens.js';
import { openModelSessions, type BackendInfo, type ModelSessions, type TritonBackendOptions } from './model-sessions.js';
import type { ModelSource, ProviderFallback, ProviderName } from '../backends/ort-sessions.js';
import type { ModelSession } from '../backends/model-session.js';
import { decoderSpecFrom, encoderSpecFrom, type DecoderSpec, type EncoderSpec } from '../sam/sam-io-spec.js';
import { normalizeToPaddedChw, promptToDecoderArrays, resizedSize, rgbToFloatHwc } from '../sam/sam-preprocess.js';
import { checkPicture } from './four-token-check.js';
import { openFourTokenDecoder, type FourTokenHandle, type FourTokenStatus } from './four-token-session.js';
import { bindTokenDecoder, type TokenDecoderSession } from './token-batches.js';
import { batchPolicyFor, type BatchPolicy } from '../sam/batch-policy.js';
import type { LoadedImage, Prompt } from '../contract.js';
import type { DecodedMask, Embedding, SamPredictor, TokenDecoder } from '../sam/predictor-interface.js';

export interface SamPredictorOptions {
  encoderPath: ModelSource;
  decoderPath: ModelSource;
  modelName: string;
  providers: readonly ProviderName[];
  threads: number;
  embeddingCacheBytes: number;
  /** TWINSEG_HOME: where the derived four-token decoder and its verdict are kept (else derived in memory). */
  home?: string;
  /** Derive and use the four-token decoder (default true); false keeps the single-mask path only. */
  fourToken?: boolean;
  /** Overrides the provider's batch policy for four-token runs (benchmarks). */
  batchPolicy?: BatchPolicy;
  /** Run the models on Triton (TWINSEG_TRITON_URL) instead of in-process; see model-sessions.ts. */
  triton?: TritonBackendOptions & { maxBatch?: number };
  log?: (line: string) => void;
}

export interface LoadedSamPredictor extends SamPredictor {
  readonly encoderSpec: EncoderSpec;
  readonly decoderSpec: DecoderSpec;
  /** Where the models run: in-process (and why, when Triton was configured) or on Triton. */
  readonly backend: BackendInfo;
  /** Providers that failed to load before the one in use, with reasons (encoder, then decoder). */
  readonly fallbacks: readonly ProviderFallback[];
  readonly cache: EmbeddingCache;
  /** Whether everything mode gets all four mask tokens per prompt, and if not, why. */
  fourTokenStatus(): FourTokenStatus;
  tokenDecoder(embedding: Embedding): Promise<TokenDecoder | undefined>;
  release(): Promise<void>;
}

/** SAM's encoder works on a resized copy; the kernel follows SAM's bilinear PIL resize. */
async function resizeRgb(rgb: Uint8Array, width: number, height: number, newW: number, newH: number): Promise<Uint8Array> {
  if (newW === width && newH === height) return rgb;
  return (await resizeRaw({ data: rgb, width, height, channels: 3 }, newW, newH, 'linear')).data;
}

function encoderInput(spec: EncoderSpec, rgb: Uint8Array, w: number, h: number): { data: Float32Array; dims: number[] } {
  if (spec.layout === 'nchw-normalized') {
    const t = spec.targetSize;
    return { data: normalizeToPaddedChw(rgb, w, h, t, spec.mean, spec.std), dims: [1, 3, t, t] };
  }
  return { data: rgbToFloatHwc(rgb), dims: [h, w, 3] };
}

function asFloat32(data: unknown, what: string): Float32Array {
  if (!(data instanceof Float32Array)) {
    throw new TwinsegError('MODEL_INCOMPATIBLE', `The model's ${what} output is not float32.`, {
      hint: 'Use a SAM ONNX export with float32 outputs.',
    });
  }
  return data;
}

export async function createSamPredictor(opts: SamPredictorOptions): Promise<LoadedSamPredictor> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const sessions = await openModelSessions({
    encoderPath: opts.encoderPath,
    decoderPath: opts.decoderPath,
    providers: opts.providers,
    threads: opts.threads,
    triton: opts.triton,
    log,
  });
  if (sessions.kind === 'triton') return servedPredictor(opts, sessions);
  const { encoder: enc, decoder: dec, backend } = sessions;
  let encoderSpec: EncoderSpec;
  let decoderSpec: DecoderSpec;
  try {
    encoderSpec = encoderSpecFrom(enc.session.inputs, enc.session.outputs, `${opts.modelName} encoder`);
    decoderSpec = decoderSpecFrom(dec.session.inputs, dec.session.outputs, `${opts.modelName} decoder`);
  } catch (e) {
    await Promise.all([enc.session.release(), dec.session.release()]);
    throw e;
  }
  const predictor = buildPredictor(
    opts,
    enc.session,
    encoderSpec,
    decoderSpec,
    backend.provider,
    [...enc.fallbacks, ...dec.fallbacks],
    backend,
    originalDecode(dec.session, encoderSpec, decoderSpec),
    () => dec.session.release(),
  );
  if (opts.fourToken === false) return predictor;
  let four: FourTokenHandle;
  try {
    four = await openFourTokenDecoder({
      decoderPath: opts.decoderPath,
      home: opts.home,
      providers: [dec.provider],
      threads: opts.threads,
      batchPolicy: opts.batchPolicy,
      frameSide: encoderSpec.targetSize,
      maskSize: decoderSpec.maskInputSize,
      original: (embedding, prompt) => predictor.decode(embedding, prompt),
      checkEmbedding: async (attempt) => (await predictor.embed(checkPicture(attempt))).embedding,
      log,
    });
  } catch (e) {
    await predictor.release();
    throw e;
  }
  return {
    ...predictor,
    fourTokenStatus: () => four.status(),
    tokenDecoder: (embedding) => four.tokenDecoder(embedding),
    release: async () => {
      await four.release();
      await predictor.release();
    },
  };
}

/**
 * The predictor on Triton: the served encoder, and the served four-token decoder for every decode. Prompt
 * batches go in one request each (no padding: the server's onnxruntime takes any prompt count). The single-
 * mask decode() is the exported model's token from the same decoder, upsampled to the original size.
 */
function servedPredictor(opts: SamPredictorOptions, sessions: Extract<ModelSessions, { kind: 'triton' }>): LoadedSamPredictor {
  const { encoder, encoderSpec, decoder, backend } = sessions;
  const served: TokenDecoderSession = {
    session: decoder.session,
    logitsName: decoder.logitsName,
    iouName: decoder.iouName,
    maskSize: decoder.maskSize,
    frameSide: encoderSpec.targetSize,
    policy: { ...batchPolicyFor('triton', { tritonMaxBatch: opts.triton?.maxBatch }), ...opts.batchPolicy },
  };
  const bind = (embedding: Embedding): TokenDecoder => bindTokenDecoder(served, embedding);
  // decode() keeps the SamPredictor contract, full-size logits as the exported decoder returns them, so it
  // upsamples the token's low-res map whole. The segmenter and everything mode never call it on Triton: they
  // take tokenDecoder(), low-res logits straight to an RLE, as in-process.
  const decode = async (embedding: Embedding, prompt: Prompt): Promise<DecodedMask> => {
    const decoder = bind(embedding);
    const m = (await decoder.decode([{ prompt }])).masks[0]!;
    const token = exportedToken(prompt, m);
    const lowRes = Float32Array.from(tokenLogits(m, token));
    return {
      logits: logitsFromLowRes(lowRes, decoder.upsampler),
      width: embedding.width,
      height: embedding.height,
      predictedIou: m.iou[token]!,
      lowRes,
    };
  };
  const decoderSpec: DecoderSpec = { masksName: decoder.logitsName, iouName: decoder.iouName, maskInputSize: decoder.maskSize };
  const predictor = buildPredictor(opts, encoder, encoderSpec, decoderSpec, 'triton', [], backend, decode, () => decoder.session.release());
  const status: FourTokenStatus = {
    state: 'verified',
    reason: `served by Triton as model "${backend.decoderModel}" at ${backend.url}; \`twinseg triton-repo\` checks it against the original decoder before writing it`,
  };
  return { ...predictor, fourTokenStatus: () => ({ ...status }), tokenDecoder: async (embedding) => bind(embedding) };
}

/** decode() on the decoder as exported: one prompt, its full-size mask and the model's pick of tokens. */
function originalDecode(
  decoder: ModelSession,
  encoderSpec: EncoderSpec,
  decoderSpec: DecoderSpec,
): (embedding: Embedding, prompt: Prompt) => Promise<DecodedMask> {
  const target = encoderSpec.targetSize;
  const m = decoderSpec.maskInputSize;
  // Never written to: every call without a mask prompt feeds the same zeros.
  const zeroMask = { data: new Float32Array(m * m), dims: [1, 1, m, m] };
  const noMask = { data: new Float32Array([0]), dims: [1] };
  const fetches = [decoderSpec.masksName, decoderSpec.iouName, ...(decoderSpec.lowResName ? [decoderSpec.lowResName] : [])];
  return async (embedding, prompt) => {
    const { width, height } = embedding;
    const size = resizedSize(width, height, target);
    const p = promptToDecoderArrays(prompt, width, height, size);
    const out = await decoder.run(
      {
        image_embeddings: { data: embedding.data, dims: embedding.dims },
        point_coords: { data: p.coords, dims: [1, p.n, 2] },
        point_labels: { data: p.labels, dims: [1, p.n] },
        mask_input: zeroMask,
        has_mask_input: noMask,
        // SAM's decoder upsamples to orig_im_size given as (h, w): masks come back at original pixels.
        orig_im_size: { data: new Float32Array([height, width]), dims: [2] },
      },
      fetches,
    );
    const masks = out[decoderSpec.masksName];
    const dims = masks.dims;
    const [mh, mw] = [dims[dims.length - 2], dims[dims.length - 1]];
    if (dims.length !== 4 || mh !== height || mw !== width) {
      throw new TwinsegError(
        'MODEL_INCOMPATIBLE',
        `The decoder returned masks of shape [${dims.join(',')}], expected [1,C,${height},${width}].`,
        {
          hint: 'Use a SAM ONNX decoder that upsamples masks to orig_im_size.',
        },
      );
    }
    const iou = asFloat32(out[decoderSpec.iouName].data, 'iou_predictions');
    // Multimask exports return C masks; keep the one the model rates best.
    let best = 0;
    for (let c = 1; c < dims[1]; c++) if (iou[c] > iou[best]) best = c;
    const plane = width * height;
    const logits = asFloat32(masks.data, 'masks').subarray(best * plane, (best + 1) * plane);
    let lowRes: Float32Array | undefined;
    if (decoderSpec.lowResName) {
      const lr = out[decoderSpec.lowResName];
      const lrPlane = lr.dims[lr.dims.length - 1] * lr.dims[lr.dims.length - 2];
      lowRes = asFloat32(lr.data, 'low_res_masks').subarray(best * lrPlane, (best + 1) * lrPlane);
    }
    return { logits, width, height, predictedIou: iou[best], lowRes };
  };
}

function buildPredictor(
  opts: SamPredictorOptions,
  encoder: ModelSession,
  encoderSpec: EncoderSpec,
  decoderSpec: DecoderSpec,
  provider: string,
  fallbacks: ProviderFallback[],
  backend: BackendInfo,
  decode: (embedding: Embedding, prompt: Prompt) => Promise<DecodedMask>,
  releaseDecoder: () => Promise<void>,
): LoadedSamPredictor {
  const cache = createEmbeddingCache(opts.embeddingCacheBytes);
  const target = encoderSpec.targetSize;

  async function encode(image: LoadedImage, cancelled: () => boolean): Promise<Embedding> {
    const size = resizedSize(image.width, image.height, target);
    const resized = await resizeRgb(image.rgb, image.width, image.height, size.width, size.height);
    const input = encoderInput(encoderSpec, resized, size.width, size.height);
    if (cancelled()) throw new TwinsegError('CANCELLED', 'The operation was cancelled.');
    const out = await encoder.run({ [encoderSpec.inputName]: input }, [encoderSpec.outputName]);
    const emb = out[encoderSpec.outputName];
    return {
      data: asFloat32(emb.data, `encoder ${encoderSpec.outputName}`),
      dims: [...emb.dims],
      width: image.width,
      height: image.height,
      scale: size.scale,
    };
  }

  return {
    modelName: opts.modelName,
    provider,
    encoderSpec,
    decoderSpec,
    fallbacks,
    backend,
    cache,
    fourTokenStatus: () => ({ state: 'unavailable', reason: 'turned off for this predictor' }),
    tokenDecoder: async () => undefined,
    async embed(image, signal) {
      throwIfAborted(signal);
      const start = performance.now();
      const key = embeddingKey(image.hash, opts.modelName);
      const { embedding, cached } = await cache.getOrCompute(key, (cancelled) => encode(image, cancelled), signal);
      return { embedding, cached, ms: performance.now() - start };
    },
    decode,
    async release() {
      cache.clear();
      await Promise.all([encoder.release(), releaseDecoder()]);
    },
  };
}

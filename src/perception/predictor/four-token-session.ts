// The four-token decoder's life in a predictor: derive (or find in the cache), load, warm the batch sizes
// the provider will see, check it against the original decoder (on a picture drawn for the check, when it
// is first asked for), and stand down (single-mask mode, reason on stderr and in the status) when any of
// that fails.
import fs from 'node:fs/promises';
import { errorMessage, toTwinsegError } from '../../errors.js';
import { prepareFourTokenDecoder, saveVerdict, type FourTokenFile, type Verdict } from './four-token-file.js';
import type { SharingSummary } from '../graph/image-side-sharing.js';
import type { AttentionSummary } from '../graph/attention-rewrite.js';
import type { UpscalingSummary } from '../graph/upscaling-rewrite.js';
import { checkFourTokenDecoder } from './four-token-check.js';
import { splitImageSide, type SplitSummary } from '../graph/image-side-split.js';
import { createSession, type ModelSource, type ProviderName } from '../backends/ort-sessions.js';
import type { ModelSession } from '../backends/model-session.js';
import { splitSession } from '../backends/split-session.js';
import { batchPolicyFor, warmSizes, type BatchPolicy } from '../sam/batch-policy.js';
import { bindTokenDecoder, type TokenDecoderSession } from './token-batches.js';
import type { Prompt } from '../contract.js';
import type { DecodedMask, Embedding, TokenDecoder } from '../sam/predictor-interface.js';

/** What `twinseg doctor` and logs say about the four-token decoder. */
export interface FourTokenStatus {
  state: 'verified' | 'pending' | 'refused' | 'unavailable';
  reason?: string;
  /** The derived file, where cached. */
  file?: string;
  /** Whether a batch of prompts shares the image-side work, or why not. */
  sharing?: SharingSummary;
  /** Whether the mask head runs as per-token MatMuls, or why not. */
  upscaling?: UpscalingSummary;
  /** How many prompt–image attention blocks project on the prompts' side. */
  attention?: AttentionSummary;
  /** Whether the image-side work runs once per image (a graph of its own), or why not. */
  split?: SplitSummary;
  verdict?: Verdict;
}

export interface FourTokenOptions {
  decoderPath: ModelSource;
  /** TWINSEG_HOME, for the derived-file cache; without it the variant is derived in memory. */
  home?: string;
  providers: readonly ProviderName[];
  threads: number;
  /** Overrides the provider's batch policy (benchmarks). */
  batchPolicy?: BatchPolicy;
  /** The encoder frame side (1024 for SAM) and the decoder's mask_input side (256). */
  frameSide: number;
  maskSize: number;
  /** The original decoder, for the check. */
  original: (embedding: Embedding, prompt: Prompt) => Promise<DecodedMask>;
  /** The embedding of the `attempt`-th picture drawn for the check (four-token-check.ts's checkPicture). */
  checkEmbedding: (attempt: number) => Promise<Embedding>;
  log: (line: string) => void;
}

export interface FourTokenHandle {
  status(): FourTokenStatus;
  tokenDecoder(embedding: Embedding): Promise<TokenDecoder | undefined>;
  release(): Promise<void>;
}

interface Loaded extends TokenDecoderSession {
  recordPath?: string;
  split: SplitSummary;
}

/** The file loaded (or why not): a status, and the session when there is one. */
async function attempt(opts: FourTokenOptions, file: FourTokenFile, split = true): Promise<{ status: FourTokenStatus; loaded?: Loaded }> {
  if (!file.available) return { status: { state: 'unavailable', reason: file.reason } };
  const where = typeof file.model === 'string' ? file.model : undefined;
  const base = { file: where, verdict: file.verdict, sharing: file.sharing, upscaling: file.upscaling, attention: file.attention };
  if (file.verdict.state === 'refused') return { status: { state: 'refused', reason: file.verdict.reason, ...base } };
  try {
    const loaded = split ? await load(opts, file) : await loadWhole(opts, file, { split: false, reason: 'the fallback graph runs whole' });
    return { status: { state: file.verdict.state, ...base, split: loaded.split }, loaded };
  } catch (e) {
    return { status: { state: 'unavailable', reason: `the four-token decoder does not load: ${toTwinsegError(e).message}`, ...base } };
  }
}

/**
 * The four-token graph without the speed-ups (image side copied per prompt, the exported mask head), where
 * the rewritten one failed to load or its check (derived in memory, checked anew).
 */
async function plainFallback(
  opts: FourTokenOptions,
  failed: FourTokenStatus,
): Promise<{ status: FourTokenStatus; loaded?: Loaded } | undefined> {
  if (!failed.sharing?.shared && !failed.upscaling?.rewritten && !failed.attention?.blocks) return undefined;
  opts.log(`twinseg: the rewritten four-token decoder ${failed.state} (${failed.reason}); trying it as exported, without the speed-ups`);
  const file = await prepareFourTokenDecoder(opts.decoderPath, {
    shareImageSide: false,
    rewriteUpscaling: false,
    rewriteAttention: false,
  }).catch(() => undefined);
  if (!file?.available) return undefined;
  const next = await attempt(opts, file, false);
  if (!next.loaded) return undefined;
  const reason = `the rewritten graph ${failed.state}: ${failed.reason}`;
  return {
    loaded: next.loaded,
    status: {
      ...next.status,
      sharing: { shared: false, reason },
      upscaling: { rewritten: false, reason },
      attention: { blocks: 0, reason },
    },
  };
}

export async function openFourTokenDecoder(opts: FourTokenOptions): Promise<FourTokenHandle> {
  const file = await prepareFourTokenDecoder(opts.decoderPath, { home: opts.home, log: opts.log }).catch((e: unknown) => ({
    available: false as const,
    reason: `deriving it failed: ${errorMessage(e)}`,
    recordPath: undefined,
  }));
  let { status, loaded } = await attempt(opts, file);
  if (!loaded) ({ status, loaded } = (await plainFallback(opts, status)) ?? { status, loaded });
  if (status.state === 'unavailable' || status.state === 'refused') {
    opts.log(`twinseg: four-token decoder ${status.state} (${status.reason}); everything mode decodes one mask per prompt`);
  }

  let checking: Promise<void> | undefined;
  let attempts = 0;
  async function check(l: Loaded): Promise<void> {
    const embedding = await opts.checkEmbedding(attempts++);
    const verdict = await checkFourTokenDecoder({
      embedding,
      image: `a ${embedding.width}x${embedding.height} picture drawn for the check`,
      original: (p) => opts.original(embedding, p),
      fourToken: bindTokenDecoder(l, embedding),
    });
    status = { ...status, state: verdict.state, verdict, reason: verdict.reason };
    if (verdict.state === 'pending') return;
    await saveVerdict(l.recordPath, verdict, opts.log);
    if (verdict.state === 'refused') {
      loaded = undefined;
      await l.session.release();
      const fallback = await plainFallback(opts, status);
      if (fallback?.loaded) {
        ({ status, loaded } = fallback);
        await check(fallback.loaded);
        return;
      }
      opts.log(`twinseg: four-token decoder refused: ${verdict.reason}; everything mode decodes one mask per prompt`);
    }
  }

  return {
    status: () => ({ ...status }),
    async tokenDecoder(embedding) {
      if (loaded && status.state === 'pending') {
        checking ??= check(loaded).finally(() => {
          checking = undefined;
        });
        await checking;
      }
      return loaded ? bindTokenDecoder(loaded, embedding) : undefined;
    },
    async release() {
      await loaded?.session.release();
      loaded = undefined;
    },
  };
}

async function load(opts: FourTokenOptions, file: Extract<FourTokenFile, { available: true }>): Promise<Loaded> {
  const split = await splitSessions(opts, file);
  if (split.session) {
    try {
      return await warmed(opts, file, split.session, opts.providers[0]!, split.summary);
    } catch (e) {
      const reason = `the split graphs fail to run: ${toTwinsegError(e).message}`;
      opts.log(`twinseg: ${reason}; the four-token decoder runs as one graph`);
      return loadWhole(opts, file, { split: false, reason });
    }
  }
  return loadWhole(opts, file, split.summary);
}

async function loadWhole(opts: FourTokenOptions, file: Extract<FourTokenFile, { available: true }>, split: SplitSummary): Promise<Loaded> {
  const created = await createSession(file.model, { providers: opts.providers, threads: opts.threads, memPattern: false, log: opts.log });
  return warmed(opts, file, created.session, created.provider, split);
}

/** The loaded decoder after its warm-up runs; the session is released where they fail. */
async function warmed(
  opts: FourTokenOptions,
  file: Extract<FourTokenFile, { available: true }>,
  session: ModelSession,
  provider: ProviderName,
  split: SplitSummary,
): Promise<Loaded> {
  const l: Loaded = {
    session,
    logitsName: file.logitsName,
    iouName: file.iouName,
    maskSize: opts.maskSize,
    frameSide: opts.frameSide,
    policy: { ...batchPolicyFor(provider), ...opts.batchPolicy },
    recordPath: file.recordPath,
    split,
  };
  try {
    await warm(l, opts);
  } catch (e) {
    await l.session.release();
    throw e;
  }
  return l;
}

/**
 * On the CPU, the image-side work as a graph of its own, run once per image (image-side-split.ts); elsewhere,
 * or where the split is not found or does not load, one graph. GPUs keep one graph: the image side is cheap
 * there, and split it would cross to the host and back on every run.
 */
async function splitSessions(
  opts: FourTokenOptions,
  file: Extract<FourTokenFile, { available: true }>,
): Promise<{ session?: ModelSession; summary: SplitSummary }> {
  const provider = opts.providers[0];
  if (opts.providers.length !== 1 || provider !== 'cpu')
    return { summary: { split: false, reason: `one graph on ${opts.providers.join(', ')}` } };
  const bytes = typeof file.model === 'string' ? new Uint8Array(await fs.readFile(file.model)) : file.model;
  const parts = splitImageSide(bytes);
  if (!parts.ok) return { summary: { split: false, reason: parts.reason } };
  const made: ModelSession[] = [];
  try {
    for (const graph of [parts.image, parts.prompts]) {
      made.push((await createSession(graph, { providers: [provider], threads: opts.threads, memPattern: false, log: opts.log })).session);
    }
  } catch (e) {
    await Promise.all(made.map((m) => m.release()));
    const reason = `the split graphs do not load: ${toTwinsegError(e).message}`;
    opts.log(`twinseg: ${reason}; the four-token decoder runs as one graph`);
    return { summary: { split: false, reason } };
  }
  return { session: splitSession(made[0]!, made[1]!, parts.boundary), summary: { split: true, tensors: parts.boundary.length } };
}

/** One run at each size the policy will use, on a blank embedding, so that first real runs are not slower. */
async function warm(l: Loaded, opts: FourTokenOptions): Promise<void> {
  const spec = l.session.inputs.find((i) => i.name === 'image_embeddings');
  const dims = (spec?.shape ?? [1, 256, 64, 64]).map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const size = opts.frameSide;
  const embedding: Embedding = { data: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims, width: size, height: size, scale: 1 };
  for (const b of warmSizes(l.policy)) {
    const prompts = Array.from({ length: b }, () => ({ prompt: { points: [{ x: size / 2, y: size / 2, label: 1 as const }] } }));
    await bindTokenDecoder({ ...l, policy: { maxBatch: b, padTo: [] } }, embedding).decode(prompts);
  }
}

// How prompts are batched on their way through the four-token decoder, decided here for every backend: how
// many prompts one decoder run takes and which sizes it is padded to (per provider, and for a Triton-served
// decoder), how prompts are grouped into runs, and how many decoded prompts everything mode holds before
// their logits are turned into masks and dropped.

/** How a provider likes its batches. */
export interface BatchPolicy {
  /** Most prompts in one decoder run. */
  maxBatch: number;
  /** Run sizes a batch is padded up to (ascending; empty: run the exact size). */
  padTo: readonly number[];
  /**
   * Whether a decode that needs logits only where the image lies (TokenDecodeOptions.imageOnly) may skip the
   * frame's padding in the mask head. Each image aspect is then a new output shape: free on the CPU, a new
   * kernel tuning on GPUs (unmeasured there, so off).
   */
  cropHead?: boolean;
}

/**
 * Prompts per request to a Triton-served decoder unless TWINSEG_TRITON_MAX_BATCH says otherwise: a round of
 * 16 prompts is 4 MiB of mask inputs up and 16 MiB of logits down, and one model run on a GPU.
 */
export const TRITON_MAX_BATCH = 16;

/**
 * CPU: per-prompt cost hardly falls with the batch, while memory grows with it (~50 MB a prompt), so
 * small runs of the exact size (onnxruntime's arena is warmed at the largest once). GPUs: bigger runs,
 * padded to a few fixed sizes so each shape is compiled and tuned once, at warm-up; webgpu's per-prompt
 * cost grows past runs of 16 (docs/performance.md, GPU). Triton: one request per round of `tritonMaxBatch`, unpadded (the server's
 * onnxruntime takes any prompt count).
 */
export function batchPolicyFor(provider: string, opts: { tritonMaxBatch?: number } = {}): BatchPolicy {
  if (provider === 'cpu') return { maxBatch: 8, padTo: [], cropHead: true };
  if (provider === 'triton') return { maxBatch: opts.tritonMaxBatch ?? TRITON_MAX_BATCH, padTo: [] };
  if (provider === 'webgpu') return { maxBatch: 16, padTo: [1, 4, 16] };
  return { maxBatch: 64, padTo: [1, 4, 16, 64] };
}

/** Sizes to run once at session creation so that no real run pays for a first allocation. */
export function warmSizes(policy: BatchPolicy): number[] {
  return policy.padTo.length > 0 ? [...policy.padTo] : [policy.maxBatch];
}

/**
 * Prompts everything mode decodes before their logits are post-processed and dropped: 4 × 256² floats
 * (1 MB) each; as many as a GPU provider's largest run, so those are not cut short by it.
 */
export const PROMPTS_PER_DECODE_SLICE = 64;

/** One decoder run of a batch: which prompts it holds and the size it is fed at. */
export interface DecoderRun {
  /** Indices into the prompt list, in order. */
  members: number[];
  /** Batch size fed (members plus copies of the last one as padding). */
  size: number;
  hasMask: boolean;
}

/**
 * Groups prompts (by decoder point count and mask input) and cuts each group into padded runs. A run holds
 * prompts with the same number of decoder points (padding with SAM's "not a point" would change their masks)
 * and the same has_mask_input (one flag per run).
 */
export function planDecoderRuns(pointCounts: readonly number[], hasMask: readonly boolean[], policy: BatchPolicy): DecoderRun[] {
  const groups = new Map<string, number[]>();
  pointCounts.forEach((n, i) => {
    const key = `${n}:${hasMask[i] ? 1 : 0}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const runs: DecoderRun[] = [];
  for (const members of groups.values()) {
    for (let i = 0; i < members.length; i += policy.maxBatch) {
      const chunk = members.slice(i, i + policy.maxBatch);
      const size = policy.padTo.find((s) => s >= chunk.length) ?? chunk.length;
      runs.push({ members: chunk, size, hasMask: hasMask[chunk[0]!]! });
    }
  }
  return runs;
}

// Batched four-token decoding: prompts are grouped into runs the decoder can take together (batch-policy.ts),
// each run is fed as one tensor batch, and the [B,4,S,S] / [B,4] outputs are cut back into one result per
// prompt. bindTokenDecoder makes the TokenDecoder of one image for every backend.
import { throwIfAborted, TwinsegError } from '../../errors.js';
import { MASK_BATCH_DIM } from '../graph/image-side-sharing.js';
import { MASK_TOKENS } from '../sam/mask-tokens.js';
import { MASK_EXTENT } from '../graph/upscaling-rewrite.js';
import type { ModelSession, PlainTensor } from '../backends/model-session.js';
import { promptToDecoderArrays, resizedSize, type ResizedSize } from '../sam/sam-preprocess.js';
import { planDecoderRuns, type BatchPolicy, type DecoderRun } from '../sam/batch-policy.js';
import { lowResUpsampler } from '../sam/lowres-masks.js';
import type { Embedding, TokenDecodeOptions, TokenDecoder, TokenMasks, TokenPrompt } from '../sam/predictor-interface.js';

export interface TokenRunContext {
  session: ModelSession;
  logitsName: string;
  iouName: string;
  maskSize: number;
  /** The image's resize into the encoder frame (prompts are mapped with it). */
  resize: ResizedSize;
  /** Low-res rows and columns this image's masks read (LowResUpsampler.reach); what a cropped head computes. */
  reach?: { rows: number; cols: number };
}

/** The mask_extent to feed (token rows and columns), and the logit rows and columns it yields. */
function headExtent(ctx: TokenRunContext, embedding: Embedding, crop: boolean): { tokens: [number, number]; rows: number; cols: number } {
  const gh = embedding.dims[2] ?? 0;
  const gw = embedding.dims[3] ?? 0;
  const cell = gh > 0 ? ctx.maskSize / gh : 1;
  const th = crop && ctx.reach ? Math.min(gh, Math.ceil(ctx.reach.rows / cell)) : gh;
  const tw = crop && ctx.reach ? Math.min(gw, Math.ceil(ctx.reach.cols / cell)) : gw;
  return { tokens: [th, tw], rows: th * cell, cols: tw * cell };
}

/** Feeds for one run; inputs the four-token graph no longer declares are left out. */
function runFeeds(
  ctx: TokenRunContext,
  embedding: Embedding,
  prompts: readonly TokenPrompt[],
  run: DecoderRun,
  extent: [number, number],
): Record<string, PlainTensor> {
  const arrays = run.members.map((i) => promptToDecoderArrays(prompts[i]!.prompt, embedding.width, embedding.height, ctx.resize));
  const n = arrays[0]!.n;
  const b = run.size;
  const plane = ctx.maskSize * ctx.maskSize;
  const coords = new Float32Array(b * n * 2);
  const labels = new Float32Array(b * n);
  // A graph whose prompts share the image side takes one blank mask for a run without mask inputs.
  const maskBatch = !run.hasMask && sharesImageSide(ctx.session) ? 1 : b;
  const masks = new Float32Array(maskBatch * plane);
  for (let k = 0; k < b; k++) {
    const src = Math.min(k, arrays.length - 1); // padding repeats the last prompt
    coords.set(arrays[src]!.coords, k * n * 2);
    labels.set(arrays[src]!.labels, k * n);
    const maskInput = prompts[run.members[src]!]!.maskInput;
    if (maskInput) {
      if (maskInput.length !== plane) {
        throw new TwinsegError(
          'INVALID_INPUT',
          `A mask input holds ${maskInput.length} values; this decoder takes ${ctx.maskSize}x${ctx.maskSize} low-res logits.`,
          {
            hint: 'Pass the low-res logits of an earlier decode of the same image (tokenLogits of its result).',
          },
        );
      }
      masks.set(maskInput, k * plane);
    }
  }
  const all: Record<string, PlainTensor> = {
    image_embeddings: { data: embedding.data, dims: embedding.dims },
    point_coords: { data: coords, dims: [b, n, 2] },
    point_labels: { data: labels, dims: [b, n] },
    mask_input: { data: masks, dims: [maskBatch, 1, ctx.maskSize, ctx.maskSize] },
    has_mask_input: { data: Float32Array.of(run.hasMask ? 1 : 0), dims: [1] },
    orig_im_size: { data: Float32Array.of(embedding.height, embedding.width), dims: [2] },
    [MASK_EXTENT]: { data: BigInt64Array.from(extent, BigInt), dims: [2] },
  };
  return Object.fromEntries(ctx.session.inputs.filter((i) => i.name in all).map((i) => [i.name, all[i.name]!]));
}

function sharesImageSide(session: ModelSession): boolean {
  return session.inputs.find((i) => i.name === 'mask_input')?.shape[0] === MASK_BATCH_DIM;
}

function checkedOutputs(
  ctx: TokenRunContext,
  out: Record<string, PlainTensor>,
  b: number,
  rows: number,
  cols: number,
): { logits: Float32Array; iou: Float32Array } {
  const logits = out[ctx.logitsName];
  const iou = out[ctx.iouName];
  const ok =
    logits?.data instanceof Float32Array &&
    iou?.data instanceof Float32Array &&
    logits.dims.length === 4 &&
    logits.dims[0] === b &&
    logits.dims[1] === MASK_TOKENS &&
    logits.dims[2] === rows &&
    logits.dims[3] === cols &&
    iou.dims.length === 2 &&
    iou.dims[0] === b &&
    iou.dims[1] === MASK_TOKENS;
  if (!ok) {
    throw new TwinsegError(
      'MODEL_INCOMPATIBLE',
      `The four-token decoder returned [${logits?.dims.join(',')}] and [${iou?.dims.join(',')}], expected [${b},${MASK_TOKENS},${rows},${cols}] and [${b},${MASK_TOKENS}].`,
      {
        hint: 'This SAM export does not batch prompts as expected; set TWINSEG_DECODER to a standard segment-anything export.',
      },
    );
  }
  return { logits: logits.data as Float32Array, iou: iou.data as Float32Array };
}

/** Decodes every prompt's four tokens, in prompt order, in as few runs as the policy allows. */
export async function decodeTokenBatches(
  ctx: TokenRunContext,
  embedding: Embedding,
  prompts: readonly TokenPrompt[],
  policy: BatchPolicy,
  opts: TokenDecodeOptions = {},
): Promise<{ masks: TokenMasks[]; runs: number }> {
  const counts = prompts.map((p) => (p.prompt.points?.length ?? 0) + (p.prompt.box ? 2 : 1));
  const runs = planDecoderRuns(
    counts,
    prompts.map((p) => p.maskInput !== undefined),
    policy,
  );
  const masks = new Array<TokenMasks>(prompts.length);
  const s = ctx.maskSize;
  const takesExtent = ctx.session.inputs.some((i) => i.name === MASK_EXTENT);
  const extent = headExtent(ctx, embedding, takesExtent && opts.imageOnly === true && policy.cropHead === true);
  const [rows, cols] = takesExtent ? [extent.rows, extent.cols] : [s, s];
  for (const run of runs) {
    throwIfAborted(opts.signal);
    const out = await ctx.session.run(runFeeds(ctx, embedding, prompts, run, extent.tokens), [ctx.logitsName, ctx.iouName]);
    const { logits, iou } = checkedOutputs(ctx, out, run.size, rows, cols);
    const per = MASK_TOKENS * rows * cols;
    run.members.forEach((i, k) => {
      const own = { logits: logits.subarray(k * per, (k + 1) * per), iou: iou.subarray(k * MASK_TOKENS, (k + 1) * MASK_TOKENS), size: s };
      masks[i] = rows === s && cols === s ? own : { ...own, rows, cols };
    });
    opts.onRun?.(run.members.length);
  }
  return { masks, runs: runs.length };
}

/** A four-token decoder session as loaded: in-process or served, derived in memory or from the cache. */
export interface TokenDecoderSession {
  session: ModelSession;
  logitsName: string;
  iouName: string;
  /** The decoder's low-res side (256 for SAM), and of a mask_input. */
  maskSize: number;
  /** The encoder frame's side (1024 for SAM). */
  frameSide: number;
  policy: BatchPolicy;
}

/** The TokenDecoder of one image embedding: how every backend binds its four-token decoder to an image. */
export function bindTokenDecoder(d: TokenDecoderSession, embedding: Embedding): TokenDecoder {
  const upsampler = lowResUpsampler(embedding.width, embedding.height, d.frameSide, d.maskSize);
  const ctx: TokenRunContext = {
    session: d.session,
    logitsName: d.logitsName,
    iouName: d.iouName,
    maskSize: d.maskSize,
    resize: resizedSize(embedding.width, embedding.height, d.frameSide),
    reach: upsampler.reach,
  };
  return { upsampler, decode: (prompts, opts) => decodeTokenBatches(ctx, embedding, prompts, d.policy, opts) };
}

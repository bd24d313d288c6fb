// Derives the four-token decoder from a SAM ONNX decoder. SAM's export computes the low-res logits and
// predicted IoUs of all four mask tokens, then keeps one with SamOnnxModel.select_masks: ArgMax over the
// reweighted IoUs, plus batch offsets (Add), indexes (Gather) a Flatten of each all-token tensor. The
// four-token graph outputs those two all-token tensors instead, and takes a batch of prompts against one
// image embedding. Tensors are found by that structure, never by name, so other SAM exports work too.
import onnxProto from 'onnx-proto';
import { shareImageSide, type SharingSummary } from './image-side-sharing.js';
import { producers, readDecoderModel } from './onnx-graph-kit.js';
import { rewriteAttention, type AttentionSummary } from './attention-rewrite.js';
import { rewriteUpscaling, type UpscalingSummary } from './upscaling-rewrite.js';

const { onnx } = onnxProto;
type Graph = onnxProto.onnx.IGraphProto;
type Node = onnxProto.onnx.INodeProto;

/** Prompt inputs whose dim 0 becomes the prompt batch. */
const BATCHED_INPUTS = ['point_coords', 'point_labels', 'mask_input'] as const;
export const PROMPT_BATCH_DIM = 'prompts';
/**
 * The four-token graph's outputs, whatever the source graph called the tensors: [prompts, 4, S, S] low-res
 * logits and [prompts, 4] predicted IoUs of all mask tokens, declared float32 with those shapes so that a
 * model server (Triton's config.pbtxt) can be configured from the file alone.
 */
export const FOUR_TOKEN_LOGITS = 'token_logits';
export const FOUR_TOKEN_IOU = 'token_iou_predictions';
/** SAM's mask tokens (mask-tokens.ts holds the same number; this module stays free of imports). */
const TOKENS = 4;
/** How far back from the ArgMax the IoU tensor may sit (SAM: one Add for the token-0 reweighting). */
const IOU_SEARCH_DEPTH = 4;

export interface FourTokenGraph {
  /** The derived model, encoded. */
  bytes: Uint8Array;
  /** [B, 4, S, S] low-res logits of all mask tokens. */
  logitsName: string;
  /** [B, 4] predicted IoUs of all mask tokens. */
  iouName: string;
  /** Whether prompts share the image-side work (mask_input then takes a batch of 1 when no prompt has a mask), or why not. */
  sharing: SharingSummary;
  /** Whether the mask head's transposed convolutions run as per-token MatMuls, or why not. */
  upscaling: UpscalingSummary;
  /** How many prompt–image attention blocks project on the prompt tokens' side. */
  attention: AttentionSummary;
}

/**
 * The speed-ups a derivation applies (all by default); `false` keeps that part of the graph as exported:
 * the fallback where a rewritten graph fails on a provider, and what tests compare against.
 */
export interface DeriveOptions {
  shareImageSide?: boolean;
  rewriteUpscaling?: boolean;
  rewriteAttention?: boolean;
}

export type FourTokenGraphResult = ({ ok: true } & FourTokenGraph) | { ok: false; reason: string };

interface Selector {
  gather: Node;
  /** The all-token tensor that the Flatten feeding the Gather reads. */
  source: string;
  argmax: Node;
}

/** Pure: ONNX bytes in, derived bytes (or why not) out. */
export function deriveFourTokenDecoder(source: Uint8Array, opts: DeriveOptions = {}): FourTokenGraphResult {
  const read = readDecoderModel(source);
  if ('reason' in read) return { ok: false, reason: read.reason };
  const { model, graph } = read;
  const found = findTokenTensors(graph);
  if ('reason' in found) return { ok: false, reason: found.reason };
  const missing = BATCHED_INPUTS.filter((name) => !graph.input?.some((v) => v.name === name));
  if (missing.length > 0) return { ok: false, reason: `the decoder lacks the SAM prompt inputs ${missing.join(', ')}` };

  makePromptBatchSymbolic(graph);
  const side = maskSide(graph);
  // Identity nodes give the outputs stable names; onnxruntime removes them when it optimises the graph.
  graph.node!.push(
    onnx.NodeProto.create({ opType: 'Identity', name: 'twinseg_token_logits', input: [found.logitsName], output: [FOUR_TOKEN_LOGITS] }),
    onnx.NodeProto.create({ opType: 'Identity', name: 'twinseg_token_iou', input: [found.iouName], output: [FOUR_TOKEN_IOU] }),
  );
  keepOnlyOutputs(graph, [
    floatOutput(FOUR_TOKEN_LOGITS, [PROMPT_BATCH_DIM, TOKENS, side, side]),
    floatOutput(FOUR_TOKEN_IOU, [PROMPT_BATCH_DIM, TOKENS]),
  ]);
  // After pruning, so that only what feeds the outputs is analysed.
  const shared = opts.shareImageSide === false ? { shared: false as const, reason: 'not asked for' } : shareImageSide(graph);
  const sharing: SharingSummary = shared.shared ? { shared: true } : { shared: false, reason: shared.reason };
  const attention = opts.rewriteAttention === false ? { blocks: 0, reason: 'not asked for' } : rewriteAttention(graph);
  const upscaling =
    opts.rewriteUpscaling === false ? { rewritten: false as const, reason: 'not asked for' } : rewriteUpscaling(graph, found.logitsName);
  // What the rewrites replaced no longer feeds the outputs.
  if (upscaling.rewritten || attention.blocks > 0) keepOnlyOutputs(graph, graph.output ?? []);
  // The rewritten head computes the rows and columns its mask_extent input asks for.
  if (upscaling.rewritten) graph.output![0] = floatOutput(FOUR_TOKEN_LOGITS, [PROMPT_BATCH_DIM, TOKENS, 'mask_rows', 'mask_cols']);
  const bytes = onnx.ModelProto.encode(model).finish();
  return { ok: true, bytes, logitsName: FOUR_TOKEN_LOGITS, iouName: FOUR_TOKEN_IOU, sharing, upscaling, attention };
}

/** The low-res mask side: mask_input's last dimension where it is fixed (SAM: 256), else symbolic. */
function maskSide(graph: Graph): number | string {
  const dims = graph.input?.find((v) => v.name === 'mask_input')?.type?.tensorType?.shape?.dim ?? [];
  const last = dims[dims.length - 1];
  const value = last?.dimValue;
  if (value !== undefined && value !== null) {
    const n = typeof value === 'number' ? value : (value as { toNumber(): number }).toNumber();
    if (n > 0) return n;
  }
  return 'mask_side';
}

function floatOutput(name: string, dims: ReadonlyArray<number | string>): onnxProto.onnx.IValueInfoProto {
  const shape = onnx.TensorShapeProto.create({
    dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create(typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
  });
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({ tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape } }),
  });
}

function findTokenTensors(graph: Graph): { logitsName: string; iouName: string } | { reason: string } {
  const from = producers(graph);
  const selectors: Selector[] = [];
  for (const gather of graph.node ?? []) {
    if (gather.opType !== 'Gather' || (gather.input?.length ?? 0) < 2) continue;
    const flatten = from.get(gather.input![0]!);
    const add = from.get(gather.input![1]!);
    const argmax = add?.opType === 'Add' ? add.input?.map((i) => from.get(i)).find((n) => n?.opType === 'ArgMax') : undefined;
    if (flatten?.opType !== 'Flatten' || !argmax || !flatten.input?.[0]) continue;
    selectors.push({ gather, source: flatten.input[0], argmax });
  }
  if (selectors.length !== 2 || selectors[0]!.argmax !== selectors[1]!.argmax) {
    return {
      reason:
        `found ${selectors.length} token-selecting Gather node(s) (Gather of a Flatten, indexed by Add<-ArgMax); ` +
        'a SAM decoder exported with select_masks has two, for the masks and their IoUs, sharing one ArgMax',
    };
  }
  // The IoUs are what the ArgMax ranks: the selector whose tensor lies just upstream of it.
  const upstream = ancestors(from, selectors[0]!.argmax, IOU_SEARCH_DEPTH);
  const iou = selectors.filter((s) => upstream.has(s.source));
  if (iou.length !== 1)
    return { reason: 'could not tell the IoU tensor from the mask tensor: the ArgMax does not rank exactly one of them' };
  const logits = selectors.find((s) => s !== iou[0])!;
  return { logitsName: logits.source, iouName: iou[0]!.source };
}

/** Tensor names feeding `node` within `depth` nodes upstream. */
function ancestors(from: Map<string, Node>, node: Node, depth: number): Set<string> {
  const seen = new Set<string>();
  let frontier = [node];
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: Node[] = [];
    for (const n of frontier) {
      for (const name of n.input ?? []) {
        if (seen.has(name)) continue;
        seen.add(name);
        const p = from.get(name);
        if (p) next.push(p);
      }
    }
    frontier = next;
  }
  return seen;
}

function makePromptBatchSymbolic(graph: Graph): void {
  for (const v of graph.input ?? []) {
    if (!(BATCHED_INPUTS as readonly string[]).includes(v.name ?? '')) continue;
    const dims = v.type?.tensorType?.shape?.dim;
    if (dims && dims.length > 0) dims[0] = onnx.TensorShapeProto.Dimension.create({ dimParam: PROMPT_BATCH_DIM });
  }
  // Shape hints recorded for one prompt would contradict a batch; onnxruntime infers shapes itself.
  graph.valueInfo = [];
}

/**
 * Makes `names` the graph's only outputs and drops what no longer feeds them: the selection and the
 * full-size upsampling of the chosen mask, which would otherwise run for every prompt of a batch.
 */
function keepOnlyOutputs(graph: Graph, outputs: onnxProto.onnx.IValueInfoProto[]): void {
  graph.output = outputs;
  const needed = new Set(outputs.map((o) => o.name ?? ''));
  const kept: Node[] = [];
  const nodes = graph.node ?? [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.output?.some((o) => needed.has(o))) continue;
    kept.push(n);
    for (const input of n.input ?? []) if (input) needed.add(input);
    // Subgraphs (If/Loop bodies) may read outer tensors; keep everything they name.
    for (const a of n.attribute ?? [])
      for (const g of [a.g, ...(a.graphs ?? [])]) if (g) for (const name of subgraphInputs(g)) needed.add(name);
  }
  graph.node = kept.reverse();
  graph.initializer = (graph.initializer ?? []).filter((t) => needed.has(t.name ?? ''));
  graph.input = (graph.input ?? []).filter((v) => needed.has(v.name ?? ''));
}

function subgraphInputs(g: Graph): string[] {
  return (g.node ?? []).flatMap((n) => n.input ?? []);
}

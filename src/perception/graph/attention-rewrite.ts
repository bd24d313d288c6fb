// Rewrites the attention between SAM's few prompt tokens (~7) and the image tokens (4096) so that no
// projection runs over the image tokens for one prompt. The export projects all 4096 image tokens into
// each head's q (or k and v) and back out through out_proj: four 4096×256×128 products per block. With
// n ≪ 4096 tokens on the other side, the same sums can be taken with the weights moved to that side:
//   few queries (token→image): scoresₕ = (qₕ Wkₕᵀ) Xₖᵀ (k's bias adds one value to a whole row, which
//       softmax ignores), outₕ = (Pₕ Xᵥ) Wvₕ + bvₕ, and out_proj folded into Wvₕ;
//   few keys (image→token): scoresₕ = Xq (Wqₕ kₕᵀ) + bqₕ kₕᵀ, out = Σₕ Pₕ (vₕ Woₕ + bo/heads) (a head's
//       probabilities sum to one, so the bias rides on the few values);
// each a 4096×256×(heads·n) product, under half the work. Blocks whose image side is the same for every
// prompt (before the first image update, shared by image-side-sharing.ts) keep their projections, which
// run once per batch; there only out_proj is folded. Which side is short is found by tracing each input
// back through residual adds, norms and linear layers to where it starts: the tokens start from the
// prompts, the image tokens do not. Found by structure; blocks that do not match are left as exported.
import { SHAPE_INPUTS } from './image-side-sharing.js';
import {
  consumers,
  constantTensors,
  dimsOf,
  floats,
  GraphBuilder,
  intAttribute,
  intsAttribute,
  intValues,
  producers,
  type Graph,
  type Node,
  type Tensor,
} from './onnx-graph-kit.js';

/** How many attention blocks were rewritten, and why the others (if any) were not. */
export type AttentionSummary = { blocks: number; reason?: string };

const PROMPT_INPUTS = ['point_coords', 'point_labels'];
/** Ops through which a tensor keeps the length (token count) of its non-constant inputs. */
const SAME_LENGTH = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Sqrt',
  'Erf',
  'Relu',
  'Gelu',
  'Sigmoid',
  'Tanh',
  'LayerNormalization',
  'ReduceMean',
  'Identity',
]);

interface Projection {
  /** The input it projects, [B, n, Cin]. */
  x: string;
  w: Float32Array;
  /** [Cin, D] */
  dims: [number, number];
  bias: Float32Array;
  /** The Add of the bias: its output is the projection. */
  add: Node;
}

interface Block {
  q: Projection;
  k: Projection;
  v: Projection;
  out: Projection;
  softmax: Node;
  heads: number;
  /** What the q·kᵀ scores are multiplied by before the softmax. */
  factor: number;
}

type Lengths = 'short' | 'long' | undefined;

export function rewriteAttention(graph: Graph): AttentionSummary {
  const from = producers(graph);
  const to = consumers(graph);
  const consts = constantTensors(graph);
  const blocks: Block[] = [];
  const unmatched: string[] = [];
  for (const n of graph.node ?? []) {
    if (n.opType !== 'Softmax') continue;
    const b = matchBlock(n, from, to, consts);
    if ('reason' in b) unmatched.push(`${n.name ?? 'Softmax'}: ${b.reason}`);
    else blocks.push(b);
  }
  if (blocks.length === 0) return { blocks: 0, reason: unmatched[0] ?? 'no attention block (Softmax of q·kᵀ) found' };

  const perPrompt = valueDependence(from, new Set(PROMPT_INPUTS));
  const byOutput = new Map(blocks.map((b) => [b.out.add.output![0]!, b]));
  const length = lengthClassifier(from, consts, byOutput, perPrompt, new Set((graph.input ?? []).map((i) => i.name ?? '')));

  // Decided on the graph as exported, before any block is replaced.
  const plans = blocks.map((b) => {
    const [q, k, v] = [length(b.q.x), length(b.k.x), length(b.v.x)];
    if (q === 'short' && k === 'long' && v === 'long' && perPrompt(b.k.x) && perPrompt(b.v.x)) return 'few queries' as const;
    if (q === 'long' && k === 'short' && v === 'short')
      return perPrompt(b.q.x) ? ('few keys' as const) : ('few keys, shared queries' as const);
    return undefined;
  });
  const builder = new GraphBuilder('twinseg_attn_');
  blocks.forEach((b, i) => {
    const plan = plans[i];
    if (!plan) return;
    if (plan === 'few queries') fewQueries(builder, b, `${i}_`);
    else fewKeys(builder, b, `${i}_`, plan === 'few keys');
    builder.splice(graph, b.out.add);
  });
  return { blocks: plans.filter(Boolean).length, ...(unmatched.length ? { reason: unmatched[0] } : {}) };
}

/** softmax(q·kᵀ × factor)·v through out_proj, each projection a MatMul by a constant plus a constant bias. */
function matchBlock(
  softmax: Node,
  from: Map<string, Node>,
  to: Map<string, Node[]>,
  consts: Map<string, Tensor>,
): Block | { reason: string } {
  const axis = softmax.attribute?.find((a) => a.name === 'axis');
  if (axis && Number(axis.i) !== -1 && Number(axis.i) !== 3) return { reason: 'not over the keys' };
  let scores = from.get(softmax.input?.[0] ?? '');
  let factor = 1;
  if (scores?.opType === 'Div' || scores?.opType === 'Mul') {
    const c = floats(consts.get(scores.input?.[1] ?? ''));
    if (c?.length !== 1) return { reason: 'scores scaled by a non-constant' };
    factor = scores.opType === 'Div' ? 1 / c[0]! : c[0]!;
    scores = from.get(scores.input?.[0] ?? '');
  }
  if (scores?.opType !== 'MatMul') return { reason: 'no q·kᵀ MatMul' };
  const qHeads = headsOf(from, consts, scores.input![0]!, [0, 2, 1, 3]);
  const kHeads = headsOf(from, consts, scores.input![1]!, [0, 2, 3, 1]);
  const users = single(to, softmax.output![0]!, 'MatMul');
  const av = users?.input?.[0] === softmax.output![0] ? users : undefined;
  const vHeads = av ? headsOf(from, consts, av.input![1]!, [0, 2, 1, 3]) : undefined;
  if (!qHeads || !kHeads || !vHeads) return { reason: 'q, k or v is not a projection split into heads' };
  const merge = single(to, av!.output![0]!, 'Transpose');
  if (
    merge?.attribute
      ?.find((a) => a.name === 'perm')
      ?.ints?.map(Number)
      .join() !== '0,2,1,3'
  )
    return { reason: 'heads not merged back' };
  const flat = single(to, merge.output![0]!, 'Reshape');
  const outMatMul = flat ? single(to, flat.output![0]!, 'MatMul') : undefined;
  const outAdd = outMatMul ? single(to, outMatMul.output![0]!, 'Add') : undefined;
  const out = outAdd ? projection(from, consts, outAdd.output![0]!) : undefined;
  if (!out) return { reason: 'no out_proj after the heads' };
  const [q, k, v] = [qHeads.proj, kHeads.proj, vHeads.proj];
  const d = q.dims[1];
  const heads = qHeads.heads;
  if (k.dims[1] !== d || v.dims[1] !== d || out.dims[0] !== d || d % heads !== 0 || kHeads.heads !== heads || vHeads.heads !== heads) {
    return { reason: 'projection sizes do not agree' };
  }
  return { q, k, v, out, softmax, heads, factor };
}

/** Transpose(Reshape(projection, [b, n, heads, d/heads]), perm): the projection and the head count. */
function headsOf(
  from: Map<string, Node>,
  consts: Map<string, Tensor>,
  name: string,
  perm: number[],
): { proj: Projection; heads: number } | undefined {
  const t = from.get(name);
  if (
    t?.opType !== 'Transpose' ||
    t.attribute
      ?.find((a) => a.name === 'perm')
      ?.ints?.map(Number)
      .join() !== perm.join()
  )
    return undefined;
  const r = from.get(t.input?.[0] ?? '');
  if (r?.opType !== 'Reshape') return undefined;
  const heads = headCount(from, consts, r.input?.[1] ?? '');
  const proj = projection(from, consts, r.input?.[0] ?? '');
  return heads && proj ? { proj, heads } : undefined;
}

/** The third entry of a reshape target [b, n, heads, d/heads], where it is a constant. */
function headCount(from: Map<string, Node>, consts: Map<string, Tensor>, shape: string): number | undefined {
  const direct = intValues(consts.get(shape));
  if (direct?.length === 4 && direct[2]! > 0) return direct[2];
  const concat = from.get(shape);
  if (concat?.opType !== 'Concat' || concat.input?.length !== 4) return undefined;
  const v = intValues(consts.get(concat.input[2]!));
  return v?.length === 1 && v[0]! > 0 ? v[0] : undefined;
}

/** Add(MatMul(x, W), bias) (either operand order of the Add) with W [Cin, D] and bias [D] constant. */
function projection(from: Map<string, Node>, consts: Map<string, Tensor>, name: string): Projection | undefined {
  const add = from.get(name);
  if (add?.opType !== 'Add' || add.input?.length !== 2) return undefined;
  const [a, b] = add.input as [string, string];
  const biasName = consts.has(a) ? a : consts.has(b) ? b : undefined;
  const mm = from.get(biasName === a ? b : a);
  if (!biasName || mm?.opType !== 'MatMul') return undefined;
  const wt = consts.get(mm.input?.[1] ?? '');
  const w = floats(wt);
  const bias = floats(consts.get(biasName));
  const dims = wt ? dimsOf(wt) : [];
  if (!w || !bias || dims.length !== 2 || bias.length !== dims[1]) return undefined;
  return { x: mm.input![0]!, w, dims: [dims[0]!, dims[1]!], bias, add };
}

/** The one consumer of `name` that reads its values (Shape readers aside), when it is an `opType`. */
function single(to: Map<string, Node[]>, name: string, opType: string): Node | undefined {
  const users = (to.get(name) ?? []).filter((n) => n.opType !== 'Shape' && n.opType !== 'Size');
  return users.length === 1 && users[0]!.opType === opType ? users[0] : undefined;
}

/** A memoised "do this tensor's values depend on `roots`" (shape inputs, such as a Tile's repeats, do not count). */
function valueDependence(from: Map<string, Node>, roots: Set<string>): (name: string) => boolean {
  const memo = new Map<string, boolean>();
  const test = (name: string): boolean => {
    if (roots.has(name)) return true;
    const known = memo.get(name);
    if (known !== undefined) return known;
    memo.set(name, false);
    const n = from.get(name);
    const shapeOnly = new Set(SHAPE_INPUTS[n?.opType ?? ''] ?? []);
    const shapeReader = n?.opType === 'Shape' || n?.opType === 'Size';
    const result = !shapeReader && (n?.input ?? []).some((i, k) => !!i && !shapeOnly.has(k) && test(i));
    memo.set(name, result);
    return result;
  };
  return test;
}

/**
 * Whether a tensor is a sequence of prompt tokens ('short') or of image tokens ('long'): followed back
 * through ops that keep the length (an attention block keeps its queries'), to where a sequence starts
 * (a Concat, Tile, Transpose…): the prompt tokens start from the prompts, the image tokens do not.
 * Inputs that depend on no graph input (positional encodings of constants) do not count.
 */
function lengthClassifier(
  from: Map<string, Node>,
  consts: Map<string, Tensor>,
  byOutput: Map<string, Block>,
  perPrompt: (name: string) => boolean,
  graphInputs: Set<string>,
): (name: string) => Lengths {
  const fed = valueDependence(from, graphInputs);
  const memo = new Map<string, Lengths>();
  const classify = (name: string): Lengths => {
    if (memo.has(name)) return memo.get(name);
    memo.set(name, undefined);
    const block = byOutput.get(name);
    const n = from.get(name);
    let result: Lengths;
    if (block) result = classify(block.q.x);
    else if (n && (SAME_LENGTH.has(n.opType ?? '') || (n.opType === 'MatMul' && consts.has(n.input?.[1] ?? '')))) {
      const data = (n.input ?? []).filter((i, k) => i && !consts.has(i) && fed(i) && !(n.opType === 'ReduceMean' && k === 1));
      const classes = new Set(data.map(classify));
      result = classes.size === 1 ? [...classes][0] : undefined;
    } else result = perPrompt(name) ? 'short' : 'long';
    memo.set(name, result);
    return result;
  };
  return classify;
}

/** Entry (c, i) of head h's [C, dh] block of columns of a projection's [C, D] weight. */
function headColumns(p: Projection, heads: number): (h: number, c: number, i: number) => number {
  const [, d] = p.dims;
  const dh = d / heads;
  return (h, c, i) => p.w[c * d + h * dh + i]!;
}

/** Token→image attention with few queries: the k and v projections move to the queries' side. */
function fewQueries(b: GraphBuilder, blk: Block, tag: string): void {
  const { heads, q, k, v, out, factor } = blk;
  const d = q.dims[1];
  const dh = d / heads;
  const [ck] = k.dims;
  const [cv] = v.dims;
  const co = out.dims[1];
  const n = (s: string) => b.name(`${tag}${s}`);
  // q̃ₕ = qₕ Wkₕᵀ · factor: [heads, dh, Ck]
  const wk = headColumns(k, heads);
  const wkT = new Float32Array(heads * dh * ck);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < dh; i++) for (let c = 0; c < ck; c++) wkT[(h * dh + i) * ck + c] = wk(h, c, i) * factor;
  // Wvₕ Woₕ stacked by head: [heads·Cv, Co]; bias bv·Wo + bo
  const wv = headColumns(v, heads);
  const fold = new Float32Array(heads * cv * co);
  for (let h = 0; h < heads; h++)
    for (let c = 0; c < cv; c++)
      for (let i = 0; i < dh; i++) {
        const a = wv(h, c, i);
        const row = out.w.subarray((h * dh + i) * co, (h * dh + i + 1) * co);
        const dst = (h * cv + c) * co;
        for (let o = 0; o < co; o++) fold[dst + o] += a * row[o]!;
      }
  const bias = Float32Array.from(out.bias);
  for (let j = 0; j < d; j++) for (let o = 0; o < co; o++) bias[o] += v.bias[j]! * out.w[j * co + o]!;

  const qName = q.add.output![0]!;
  const qh = b.op('Transpose', [b.op('Reshape', [qName, b.i64(`${tag}q_heads`, [0, 0, heads, dh])], n('q_split'))], n('q_heads'), [
    intsAttribute('perm', [0, 2, 1, 3]),
  ]);
  const qk = b.op('MatMul', [qh, b.f32(`${tag}wk_t`, wkT, [heads, dh, ck])], n('q_in_k')); // [B, heads, nq, Ck]
  const qkFlat = b.op('Reshape', [qk, b.i64(`${tag}q_flat`, [0, -1, ck])], n('q_flat'));
  const xkT = b.op('Transpose', [k.x], n('xk_t'), [intsAttribute('perm', [0, 2, 1])]);
  const p = b.op('Softmax', [b.op('MatMul', [qkFlat, xkT], n('scores'))], n('p'), [intAttribute('axis', -1)]); // [B, heads·nq, nk]
  const z = b.op('MatMul', [p, v.x], n('z')); // [B, heads·nq, Cv]
  const zHeads = b.op('Reshape', [z, b.i64(`${tag}z_heads`, [0, heads, -1, cv])], n('z_heads'));
  const zTokens = b.op('Transpose', [zHeads], n('z_tokens'), [intsAttribute('perm', [0, 2, 1, 3])]);
  const zFlat = b.op('Reshape', [zTokens, b.i64(`${tag}z_flat`, [0, 0, heads * cv])], n('z_flat'));
  const projected = b.op('MatMul', [zFlat, b.f32(`${tag}wvo`, fold, [heads * cv, co])], n('projected'));
  b.op('Add', [projected, b.f32(`${tag}bias`, bias, [co])], out.add.output![0]!);
}

/**
 * Image→token attention with few keys: out_proj moves to the values (vₕ Woₕ); with `foldQuery` (the image
 * queries differ per prompt) the q projection moves to the keys too, else the exported scores are kept.
 */
function fewKeys(b: GraphBuilder, blk: Block, tag: string, foldQuery: boolean): void {
  const { heads, q, v, out, factor, softmax } = blk;
  const d = q.dims[1];
  const dh = d / heads;
  const [cq] = q.dims;
  const co = out.dims[1];
  const n = (s: string) => b.name(`${tag}${s}`);
  const split = (name: string, s: string, perm: number[]) =>
    b.op('Transpose', [b.op('Reshape', [name, b.i64(`${tag}${s}_heads`, [0, 0, heads, dh])], n(`${s}_split`))], n(`${s}_heads`), [
      intsAttribute('perm', perm),
    ]);
  // Ṽ = vₕ Woₕ, with Wo's rows [D, Co] read as [heads, dh, Co]: [B, heads, nk, Co] → [B, heads·nk, Co]
  const vh = split(v.add.output![0]!, 'v', [0, 2, 1, 3]);
  // bo/heads joins every head's values: a head's probabilities sum to one, so Σₕ Pₕ (Ṽₕ + bo/heads) = Σₕ Pₕ Ṽₕ + bo,
  // and the bias is added to [B, heads, nk, Co] instead of to the [B, nq, Co] output (4096 rows a prompt).
  const vOut = b.op('MatMul', [vh, b.f32(`${tag}wo`, out.w, [heads, dh, co])], n('v_out'));
  const vBiased = b.op(
    'Add',
    [
      vOut,
      b.f32(
        `${tag}bo_share`,
        Float32Array.from(out.bias, (x) => x / heads),
        [co],
      ),
    ],
    n('v_out_biased'),
  );
  const vo = b.op('Reshape', [vBiased, b.i64(`${tag}v_out_flat`, [0, -1, co])], n('v_out_flat'));
  let p: string;
  if (foldQuery) {
    // K̃ = Wqₕ kₕᵀ · factor: [B, heads, Cq, nk] → [B, Cq, heads·nk]; bias bqₕ kₕᵀ · factor → [B, 1, heads·nk]
    const wq = headColumns(q, heads);
    const wqH = new Float32Array(heads * cq * dh);
    for (let h = 0; h < heads; h++)
      for (let c = 0; c < cq; c++) for (let i = 0; i < dh; i++) wqH[(h * cq + c) * dh + i] = wq(h, c, i) * factor;
    const bqH = Float32Array.from(q.bias, (x) => x * factor);
    const kT = split(blk.k.add.output![0]!, 'k', [0, 2, 3, 1]); // [B, heads, dh, nk]
    const kq = b.op('MatMul', [b.f32(`${tag}wq`, wqH, [heads, cq, dh]), kT], n('k_in_q')); // [B, heads, Cq, nk]
    const kqFlat = b.op(
      'Reshape',
      [b.op('Transpose', [kq], n('k_in_q_t'), [intsAttribute('perm', [0, 2, 1, 3])]), b.i64(`${tag}kq_flat`, [0, cq, -1])],
      n('k_in_q_flat'),
    );
    const kb = b.op(
      'Reshape',
      [b.op('MatMul', [b.f32(`${tag}bq`, bqH, [heads, 1, dh]), kT], n('k_bias')), b.i64(`${tag}kb_flat`, [0, 1, -1])],
      n('k_bias_flat'),
    );
    const scores = b.op('Add', [b.op('MatMul', [q.x, kqFlat], n('scores_raw')), kb], n('scores')); // [B, nq, heads·nk]
    const byHead = b.op('Reshape', [scores, b.i64(`${tag}scores_heads`, [0, 0, heads, -1])], n('scores_heads'));
    p = b.op('Reshape', [b.op('Softmax', [byHead], n('p_heads'), [intAttribute('axis', -1)]), b.i64(`${tag}p_flat`, [0, 0, -1])], n('p'));
  } else {
    // The exported probabilities [B, heads, nq, nk] → [B, nq, heads·nk]
    const t = b.op('Transpose', [softmax.output![0]!], n('p_tokens'), [intsAttribute('perm', [0, 2, 1, 3])]);
    p = b.op('Reshape', [t, b.i64(`${tag}p_flat`, [0, 0, -1])], n('p'));
  }
  b.op('MatMul', [p, vo], out.add.output![0]!);
}

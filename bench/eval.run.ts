// Evaluation benchmark: the twin oracle per preset on the shared COCO sample (47 non-crowd segments):
// for each ground-truth segment, the best IoU one twin object reaches and the best a greedy union of
// objects reaches, by COCO size bucket, with each preset's build time. These bound what a perfect
// reasoner could score on twins built this way. The generated reasoning suite (issue #12, part 3) has
// its own bench (bench/suite.run.ts, bench/out/suite.json).
// Writes bench/out/eval.json.
// Run: npm run bench:eval   (BENCH_PRESETS=fast,balanced to limit the presets; default: all three)
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { it } from 'vitest';
import { loadConfig, PRESET_NAMES, type PresetName } from '../src/config.js';
import { loadCoco } from '../src/eval/coco-loader.js';
import { runOracle } from '../src/eval/oracle-run.js';
import { oracleText } from '../src/eval/summary-text.js';
import { createTwinService } from '../src/twin/twin-service.js';
import { machine, peakRssMb, sharedData, writeBenchOutput } from './bench-output.js';
import { fileSource } from '../src/perception/image-input.js';

it('twin oracle per preset on the COCO sample', async () => {
  const presets = (process.env.BENCH_PRESETS ?? PRESET_NAMES.join(','))
    .split(',')
    .filter((p): p is PresetName => (PRESET_NAMES as readonly string[]).includes(p));
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-bench-eval-'));
  const config = loadConfig({ ...process.env, TWINSEG_HOME: home, TWINSEG_PERSIST: '0' });
  const twins = await createTwinService(config, { log: () => {} });
  try {
    const dataset = await loadCoco(sharedData('coco', 'instances.json'));
    // Load the model first, so that the first preset's first build time is not the model's load time.
    const provider = (await twins.segmenter()).provider;
    const report = await runOracle(
      dataset,
      presets,
      (image, preset) => twins.build({ image: fileSource(image), preset }),
      (m) => console.log(m),
    );
    console.log(`\n${oracleText(report)}`);
    const file = await writeBenchOutput('eval', {
      machine: machine(provider),
      dataset: { source: dataset.source, samples: dataset.samples.length },
      oracle: { presets: report.presets },
      peakRssMb: peakRssMb(),
    });
    console.log(`figures written to ${file}`);
  } finally {
    await twins.close();
    await fs.rm(home, { recursive: true, force: true });
  }
});

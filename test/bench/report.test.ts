import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBenchOutput } from '../../bench/bench-output.js';
import { generateReport } from '../../bench/report.js';

// Fixture figures in each bench's output shape; the perception one is the shape the rewritten
// perception bench writes. Numbers are made up for the test, not measurements.
const MACHINE = { cpu: 'Test CPU @ 2.0GHz', cores: 2, provider: 'cpu' };
const mode = (name: string, kind: 'dense' | 'preset', calls: number, totalMs: number, r50: number) => ({
  name,
  kind,
  prompts: calls,
  decoderCalls: calls,
  totalMs,
  encoderMs: 800,
  ratioToEncoder: totalMs / 800,
  recall50: r50,
  recall75: r50 / 3,
  meanBestIou: r50 * 0.9,
  peakRssMb: 900,
});
const PERCEPTION = {
  machine: MACHINE,
  modes: [
    mode('grid16@.70', 'dense', 256, 7200, 0.38),
    mode('grid32@.70', 'dense', 1024, 24500, 0.6),
    mode('fast', 'preset', 32, 1900, 0.45),
    // Three runs, the median one the row: the table gives their range.
    { ...mode('balanced', 'preset', 64, 2900, 0.66), ratios: [3.5, 3.625, 3.9] },
  ],
};
const part = (count: number, single: number, greedy: number) => ({
  count,
  single: { count, mean: single, recall50: single, recall75: single / 2 },
  greedy: { count, mean: greedy, recall50: greedy, recall75: greedy / 2 },
});
const EVAL = {
  machine: MACHINE,
  dataset: { source: '/data/coco-panoptic-sample/instances.json', samples: 47 },
  oracle: {
    presets: [
      {
        preset: 'fast',
        meanBuildMs: 2100,
        builds: [],
        summary: { all: part(47, 0.4, 0.5), small: part(20, 0.1, 0.2), medium: part(15, 0.5, 0.6), large: part(12, 0.8, 0.9), empty: null },
      },
      {
        preset: 'balanced',
        meanBuildMs: 3200,
        builds: [],
        summary: { all: part(47, 0.55, 0.65), small: null, medium: part(35, 0.5, 0.6), large: part(12, 0.8, 0.95), empty: null },
      },
    ],
  },
  peakRssMb: 1100,
};
const kind = (count: number, g: number) => ({ count, gIoU: g, cIoU: g - 0.05 });
const SUITE = {
  machine: MACHINE,
  seeds: [1, 2, 3],
  presets: [
    {
      preset: 'fast',
      gIoU: 0.61,
      cIoU: 0.55,
      count: 20,
      byKind: { colour: kind(3, 0.7), 'part-of': kind(3, 0.2) },
      meanBuildMs: 2500,
      rows: [],
    },
    {
      preset: 'balanced',
      gIoU: 0.83,
      cIoU: 0.78,
      count: 20,
      byKind: { colour: kind(3, 0.95), 'part-of': kind(3, 0.8) },
      meanBuildMs: 4100,
      rows: [],
    },
  ],
  peakRssMb: 1300,
};
const lat = (p50: number) => ({ n: 10, p50, p95: p50 * 2, max: p50 * 3 });
const SERVER = {
  machine: MACHINE,
  preset: 'balanced',
  images: [{ image: 'dog.jpg', buildColdMs: 3500, buildCachedMs: 12, objects: 40 }],
  latencies: {
    build_cold: lat(3500),
    build_cached: lat(12),
    filter_objects: lat(1.5),
    get_mask_png: lat(8),
    get_mask_rle: lat(2),
    get_mask_polygon: lat(4),
  },
  peakRssMb: 1200,
};

let dir: string;
let inDir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-report-'));
  inDir = path.join(dir, 'out');
  await fs.mkdir(inDir);
  await fs.writeFile(path.join(inDir, 'perception.json'), JSON.stringify(PERCEPTION)); // as the perception bench writes it
  await writeBenchOutput('eval', EVAL, inDir);
  await writeBenchOutput('server', SERVER, inDir);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('bench report', () => {
  it("writes REPORT.md, report.json and SVG + PNG plots from the benches' files", async () => {
    const outDir = path.join(dir, 'report');
    const { files, json } = await generateReport({ inDir, outDir });
    expect(files.map((f) => path.basename(f)).sort()).toEqual(
      ['REPORT.md', 'report.json', 'speed-recall.svg', 'speed-recall.png', 'stages.svg', 'stages.png', 'oracle.svg', 'oracle.png'].sort(),
    );
    const md = await fs.readFile(path.join(outDir, 'REPORT.md'), 'utf8');
    expect(md).toContain('| Test CPU @ 2.0GHz | 2 | cpu |');
    expect(md).toContain('![speed against recall](speed-recall.png)');
    expect(md).toMatch(/\| balanced \| preset \| 64 \| 64 \| 2900 \| 800 \| 3\.63 \(3\.50–3\.90, 3 runs\) \| 0\.660 \|/);
    expect(md).toMatch(/\| fast \| preset \| 32 \| 32 \| 1900 \| 800 \| 2\.38 \| 0\.450 \|/);
    expect(md).toMatch(/\| fast \| all \| 47 \| 2100 \| 0\.400 \| 0\.400 \| 0\.200 \| 0\.500 \|/);
    expect(md).toMatch(/\| MCP build cold \| 3500 \| server \|/);
    // Without suite.json the suite's slot says so rather than showing numbers.
    expect(md).toMatch(/## Reasoning suite[\s\S]*_Not run: bench\/out\/suite\.json is missing \(npm run bench:suite\)\._/);
    expect(md).toMatch(/\| balanced \| not run \| not run \|/);
    expect(md).toMatch(/## Twin layer\n\n_Not run: bench\/out\/twin\.json is missing \(npm run bench:twin\)\._/);
    expect(json).toMatchObject({
      machine: MACHINE,
      suite: { status: 'not run' },
      sources: { twin: { status: 'missing' }, eval: { status: 'ok' }, suite: { status: 'missing' } },
    });
    expect((json.peakRssMb as Record<string, number>).server).toBe(1200);

    const svg = await fs.readFile(path.join(outDir, 'speed-recall.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    for (const name of ['grid32@.70', 'balanced']) expect(svg).toContain(name);
    const png = await fs.readFile(path.join(outDir, 'oracle.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it('rewrites the docs/ blocks of the tables it has, stamped with command, date and machine, and leaves the rest', async () => {
    const docsDir = path.join(dir, 'docs');
    await fs.mkdir(docsDir);
    const around = (name: string) => `Before.\n<!-- bench:${name} -->\nold figures\n<!-- /bench:${name} -->\nAfter.\n`;
    await fs.writeFile(path.join(docsDir, 'performance.md'), around('perception'));
    await fs.writeFile(path.join(docsDir, 'evaluation.md'), `${around('oracle')}${around('suite')}`);
    await generateReport({ inDir, outDir: path.join(dir, 'report-docs'), docsDir });
    const perf = await fs.readFile(path.join(docsDir, 'performance.md'), 'utf8');
    expect(perf).toMatch(
      /^Before\.\n<!-- bench:perception -->\n_Written by `npm run bench:perception` on \d{4}-\d\d-\d\d: Test CPU @ 2\.0GHz, 2 cores, provider cpu\._\n\n\| mode \|/,
    );
    expect(perf).toMatch(/\| balanced \| preset \| 64 \|[\s\S]*\n<!-- \/bench:perception -->\nAfter\.\n$/);
    expect(perf).not.toContain('old figures');
    const evaluation = await fs.readFile(path.join(docsDir, 'evaluation.md'), 'utf8');
    expect(evaluation).toMatch(/<!-- bench:oracle -->\n_Written by `npm run bench:eval`/);
    // No suite.json here: its block keeps what it had.
    expect(evaluation).toMatch(/<!-- bench:suite -->\nold figures\n/);
    expect(await fs.readFile(path.join(docsDir, 'speed-recall.svg'), 'utf8')).toMatch(/^<svg /);
  });

  it('fills the suite slot from suite.json: gIoU / cIoU per preset and per request kind', async () => {
    const withSuite = path.join(dir, 'with-suite');
    await fs.mkdir(withSuite);
    await writeBenchOutput('eval', EVAL, withSuite);
    await writeBenchOutput('suite', SUITE, withSuite);
    const outDir = path.join(dir, 'suite-report');
    const { json } = await generateReport({ inDir: withSuite, outDir });
    const md = await fs.readFile(path.join(outDir, 'REPORT.md'), 'utf8');
    const section = md.slice(md.indexOf('## Reasoning suite'), md.indexOf('## Server tools'));
    expect(section).toContain('Seeds 1, 2, 3 (3 scenes).');
    expect(section).toContain('| fast | 20 | 0.610 | 0.550 | 2500 |');
    expect(section).toContain('| balanced | 20 | 0.830 | 0.780 | 4100 |');
    expect(section).toContain('| part-of | 3, 0.200 / 0.150 | 3, 0.800 / 0.750 |');
    expect(section).not.toContain('not run');
    expect(json.suite).toMatchObject({
      seeds: [1, 2, 3],
      presets: [
        { preset: 'fast', gIoU: 0.61 },
        { preset: 'balanced', cIoU: 0.78 },
      ],
    });
    expect((json.peakRssMb as Record<string, number>).suite).toBe(1300);
  });

  it('says "not run" for every missing bench and names an unreadable file\'s problem, without failing', async () => {
    const bare = path.join(dir, 'bare');
    await fs.mkdir(bare);
    await fs.writeFile(path.join(bare, 'server.json'), JSON.stringify({ machine: MACHINE, preset: 'fast' }));
    const outDir = path.join(dir, 'bare-report');
    const { files } = await generateReport({ inDir: bare, outDir });
    expect(files.map((f) => path.basename(f))).toEqual(['REPORT.md', 'report.json']);
    const md = await fs.readFile(path.join(outDir, 'REPORT.md'), 'utf8');
    expect(md).toContain('_Not run: bench/out/perception.json is missing (npm run bench:perception)._');
    expect(md).toContain('_Not run: bench/out/eval.json is missing (npm run bench:eval)._');
    expect(md).toMatch(/_Unreadable: bench\/out\/server\.json: images: /);
    expect(
      md
        .split('\n')
        .slice(1)
        .join('\n')
        .replace(/Generated .*\n/, ''),
    ).not.toMatch(/\d\.\d/); // no figure from nowhere
  });
});

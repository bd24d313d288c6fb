// The report's plots as vega-lite specifications, rendered to SVG headlessly (vega's "none" renderer, no
// browser, no canvas) and to PNG through the image codec.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { svgToPng } from '../src/image/codec.js';
import type { EvalBench, PerceptionBench } from './bench-types.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FONT = { font: 'DejaVu Sans, Helvetica, Arial, sans-serif' };

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function renderPlot(spec: TopLevelSpec): Promise<{ svg: string; png: Buffer }> {
  const svg = await renderSvg(spec);
  return { svg, png: await svgToPng(svg) };
}

/** Time per image against recall at IoU 0.5 and 0.75: the presets against the dense grids. */
export function speedRecallSpec(p: PerceptionBench): TopLevelSpec {
  const values = p.modes.flatMap((m) => [
    { name: m.name, kind: m.kind === 'dense' ? 'dense grid' : 'preset', totalMs: m.totalMs, threshold: 'IoU ≥ 0.5', recall: m.recall50 },
    { name: m.name, kind: m.kind === 'dense' ? 'dense grid' : 'preset', totalMs: m.totalMs, threshold: 'IoU ≥ 0.75', recall: m.recall75 },
  ]);
  const x = {
    field: 'totalMs',
    type: 'quantitative' as const,
    scale: { type: 'log' as const, zero: false },
    title: 'time per image, ms (log scale)',
  };
  const y = { field: 'recall', type: 'quantitative' as const, scale: { domain: [0, 1] }, title: 'recall of ground-truth segments' };
  return {
    $schema: SCHEMA,
    config: FONT,
    title: { text: 'Everything mode: speed against recall', subtitle: `${p.machine.cpu}, ${p.machine.cores} cores, ${p.machine.provider}` },
    width: 560,
    height: 340,
    data: { values },
    layer: [
      {
        mark: { type: 'line', strokeDash: [2, 3], opacity: 0.5 },
        encoding: { x, y, detail: { field: 'name' }, color: { field: 'kind', type: 'nominal', title: 'mode' } },
      },
      {
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          x,
          y,
          color: { field: 'kind', type: 'nominal', title: 'mode' },
          shape: { field: 'threshold', type: 'nominal', title: 'match' },
          tooltip: [{ field: 'name' }, { field: 'totalMs' }, { field: 'recall' }],
        },
      },
      // Dense grids are labelled on their left: `thorough` sits at their recall, just right of them.
      {
        transform: [{ filter: "datum.threshold === 'IoU ≥ 0.5' && datum.kind === 'preset'" }],
        mark: { type: 'text', align: 'left', dx: 7, dy: -6, fontSize: 11 },
        encoding: { x, y, text: { field: 'name' } },
      },
      {
        transform: [{ filter: "datum.threshold === 'IoU ≥ 0.5' && datum.kind === 'dense grid'" }],
        mark: { type: 'text', align: 'right', dx: -7, dy: -6, fontSize: 11 },
        encoding: { x, y, text: { field: 'name' } },
      },
    ],
  };
}

const BUCKET_ORDER = ['all', 'small', 'medium', 'large'];

/** Oracle recall@0.5 per preset and size bucket, one object against a greedy union. */
export function oracleSpec(e: EvalBench): TopLevelSpec {
  const values = e.oracle.presets.flatMap((p) =>
    BUCKET_ORDER.flatMap((bucket) => {
      const part = p.summary[bucket as 'all'];
      if (!part) return [];
      return [
        { preset: p.preset, bucket, targets: part.count, figure: 'one object', recall50: part.single.recall50 },
        { preset: p.preset, bucket, targets: part.count, figure: 'greedy union', recall50: part.greedy.recall50 },
      ];
    }),
  );
  return {
    $schema: SCHEMA,
    config: FONT,
    title: {
      text: 'Twin oracle: targets a perfect reasoner could get at IoU ≥ 0.5',
      subtitle: `${e.dataset.samples} targets of ${e.dataset.source.split('/').slice(-2).join('/')}`,
    },
    data: { values },
    mark: 'bar',
    width: 150,
    height: 220,
    encoding: {
      column: { field: 'bucket', type: 'nominal', sort: BUCKET_ORDER, title: 'target size (COCO buckets)' },
      x: { field: 'preset', type: 'nominal', sort: e.oracle.presets.map((p) => p.preset), title: null },
      xOffset: { field: 'figure', type: 'nominal', sort: ['one object', 'greedy union'] },
      y: { field: 'recall50', type: 'quantitative', scale: { domain: [0, 1] }, title: 'recall@0.5' },
      color: { field: 'figure', type: 'nominal', sort: ['one object', 'greedy union'], title: null },
      tooltip: [{ field: 'preset' }, { field: 'bucket' }, { field: 'targets' }, { field: 'recall50' }],
    },
  };
}

export interface StageTime {
  stage: string;
  ms: number;
  source: string;
}

/** Median time of each stage, on a log scale (stages span microseconds to seconds). */
export function stagesSpec(stages: readonly StageTime[]): TopLevelSpec {
  const shown = stages.filter((s) => s.ms > 0 && Number.isFinite(s.ms));
  // Bars on a log axis need a start above zero: the decade below the fastest stage.
  const from = 10 ** Math.floor(Math.log10(Math.min(...shown.map((s) => s.ms))));
  const to = 10 ** Math.ceil(Math.log10(Math.max(...shown.map((s) => s.ms))));
  return {
    $schema: SCHEMA,
    config: { ...FONT, axis: { labelLimit: 320 } },
    title: 'Median time per stage',
    width: 480,
    height: { step: 20 },
    data: { values: shown.map((s) => ({ ...s, from })) },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'stage', type: 'nominal', sort: null, title: null },
      x: { field: 'from', type: 'quantitative', scale: { type: 'log', domain: [from, to] }, title: 'ms (log scale)' },
      x2: { field: 'ms' },
      color: { field: 'source', type: 'nominal', title: 'bench' },
      tooltip: [{ field: 'stage' }, { field: 'ms' }],
    },
  };
}

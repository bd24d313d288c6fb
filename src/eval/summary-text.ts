// Summaries as short plain-text tables for a terminal.
import type { EvalSummary } from './evaluate.js';
import type { IouSummary } from './metrics.js';
import { SIZE_BUCKETS } from './oracle.js';
import type { OracleReport } from './oracle-run.js';

const f3 = (x: number) => x.toFixed(3);
const iouLine = (s: IouSummary) => `gIoU ${f3(s.gIoU)}  cIoU ${f3(s.cIoU)}  (n=${s.count})`;

export function evalSummaryText(s: EvalSummary): string {
  const lines = [
    `dataset      ${s.dataset}`,
    `predictions  ${s.predictions}: ${s.count - s.missing} samples answered, ${s.missing} missing (scored empty), ${s.superseded_lines} lines superseded, ${s.unmatched_lines} unmatched`,
    `             ${iouLine(s)}${s.empty_targets ? `, ${s.empty_targets} empty targets` : ''}`,
  ];
  for (const [kind, k] of Object.entries(s.by_query_kind ?? {})) lines.push(`  ${kind.padEnd(10)} ${iouLine(k)}`);
  return `${lines.join('\n')}\n`;
}

export function oracleText(r: OracleReport): string {
  const head = ['preset', 'build ms', 'targets', 'single mean', 'R@.5', 'R@.75', 'greedy mean', 'R@.5', 'R@.75', 'uncovered'];
  const rows: string[][] = [];
  for (const p of r.presets) {
    for (const bucket of ['all', ...SIZE_BUCKETS, 'empty'] as const) {
      const part = p.summary[bucket];
      if (!part) continue;
      rows.push([
        bucket === 'all' ? p.preset : `  ${bucket}`,
        bucket === 'all' && p.meanBuildMs !== null ? p.meanBuildMs.toFixed(0) : '',
        String(part.count),
        f3(part.single.mean),
        f3(part.single.recall50),
        f3(part.single.recall75),
        f3(part.greedy.mean),
        f3(part.greedy.recall50),
        f3(part.greedy.recall75),
        bucket === 'all' && p.builds.length > 0
          ? `${((100 * p.builds.reduce((t, b) => t + b.uncovered, 0)) / p.builds.length).toFixed(1)}%`
          : '',
      ]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    'Twin oracle: the best IoU a perfect reasoner reaches by picking one object (single) or a greedy union (greedy).',
    'build ms: mean per image built from scratch (the first build also loads the model); uncovered: mean share of pixels in no object.',
    fmt(head),
    ...rows.map(fmt),
    '',
  ].join('\n');
}

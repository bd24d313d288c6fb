// The generated reasoning suite (issue #12, part 3) on its first scenes, through the real MCP tools with
// the default model and preset: every request kind on scenes drawn from seeds 1–3, each answer scored
// against the exact mask. The full suite per preset is `npm run bench:suite`.
// Issue #12's bar is gIoU ≥ 0.9, and the suite does not reach it: measured 0.75–0.79 here (21 requests,
// 2 shared cores, about 55 s). The misses are perception's (README, "Generated reasoning suite"): coarse
// masks that span an occluder and the object behind it, a sign pole never proposed. Until they are fixed
// this test guards what is reached (gIoU ≥ 0.70, the refine and colour requests ≥ 0.9) so a regression
// fails CI; the printed table says which request missed and what the calls returned. The bar itself stays
// open in the issue, not lowered: the README and the bench report show the distance to it.
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
    const refused = report.rows.flatMap((r) => r.calls.filter((c) => c.outcome.startsWith('error')).map((c) => `${r.id} ${c.tool}: ${c.outcome}`));
    expect(refused).toEqual([]);
  });

  it('keeps what it reaches: gIoU ≥ 0.70 in all (the bar is 0.9), ≥ 0.9 for colour and refine requests', () => {
    const text = suiteSummaryText(report);
    expect(report.summary.gIoU, text).toBeGreaterThanOrEqual(0.7);
    for (const kind of ['colour', 'refine'] as const) {
      const rows = report.rows.filter((r) => r.kind === kind);
      expect(rows.reduce((sum, r) => sum + r.iou, 0) / rows.length, `${kind}\n${text}`).toBeGreaterThanOrEqual(0.9);
    }
  });
});

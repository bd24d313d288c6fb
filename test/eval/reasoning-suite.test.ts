// The generated reasoning suite (issue #12, part 3) on its first scenes, through the real MCP tools with
// the default model and preset: every request kind on scenes drawn from seeds 1–3, each answer scored
// against the exact mask. Issue #12 sets the bar: gIoU ≥ 0.9. A miss is a perception or twin defect to
// fix, not a threshold to lower; the printed table says which request missed and what the calls returned.
// The full suite per preset is `npm run bench:suite`.
// Measured when this test was written (2 shared cores, about 55 s): gIoU 0.793, cIoU 0.670 on 21 requests, so
// the bar is not met. The misses are perception's (README, "Generated reasoning suite"): coarse masks that
// span an occluder and the object behind it, a sign pole never proposed, a ball no prompt landed on.
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

  it('reaches gIoU ≥ 0.9', () => {
    expect(report.summary.gIoU, suiteSummaryText(report)).toBeGreaterThanOrEqual(0.9);
  });
});

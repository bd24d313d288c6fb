// The generated reasoning suite (issue #12, part 3) on its first scenes, through the real MCP tools with
// the default model and preset: every request kind on scenes drawn from seeds 1–3, each answer scored
// against the exact mask. Issue #12 sets the bar: gIoU ≥ 0.9. A miss is a perception or twin defect to
// fix, not a threshold to lower; the printed table says which request missed and what the calls returned.
// The full suite per preset is `npm run bench:suite`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type SuiteReport } from '../../src/eval/suite/run-suite.js';
import { suiteRowsText, suiteSummaryText } from '../../src/eval/suite/suite-table.js';
import { REQUEST_KINDS } from '../../src/eval/suite/suite-types.js';

export const CI_SEEDS = [1, 2, 3];

let report: SuiteReport;

beforeAll(async () => {
  report = await runSuite({ seeds: CI_SEEDS });
  console.log(`${suiteRowsText(report)}\n\n${suiteSummaryText(report)}`);
}, 300_000);

afterAll(() => undefined);

describe('generated reasoning suite (default model and preset)', () => {
  it('asks every kind of request', () => {
    expect(report.preset).toBe('balanced');
    expect(new Set(report.rows.map((r) => r.kind))).toEqual(new Set(REQUEST_KINDS));
    expect(report.rows.length).toBeGreaterThanOrEqual(CI_SEEDS.length * 5);
  });

  it('every plan runs to its get_mask', () => {
    const stopped = report.rows.filter((r) => r.failure);
    expect(stopped.map((r) => `${r.id}: ${r.failure}`)).toEqual([]);
  });

  it('reaches gIoU ≥ 0.9', () => {
    expect(report.summary.gIoU, suiteSummaryText(report)).toBeGreaterThanOrEqual(0.9);
  });
});

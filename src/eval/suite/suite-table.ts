// The suite's figures as text: one row per request (IoU, what the agent's calls returned), then gIoU /
// cIoU overall and per request kind.
import type { SuiteReport } from './run-suite.js';
import { REQUEST_KINDS } from './suite-types.js';

const f3 = (x: number) => x.toFixed(3);

/** One line per request: id, IoU, the best one twin object's IoU, predicted / target px, the calls' outcomes, the words. */
export function suiteRowsText(report: SuiteReport): string {
  const lines = [`request               IoU    best obj  pred px / GT px  calls → outcome                                   request text`];
  for (const r of report.rows) {
    const trail = r.calls.map((c) => `${c.tool.replace('filter_objects', 'filter').replace('get_mask', 'mask')} ${c.outcome}`).join('; ');
    const note = r.failure ? ` [${r.failure}]` : '';
    lines.push(
      `${r.id.padEnd(20)}  ${f3(r.iou)}  ${f3(r.bestObjectIou)}     ${`${r.predictionArea} / ${r.targetArea}`.padEnd(15)}  ${(trail + note).padEnd(50)}  ${r.text}`,
    );
  }
  return lines.join('\n');
}

/** gIoU / cIoU overall and per kind. */
export function suiteSummaryText(report: SuiteReport): string {
  const lines = [`preset ${report.preset} (${report.provider}), ${report.builds.length} scenes, ${report.rows.length} requests`];
  lines.push(
    `  all          n=${String(report.summary.count).padStart(3)}  gIoU ${f3(report.summary.gIoU)}  cIoU ${f3(report.summary.cIoU)}`,
  );
  for (const k of REQUEST_KINDS) {
    const s = report.byKind[k];
    if (s) lines.push(`  ${k.padEnd(11)}  n=${String(s.count).padStart(3)}  gIoU ${f3(s.gIoU)}  cIoU ${f3(s.cIoU)}`);
  }
  return lines.join('\n');
}

// Per-sample rows and summaries as files: CSV for spreadsheets, JSON for scripts. Written atomically,
// so an interrupted run never leaves a half file that looks complete.
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';

/** RFC 4180 CSV: a header of the given columns, fields quoted when they hold , " or a line break. */
export function toCsv(rows: readonly object[], columns: readonly string[]): string {
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])).join(','))];
  return `${lines.join('\n')}\n`;
}

export interface WrittenFiles {
  summary: string;
  csv: string;
  json: string;
}

/** The files writeResultFiles writes for `name` into dir. */
export function resultFiles(dir: string, name: string): WrittenFiles {
  return {
    summary: path.join(dir, `${name}-summary.json`),
    csv: path.join(dir, `${name}.csv`),
    json: path.join(dir, `${name}.json`),
  };
}

/**
 * Writes `<name>-summary.json`, `<name>.csv` and `<name>.json` (the rows) into dir; with replace: false a
 * file already there fails with EEXIST.
 */
export async function writeResultFiles(
  dir: string,
  name: string,
  summary: unknown,
  rows: readonly object[],
  columns: readonly string[],
  opts: { replace?: boolean } = {},
): Promise<WrittenFiles> {
  const files = resultFiles(dir, name);
  await writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`, opts);
  await writeFileAtomic(files.csv, toCsv(rows, columns), opts);
  await writeFileAtomic(files.json, `${JSON.stringify(rows, null, 1)}\n`, opts);
  return files;
}

export const EVAL_COLUMNS = [
  'sample',
  'image',
  'query',
  'query_kind',
  'prediction',
  'line',
  'iou',
  'intersection',
  'union',
  'target_area',
  'prediction_area',
] as const;
export const ORACLE_COLUMNS = [
  'preset',
  'sample',
  'image',
  'query',
  'target_area',
  'bucket',
  'objects',
  'single_iou',
  'single_id',
  'greedy_iou',
  'greedy_ids',
] as const;

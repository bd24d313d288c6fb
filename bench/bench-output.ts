// Where benches put their figures: one bench/out/<name>.json each, read by bench/report.ts. Every file
// carries the machine it was measured on and when, so a report can tell stale or foreign numbers.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COCO_SAMPLE, requireSampleData, SAMPLE_PHOTOS, type SampleSet } from '../test/helpers/sample-data.js';
import { writeFileAtomic } from '../src/atomic-write.js';

/** A path in the sample data (TWINSEG_SAMPLE_DATA); stops the bench with one line when the set is absent. */
export function sharedData(set: SampleSet, ...parts: string[]): string {
  requireSampleData(set);
  return path.join(set === 'coco' ? COCO_SAMPLE.dir : SAMPLE_PHOTOS.dir, ...parts);
}

export const BENCH_OUT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out');
/** The documentation whose figures the benches write (blocks between <!-- bench:NAME --> markers). */
export const DOCS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs');
export const BENCH_REPORT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'report');

export interface Machine {
  cpu: string;
  cores: number;
  /** Execution provider the model ran on ("cpu", "cuda"), or "none" for benches without the model. */
  provider: string;
}

export function machine(provider: string): Machine & { node: string; platform: string } {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    provider,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Writes bench/out/<name>.json (atomically) with a generatedAt stamp; returns the path. */
export async function writeBenchOutput(name: string, data: object, dir = BENCH_OUT_DIR): Promise<string> {
  const file = path.join(dir, `${name}.json`);
  await writeFileAtomic(file, `${JSON.stringify({ generatedAt: new Date().toISOString(), ...data }, null, 2)}\n`);
  return file;
}

/** Median and a high percentile of latencies, ms. */
export function latency(ms: readonly number[]): { n: number; p50: number; p95: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { n: s.length, p50: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? 0 };
}

/** The markers around a block of figures that `command` writes in a docs/ file. */
export const docsBlockMarkers = (name: string) => ({ begin: `<!-- bench:${name} -->`, end: `<!-- /bench:${name} -->` });

/**
 * Replaces the block NAME of docs/FILE with `markdown`, stamped with the command, the date and the machine,
 * so that the figures the documentation quotes are the last run's and say where they come from. The block
 * must exist (a docs file decides where its figures go); returns the file written.
 */
export async function writeDocsBlock(
  file: string,
  name: string,
  command: string,
  m: Machine,
  markdown: string,
  dir = DOCS_DIR,
): Promise<string> {
  const full = path.join(dir, file);
  const text = await fs.readFile(full, 'utf8');
  const { begin, end } = docsBlockMarkers(name);
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${full} has no ${begin} … ${end} block for these figures`);
  const stamp = `_Written by \`${command}\` on ${new Date().toISOString().slice(0, 10)}: ${m.cpu}, ${m.cores} cores, provider ${m.provider}._`;
  await writeFileAtomic(full, `${text.slice(0, from + begin.length)}\n${stamp}\n\n${markdown.trim()}\n${text.slice(to)}`);
  return full;
}

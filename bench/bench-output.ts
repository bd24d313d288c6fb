// Where benches put their figures: one bench/out/<name>.json each, read by bench/report.ts. Every file
// carries the machine it was measured on and when, so a report can tell stale or foreign numbers.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/atomic-write.js';

/**
 * The shared data (../shared/data beside the checkout, or TWINSEG_SAMPLE_DATA), for the benches that
 * measure on it; the name of the variable is the tests' sample-data helper's.
 */
export function sharedData(...parts: string[]): string {
  const root = path.resolve(process.env.TWINSEG_SAMPLE_DATA ?? '../shared/data');
  const p = path.join(root, ...parts);
  if (!existsSync(p)) throw new Error(`The shared data is not at ${p}; set TWINSEG_SAMPLE_DATA to the folder holding coco-panoptic-sample and photos.`);
  return p;
}

export const BENCH_OUT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out');
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

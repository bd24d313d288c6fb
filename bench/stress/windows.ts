// Latency and throughput of consecutive windows of operations (e.g. each hundred builds, each thousand
// calls), so a soak can show the last window runs like the first.

export interface Timed {
  /** performance.now() at start and end. */
  start: number;
  end: number;
  /** The machine's 1-minute load average when it ended, to read the figures by. */
  load?: number;
}

export interface WindowFigures {
  /** 1-based numbers of the first and last operation in the window. */
  from: number;
  to: number;
  /** Operations per second, over the window's wall time (first start to last end). */
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  /** Mean load average over the window (NaN when not recorded). */
  load: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Operations in the order they were started, cut into windows of `size`. */
export function windows(ops: readonly Timed[], size: number): WindowFigures[] {
  const out: WindowFigures[] = [];
  for (let i = 0; i < ops.length; i += size) {
    const w = ops.slice(i, i + size);
    const wall = Math.max(...w.map((o) => o.end)) - Math.min(...w.map((o) => o.start));
    const ms = w.map((o) => o.end - o.start);
    const load = w.reduce((sum, o) => sum + (o.load ?? NaN), 0) / w.length;
    out.push({
      from: i + 1,
      to: i + w.length,
      perSecond: (w.length / wall) * 1000,
      p50Ms: percentile(ms, 50),
      p95Ms: percentile(ms, 95),
      load,
    });
  }
  return out;
}

/** The window size for a soak of `n` operations: `full` when there are at least three windows of it. */
export function windowSize(n: number, full: number): number {
  return n >= 3 * full ? full : Math.max(1, Math.ceil(n / 3));
}

// Figures a fuzz run reports: calls made, outcomes by kind and error code, and latency percentiles.
// Printed once at the end of the run, for docs/hardening.md and for whoever reads the CI log.

export class FuzzFigures {
  private readonly latencies: number[] = [];
  readonly outcomes = new Map<string, number>();
  readonly byTarget = new Map<string, number>();
  readonly tallies = new Map<string, number>();
  calls = 0;
  hangs = 0;
  crashes = 0;

  record(target: string, outcome: string, ms: number): void {
    this.calls++;
    this.latencies.push(ms);
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    this.byTarget.set(target, (this.byTarget.get(target) ?? 0) + 1);
  }

  /** Counts anything else worth a line in the summary (e.g. outcomes per generation mode). */
  tally(key: string): void {
    this.tallies.set(key, (this.tallies.get(key) ?? 0) + 1);
  }

  percentile(p: number): number {
    if (this.latencies.length === 0) return 0;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  }

  summary(title: string): string {
    const sortDesc = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
    return [
      `${title}: ${this.calls} calls, ${this.crashes} crashes, ${this.hangs} hangs`,
      `  by target: ${sortDesc(this.byTarget)}`,
      `  outcomes: ${sortDesc(this.outcomes)}`,
      ...(this.tallies.size ? [`  also: ${sortDesc(this.tallies)}`] : []),
      `  latency ms: p50 ${this.percentile(50).toFixed(1)}, p95 ${this.percentile(95).toFixed(1)}, max ${this.percentile(100).toFixed(1)}`,
    ].join('\n');
  }
}

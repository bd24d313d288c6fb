// The mixed workload of the scale bench (scale.run.ts): what one simulated agent does after the images
// are built, each call timed, and the statistics over those times.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface Timing {
  op: string;
  ms: number;
}

export interface OpStats {
  op: string;
  count: number;
  p50: number;
  p95: number;
  /** Calls per second of the phase that ran them (wall clock). */
  perSecond: number;
}

/** Deterministic pseudo-random numbers, so runs are comparable. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function statsOf(timings: Timing[], wallMs: number, op: string): OpStats {
  const ms = timings.map((t) => t.ms).sort((a, b) => a - b);
  return { op, count: ms.length, p50: percentile(ms, 50), p95: percentile(ms, 95), perSecond: (ms.length * 1000) / wallMs };
}

export async function timed<T>(timings: Timing[], op: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  timings.push({ op, ms: performance.now() - t0 });
  return out;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content).slice(0, 400)}`);
  return r.structuredContent as Record<string, unknown>;
}

export interface KnownTwin {
  id: string;
  objectCount: number;
}

const FILTERS = [{}, { where: { level: 'whole' } }, { where: { area_pct: { min: 1 } }, sort: { by: 'area', order: 'desc' }, limit: 3 }];
const WORDS = ['cup', 'table', 'lamp', 'chair', 'book', 'plant'];
const FORMATS = ['rle', 'png', 'polygon'];

/** One call of the mix, on a twin the agent knows: weights filter 30, get_mask 25, label 10, reads 35. */
export async function mixedCall(client: Client, twins: KnownTwin[], random: () => number, timings: Timing[]): Promise<void> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const twin = pick(twins);
  const id = 1 + Math.floor(random() * Math.min(5, twin.objectCount));
  const roll = random() * 100;
  if (roll < 30) {
    await timed(timings, 'filter_objects', () => callTool(client, 'filter_objects', { twin_id: twin.id, query: pick(FILTERS) }));
  } else if (roll < 55) {
    await timed(timings, 'get_mask', () => callTool(client, 'get_mask', { twin_id: twin.id, ids: [id], format: pick(FORMATS) }));
  } else if (roll < 65) {
    const out = await timed(timings, 'label_objects', () =>
      callTool(client, 'label_objects', { twin_id: twin.id, labels: [{ id, label: pick(WORDS) }] }),
    );
    // Revisions join the pool, so later calls read them too (completed from their base in Redis).
    if (twins.length < 64) twins.push({ id: out.twin_id as string, objectCount: twin.objectCount });
  } else if (roll < 80) {
    await timed(timings, 'read twin://{id}', () => client.readResource({ uri: `twin://${twin.id}` }));
  } else if (roll < 90) {
    await timed(timings, 'read marks.jpg', () => client.readResource({ uri: `twin://${twin.id}/marks.jpg` }));
  } else {
    await timed(timings, 'read mask/….png', () => client.readResource({ uri: `twin://${twin.id}/mask/union-${id}.png` }));
  }
}

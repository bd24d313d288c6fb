// Soak: `twinseg serve --http` as a child process with the real model, driven through the SDK client
// by one build lane (STRESS_BUILDS builds of drawn scenes of several sizes, every fifth a repeat that
// must come from the cache, every eighth new one sent inline as base64) and STRESS_CLIENTS-1 call lanes
// (STRESS_CALLS filter_objects / get_mask / label_objects / resources/read calls on recent twins and
// revisions, sessions closed and reopened every STRESS_CHURN calls). Calls run beside the builds, paced
// so every stretch of the run has the same mix. Prints the server's memory over time against a bound
// derived from its cache limits, its open handles at start and end, errors by kind, and throughput
// and p95 latency per window, first to last. Asserts nothing about time.
// Run: npm run stress. Quick (about a minute): STRESS_BUILDS=12 STRESS_CALLS=1500 npm run stress
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { drawScene } from '../src/scenes/scene.js';
import { PIXEL_BYTES_KEPT } from '../src/twin/images/image-memory.js';
import { BLOB_BYTES_KEPT } from '../src/twin/store/twin-store.js';
import { makeCallMix, seeded, targetOf, type Call, type LiveTwin } from './stress/call-mix.js';
import { fdsOf, memoryOf, openFiles, ProcessGauge, type MemorySample } from './stress/process-gauge.js';
import { startServerChild, type ServerChild } from './stress/server-child.js';
import { percentile, windows, windowSize, type Timed } from './stress/windows.js';

const knob = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer; got ${process.env[name]}`);
  return v;
};
const BUILDS = knob('STRESS_BUILDS', 300);
const CALLS = knob('STRESS_CALLS', 20_000);
const CLIENTS = Math.max(2, knob('STRESS_CLIENTS', 4));
const CHURN = knob('STRESS_CHURN', 1000);
const MIB = 1024 * 1024;
/** Room above the warm server's RSS and its caches for work in flight: requests, one build, GC slack. */
const IN_FLIGHT_MB = 256;
const TOKEN = 'stress-token-0123456789abcdef';
const TIMEOUT = { timeout: 600_000 };

/** Drawn-scene sizes: small ones for most builds (the encoder costs the same at any size), every tenth large. */
const SMALL = [
  [160, 120],
  [192, 144],
  [224, 168],
  [256, 192],
  [320, 240],
  [240, 320],
] as const;
const LARGE = [640, 427] as const;

interface Picture {
  n: number;
  width: number;
  height: number;
  /** A path in the root, or a data URL. */
  image: string;
}

interface BuildRecord extends Timed {
  repeat: boolean;
  cached?: boolean;
}

const errors = new Map<string, number>();
/** The first text seen of each error code, to say what went wrong. */
const examples = new Map<string, string>();
const tally = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
function codeOf(text: string): string {
  const code = /\b([A-Z][A-Z0-9_]{2,}): /.exec(text)?.[1] ?? 'OTHER';
  if (!examples.has(code)) examples.set(code, text.slice(0, 300));
  return code;
}

async function drawPictures(root: string, count: number): Promise<Picture[]> {
  const out: Picture[] = [];
  for (let n = 0; n < count; n++) {
    const [width, height] = n % 10 === 9 ? LARGE : SMALL[n % SMALL.length]!;
    const png = (await drawScene({ seed: 1000 + n, width, height, objects: 3 + (n % 4) })).picture.data;
    let image: string;
    if (n % 8 === 5) image = `data:image/png;base64,${png.toString('base64')}`;
    else {
      image = path.join(root, `scene-${n}.png`);
      await fs.writeFile(image, png);
    }
    out.push({ n, width, height, image });
  }
  return out;
}

/** Which picture each build uses: every fifth a repeat of one of the last few new ones (so it is still cached). */
function buildPlan(builds: number, random: () => number): { picture: number; repeat: boolean }[] {
  const plan: { picture: number; repeat: boolean }[] = [];
  let fresh = 0;
  for (let i = 0; i < builds; i++) {
    if (i % 5 === 4 && fresh > 0) plan.push({ picture: Math.max(0, fresh - 1 - Math.floor(random() * Math.min(fresh, 6))), repeat: true });
    else plan.push({ picture: fresh++, repeat: false });
  }
  return plan;
}

/** Resolves waiters when a counter reaches their mark. */
class Progress {
  value = 0;
  private waiters: { at: number; resolve: () => void }[] = [];
  bump(): void {
    this.value++;
    this.waiters = this.waiters.filter((w) => (w.at <= this.value ? (w.resolve(), false) : true));
  }
  reach(at: number): Promise<void> {
    return at <= this.value ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ at, resolve }));
  }
}

async function callOnce(client: Client, call: Call): Promise<string> {
  try {
    if (call.kind === 'read') {
      const r = await client.readResource({ uri: call.uri }, TIMEOUT);
      return r.contents.length > 0 ? 'ok' : 'empty';
    }
    const r = (await client.callTool({ name: call.name, arguments: call.args }, undefined, TIMEOUT)) as CallToolResult;
    if (!r.isError) return 'ok';
    return codeOf((r.content[0] as { text?: string } | undefined)?.text ?? '');
  } catch (e) {
    return codeOf(thrownText(e));
  }
}

/** A thrown error's message with its cause (fetch hides the socket error there). */
function thrownText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause as { code?: string; message?: string } | undefined;
  return cause ? `${e.message} (${[cause.code, cause.message].filter(Boolean).join(' ')})` : e.message;
}

const mb = (x: number) => `${Math.round(x)} MB`;
const sorted = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

it(`soaks twinseg serve --http: ${BUILDS} builds, ${CALLS} calls`, async () => {
  const work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-stress-')));
  const root = path.join(work, 'root');
  await fs.mkdir(root);
  const env = { TWINSEG_HOME: path.join(work, 'home'), TWINSEG_ROOTS: root, TWINSEG_PROVIDERS: process.env.TWINSEG_PROVIDERS ?? 'cpu' };
  const config = loadConfig({ ...process.env, ...env });
  const random = seeded(10);
  const plan = buildPlan(BUILDS, random);
  const pictures = await drawPictures(root, plan.filter((p) => !p.repeat).length);
  const server: ServerChild = await startServerChild(env, TOKEN);
  const gauge = new ProcessGauge(server.pid);
  const idle = await gauge.sample();
  const fdsIdle = await fdsOf(server.pid);
  gauge.start(1000);

  const builds = new Progress();
  const callsDone = new Progress();
  const buildRecords: BuildRecord[] = [];
  const callRecords: Timed[] = [];
  const outcomes = new Map<string, number>();
  const targets = new Map<string, number>();
  const expected = new Map<string, number>();
  const twins: LiveTwin[] = [];
  const revisions: LiveTwin[] = [];
  const mix = makeCallMix(seeded(20));
  let warm: MemorySample | undefined;
  let nextCall = 0;
  let sessions = 0;
  const cancels = new Map<string, number>();
  const started = performance.now();
  const phase = () => `build ${builds.value}/${BUILDS}, call ${callsDone.value}/${CALLS}`;

  const buildLane = async () => {
    const client = await server.connect('stress-builds');
    for (let i = 0; i < BUILDS; i++) {
      // Build i runs beside the calls of round i-1; it waits for round i-2 to finish.
      await callsDone.reach(Math.floor(((i - 1) * CALLS) / BUILDS));
      const { picture, repeat } = plan[i]!;
      const p = pictures[picture]!;
      // One new picture in 25 is first built and cancelled at its first progress report (the encoder
      // has run, the decoder is running); the build that follows must then run afresh, not find a twin.
      let cancelled: string | undefined;
      if (!repeat && i % 25 === 2) {
        const controller = new AbortController();
        cancelled = await client
          .callTool({ name: 'build_digital_twin', arguments: { image: p.image, preset: 'fast' } }, undefined, {
            ...TIMEOUT,
            signal: controller.signal,
            onprogress: () => controller.abort(),
          })
          .then(
            () => 'finished before the cancel reached it',
            () => 'cancelled',
          );
        tally(cancels, cancelled);
      }
      const rec: BuildRecord = { start: performance.now(), end: 0, repeat };
      const r = (await client
        .callTool({ name: 'build_digital_twin', arguments: { image: p.image, preset: 'fast' } }, undefined, TIMEOUT)
        .catch((e: unknown) => ({ isError: true, content: [{ type: 'text', text: thrownText(e) }] }))) as CallToolResult;
      rec.end = performance.now();
      rec.load = os.loadavg()[0];
      buildRecords.push(rec);
      if (r.isError) tally(errors, `build: ${codeOf((r.content[0] as { text: string }).text)}`);
      else {
        const s = r.structuredContent as { twin_id: string; cached: boolean; object_count: number };
        rec.cached = s.cached;
        if (repeat && !s.cached) tally(errors, 'build: a repeat missed the cache');
        if (!repeat && s.cached && cancelled === 'cancelled') {
          // Cancellation is best effort: a cancel that reaches the server while the finished twin is being
          // stored comes too late, and the twin is whole. What must never be is a partial one.
          const read = await client.readResource({ uri: `twin://${s.twin_id}` }, TIMEOUT).catch(() => undefined);
          const stored = read ? (JSON.parse((read.contents[0] as { text: string }).text) as { objects: unknown[] }) : undefined;
          if (stored && stored.objects.length === s.object_count) tally(cancels, 'cancel came after the build was stored (twin whole)');
          else tally(errors, 'build: a cancelled build left a partial twin');
        } else if (!repeat && s.cached && !cancelled) {
          tally(errors, 'build: a new picture came from the cache');
        }
        if (!repeat) twins.push({ id: s.twin_id, objects: s.object_count, width: p.width, height: p.height });
      }
      if (i === 0) warm = await gauge.sample();
      builds.bump();
      gauge.phase = phase();
      if (builds.value % Math.max(1, Math.round(BUILDS / 10)) === 0) {
        const m = await memoryOf(server.pid);
        console.log(
          `soak: ${phase()}, ${((performance.now() - started) / 1000).toFixed(0)} s, server RSS ${mb(m.rssMb)}, ${sorted(errors)} errors`,
        );
      }
    }
    await server.disconnect(client);
  };

  const callLane = async (lane: number) => {
    let client = await server.connect(`stress-calls-${lane}-${sessions++}`);
    let made = 0;
    for (let j = nextCall++; j < CALLS; j = nextCall++) {
      await builds.reach(Math.min(BUILDS, Math.floor((j * BUILDS) / CALLS) + 1));
      if (twins.length === 0) {
        tally(errors, 'call: no twin to call on (every build failed)');
        callsDone.bump();
        continue;
      }
      // Recent twins (the last dozen) and recent revisions, as a host works on what it just built.
      const pool = revisions.length > 0 && random() < 0.4 ? revisions.slice(-40) : twins.slice(-12);
      const twin = pool[Math.floor(random() * pool.length)]!;
      const call = mix(twin);
      const start = performance.now();
      let outcome: string;
      if (call.kind === 'tool' && call.name === 'label_objects') {
        const r = (await client.callTool({ name: call.name, arguments: call.args }, undefined, TIMEOUT).catch((e: unknown) => e)) as
          CallToolResult | Error;
        if (r instanceof Error) outcome = codeOf(thrownText(r));
        else if (r.isError) outcome = codeOf((r.content[0] as { text: string }).text);
        else {
          outcome = 'ok';
          revisions.push({ ...twin, id: (r.structuredContent as { twin_id: string }).twin_id });
          if (revisions.length > 200) revisions.splice(0, 100);
        }
      } else outcome = await callOnce(client, call);
      callRecords[j] = { start, end: performance.now(), load: os.loadavg()[0] };
      tally(targets, targetOf(call));
      tally(outcomes, outcome);
      if (call.expectCode) {
        if (outcome === call.expectCode) tally(expected, outcome);
        else tally(errors, `call ${targetOf(call)}: expected ${call.expectCode}, got ${outcome}`);
      } else if (outcome !== 'ok') tally(errors, `call ${targetOf(call)}: ${outcome}`);
      callsDone.bump();
      gauge.phase = phase();
      if (++made % CHURN === 0) {
        await server.disconnect(client);
        client = await server.connect(`stress-calls-${lane}-${sessions++}`);
      }
    }
    await server.disconnect(client);
  };

  await Promise.all([buildLane(), ...Array.from({ length: CLIENTS - 1 }, (_, k) => callLane(k))]);
  const wallS = (performance.now() - started) / 1000;
  const busy = await gauge.sample();
  // Idle keep-alive sockets close after the HTTP server's keepAliveTimeout (5 s).
  await new Promise((r) => setTimeout(r, 6000));
  gauge.stop();
  const end = await gauge.sample();
  const fdsEnd = await fdsOf(server.pid);
  const filesEnd = await openFiles(server.pid);
  const exitCode = await server.stop();

  const warmRss = warm?.rssMb ?? NaN;
  const fdsWarm = warm?.fds ?? NaN;
  const caches = {
    embeddings: config.embeddingCacheBytes / MIB,
    twins: config.twinCacheBytes / MIB,
    pixels: PIXEL_BYTES_KEPT / MIB,
    blobs: BLOB_BYTES_KEPT / MIB,
  };
  const bound = warmRss + caches.embeddings + caches.twins + caches.pixels + caches.blobs + IN_FLIGHT_MB;
  const peak = Math.max(end.peakMb, ...gauge.samples.map((s) => s.rssMb));
  const half = gauge.samples.filter((s) => s.t >= gauge.samples[gauge.samples.length - 1]!.t / 2);
  const serverProblems = server.log.filter((l) => /unhandled|failed|INTERNAL|Error:/i.test(l));
  const bw = windows(buildRecords, windowSize(BUILDS, 100));
  const cw = windows(callRecords.filter(Boolean), windowSize(CALLS, 1000));
  const step = Math.max(1, Math.ceil(gauge.samples.length / 16));
  const lines = [
    `twinseg soak: ${BUILDS} builds (${plan.filter((p) => p.repeat).length} repeats), ${CALLS} calls over ${CLIENTS} HTTP clients` +
      ` (${sessions + 1} sessions), ${wallS.toFixed(0)} s on ${os.cpus().length} cores (load average at end ${os.loadavg()[0]!.toFixed(1)})`,
    `pictures: ${pictures.length} drawn scenes, ${pictures.filter((p) => p.width === LARGE[0]).length} of them 640×427, the rest 160×120 to 320×240;` +
      ` ${pictures.filter((p) => p.image.startsWith('data:')).length} sent as base64; preset fast`,
    `errors: ${sorted(errors)}`,
    ...[...examples].filter(([code]) => [...errors.keys()].some((k) => k.endsWith(code))).map(([code, text]) => `  ${code}: ${text}`),
    `expected refusals: ${sorted(expected)}; builds cancelled by their client: ${sorted(cancels)}`,
    `calls by target: ${sorted(targets)}`,
    `server: exit code ${exitCode}, ${serverProblems.length} problem lines in its log${serverProblems.length ? `: ${serverProblems.slice(0, 5).join(' | ')}` : ''}`,
    `RSS: idle ${mb(idle.rssMb)}, after the first build ${mb(warmRss)}, peak ${mb(peak)} (VmHWM), at end ${mb(busy.rssMb)}, after clients left ${mb(end.rssMb)}`,
    `  bound ${mb(bound)} = after first build + caches (embeddings ${caches.embeddings} + twins ${caches.twins} + pixels ${caches.pixels}` +
      ` + pictures ${caches.blobs} MiB) + ${IN_FLIGHT_MB} MB in flight; second half of the run: ${mb(Math.min(...half.map((s) => s.rssMb)))}–${mb(Math.max(...half.map((s) => s.rssMb)))}`,
    `  what the soak puts in the caches whose budgets it does not reach: decoded pixels of all ${pictures.length} pictures` +
      ` ${mb(pictures.reduce((n, p) => n + p.width * p.height * 3, 0) / MIB)} (they stay until the 512 MiB budget), one marks picture per twin`,
    `  over time: ${gauge.samples
      .filter((_, i) => i % step === 0)
      .map((s) => `${(s.t / 1000).toFixed(0)}s ${Math.round(s.rssMb)}`)
      .join(', ')}`,
    `open handles: idle ${fdsIdle.total} ${JSON.stringify(fdsIdle.byKind)}, after the first build ${fdsWarm}, busy ${busy.fds}, after clients left ${fdsEnd.total} ${JSON.stringify(fdsEnd.byKind)}` +
      `; max sampled ${Math.max(...gauge.samples.map((s) => s.fds))}; sockets with ${CLIENTS} clients connected: after the first build` +
      ` ${warm?.sockets}, at end ${busy.sockets}, max ${Math.max(...gauge.samples.map((s) => s.sockets))}`,
    `  files open at end: ${filesEnd.join(', ') || 'none'}`,
    `builds per ${bw[0]?.to ?? 0}: ${bw.map((w) => `${w.from}-${w.to}: ${(w.perSecond * 60).toFixed(1)}/min p95 ${(w.p95Ms / 1000).toFixed(1)} s (load ${w.load.toFixed(1)})`).join('; ')}`,
    `  new pictures p50 ${(
      percentile(
        buildRecords.filter((b) => b.cached === false).map((b) => b.end - b.start),
        50,
      ) / 1000
    ).toFixed(1)} s,` +
      ` repeats (cached) p95 ${percentile(
        buildRecords.filter((b) => b.cached).map((b) => b.end - b.start),
        95,
      ).toFixed(0)} ms`,
    `calls per ${cw[0]?.to ?? 0}: ${cw.map((w) => `${w.from}-${w.to}: ${w.perSecond.toFixed(0)}/s p95 ${w.p95Ms.toFixed(0)} ms (load ${w.load.toFixed(1)})`).join('; ')}`,
    `  all calls: p50 ${percentile(
      callRecords.map((c) => c.end - c.start),
      50,
    ).toFixed(0)} ms, p95 ${percentile(
      callRecords.map((c) => c.end - c.start),
      95,
    ).toFixed(0)} ms`,
  ];
  console.log(`\n${lines.join('\n')}\n`);
  await fs.rm(work, { recursive: true, force: true });
  // Figures, not timings: the run fails only on what is wrong whatever the machine.
  expect(errors.size, sorted(errors)).toBe(0);
  expect(peak).toBeLessThan(bound);
  expect(fdsEnd.total).toBeLessThanOrEqual(fdsWarm);
});

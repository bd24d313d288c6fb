// Scale bench (npm run bench:scale): 1, 2 and 4 replicas of `twinseg serve --http` (stateless, child
// processes of dist/cli.js) behind a round-robin proxy, sharing one real Redis (TWINSEG_STORE) and one
// perception backend. Per replica count: a few distinct drawn images are built at once, then simulated
// agents run a mixed workload (filter_objects, get_mask, label_objects, resource reads) on those twins
// and their revisions. Prints throughput and p50/p95 per operation, the CPU each part used, and writes
// bench/out/scale.json. It asserts nothing about time.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Redis } from 'ioredis';
import { it } from 'vitest';
import { drawScene } from '../src/scenes/scene.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { startReplica, type Replica } from '../test/helpers/replica-process.js';
import { startRoundRobinProxy } from '../test/helpers/round-robin-proxy.js';
import { writeDocsBlock } from './bench-output.js';
import { perceptionBackend } from './scale-backend.js';
import { callTool, mixedCall, rng, statsOf, timed, type KnownTwin, type OpStats, type Timing } from './scale-workload.js';

const REPLICA_COUNTS = [1, 2, 4];
const IMAGES_PER_RUN = 4;
const AGENTS = 8;
const MIXED_CALLS = 480;
const IMAGE_SIZE = { width: 640, height: 427 };
const TOKEN = 'scale-bench-token-0123456789';
const CORES = os.availableParallelism();
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds a process has used so far (user + system), from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = pid > 0 ? await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '') : '';
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
}

/** Busy and total jiffies of the whole machine, from /proc/stat (busy: all but idle and iowait). */
async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await fs.readFile('/proc/stat', 'utf8').catch(() => 'cpu 0 0 0 0')).split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'scale-bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
  return client;
}

interface RunResult {
  replicas: number;
  threadsPerReplica: number;
  buildWallS: number;
  mixedWallS: number;
  builds: OpStats;
  mixed: OpStats;
  overall: OpStats;
  ops: OpStats[];
  /** Share of all cores each part kept busy over both phases; `others`: processes outside the bench (other work on the machine). */
  cpu: { machine: number; replicas: number; redis: number; backend: number; benchProcess: number; others: number };
  /** 1-minute load average when the measured phases began. */
  loadAverage: number;
  redisCommandsPerSecond: number;
}

async function runWith(
  replicaCount: number,
  ctx: { work: string; redisUrl: string; redisPid: number; backendEnv: Record<string, string>; backendPid?: number },
): Promise<RunResult> {
  const threads = Math.max(1, Math.floor(CORES / replicaCount));
  const replicas: Replica[] = await Promise.all(
    Array.from({ length: replicaCount }, (_, i) =>
      startReplica({
        TWINSEG_HOME: path.join(ctx.work, `home-${replicaCount}-${i}`),
        TWINSEG_ROOTS: ctx.work,
        TWINSEG_STORE: ctx.redisUrl,
        TWINSEG_TOKEN: TOKEN,
        TWINSEG_HTTP_STATELESS: '1',
        TWINSEG_PROVIDERS: 'cpu',
        TWINSEG_THREADS: String(threads),
        TWINSEG_PRESET: 'fast',
        ...ctx.backendEnv,
      }),
    ),
  );
  const proxy = await startRoundRobinProxy(replicas.map((r) => r.origin));
  const clients: Client[] = [];
  const admin = new Redis(ctx.redisUrl);
  try {
    // Warm-up, not measured: every replica loads the model (the first computes the warm-up twin, the rest find it in Redis).
    for (const r of replicas) {
      const c = await connect(r.url);
      clients.push(c);
      await callTool(c, 'build_digital_twin', { image: path.join(ctx.work, 'warmup.png') });
    }
    const pids = replicas.map((r) => r.child.pid!);
    const cpuBefore = await Promise.all([...pids, ctx.redisPid, ctx.backendPid ?? 0].map(cpuSeconds));
    const benchBefore = process.cpuUsage();
    const machineBefore = await machineTicks();
    const loadAverage = os.loadavg()[0]!;
    const commandsBefore = Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))![1]);

    // Phase 1: distinct images built at once, each by its own agent, spread over the replicas by the proxy.
    const buildTimings: Timing[] = [];
    const t0 = performance.now();
    const built: KnownTwin[] = await Promise.all(
      Array.from({ length: IMAGES_PER_RUN }, async (_, i) => {
        const c = await connect(`${proxy.origin}/mcp`);
        clients.push(c);
        const out = await timed(buildTimings, 'build_digital_twin', () =>
          callTool(c, 'build_digital_twin', { image: path.join(ctx.work, `scene-${replicaCount}-${i}.png`) }),
        );
        if (out.cached) throw new Error('a bench image was already built; each run must build its own');
        return { id: out.twin_id as string, objectCount: out.object_count as number };
      }),
    );
    const buildWall = performance.now() - t0;

    // Phase 2: agents share a budget of calls on those twins and the revisions they make.
    const mixedTimings: Timing[] = [];
    let left = MIXED_CALLS;
    const t1 = performance.now();
    await Promise.all(
      Array.from({ length: AGENTS }, async (_, a) => {
        const c = await connect(`${proxy.origin}/mcp`);
        clients.push(c);
        const random = rng(7919 * (a + 1));
        const pool = [...built];
        while (left-- > 0) await mixedCall(c, pool, random, mixedTimings);
      }),
    );
    const mixedWall = performance.now() - t1;

    const cpuAfter = await Promise.all([...pids, ctx.redisPid, ctx.backendPid ?? 0].map(cpuSeconds));
    const bench = process.cpuUsage(benchBefore);
    const machineAfter = await machineTicks();
    const commands = Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))![1]) - commandsBefore;
    const wallS = (buildWall + mixedWall) / 1000;
    const used = cpuAfter.map((v, i) => v - cpuBefore[i]!);
    const share = (seconds: number) => seconds / (wallS * CORES);
    const ops = [...new Set(mixedTimings.map((t) => t.op))].sort().map((op) =>
      statsOf(
        mixedTimings.filter((t) => t.op === op),
        mixedWall,
        op,
      ),
    );
    return {
      replicas: replicaCount,
      threadsPerReplica: threads,
      buildWallS: buildWall / 1000,
      mixedWallS: mixedWall / 1000,
      builds: statsOf(buildTimings, buildWall, 'build_digital_twin'),
      mixed: statsOf(mixedTimings, mixedWall, 'all mixed calls'),
      overall: statsOf([...buildTimings, ...mixedTimings], buildWall + mixedWall, 'overall'),
      ops,
      cpu: cpuShares(
        {
          machine: (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total),
          replicas: share(used.slice(0, pids.length).reduce((s, v) => s + v, 0)),
          redis: share(used[pids.length]!),
          backend: share(used[pids.length + 1]!),
          benchProcess: share((bench.user + bench.system) / 1e6),
        },
        ctx.backendPid === process.pid,
      ),
      loadAverage,
      redisCommandsPerSecond: commands / wallS,
    };
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    admin.disconnect();
    await proxy.close();
    await Promise.all(replicas.map((r) => r.stop()));
  }
}

function cpuShares(c: Omit<RunResult['cpu'], 'others'>, backendInBench: boolean): RunResult['cpu'] {
  // The triton backend runs in the bench process, whose CPU benchProcess already holds: count it once. (Its two
  // readings, /proc and process.cpuUsage(), are taken moments apart and never quite equal, so compare pids.)
  const ours = c.replicas + c.redis + c.benchProcess + (backendInBench ? 0 : c.backend);
  return { ...c, others: Math.max(0, c.machine - ours) };
}

const f1 = (n: number) => n.toFixed(1);
const pct = (n: number) => `${Math.round(n * 100)}%`;

function table(results: RunResult[], backend: string): string {
  const lines = [
    `twinseg scale bench: ${CORES} CPU cores, ${os.cpus()[0]?.model ?? 'CPU'}; backend: ${backend}`,
    `${IMAGES_PER_RUN} distinct ${IMAGE_SIZE.width}×${IMAGE_SIZE.height} drawn images built per run (preset fast), then ${MIXED_CALLS} mixed calls by ${AGENTS} agents; stateless replicas behind a round-robin proxy, one Redis`,
    '',
    'CPU columns: share of all cores over both phases (machine: everything that ran; other: processes outside this bench). load: 1-min load average at the start.',
    '',
    'replicas threads | builds: wall s  p50 s  p95 s | mixed: calls/s  p50 ms  p95 ms | overall: calls/s  p95 ms | CPU: machine replicas redis bench other | load | redis cmd/s',
  ];
  for (const r of results) {
    lines.push(
      [
        String(r.replicas).padStart(8),
        String(r.threadsPerReplica).padStart(7),
        '|',
        f1(r.buildWallS).padStart(14),
        f1(r.builds.p50 / 1000).padStart(6),
        f1(r.builds.p95 / 1000).padStart(6),
        '|',
        f1(r.mixed.perSecond).padStart(14),
        f1(r.mixed.p50).padStart(7),
        f1(r.mixed.p95).padStart(7),
        '|',
        f1(r.overall.perSecond).padStart(16),
        f1(r.overall.p95).padStart(7),
        '|',
        pct(r.cpu.machine).padStart(12),
        pct(r.cpu.replicas).padStart(8),
        pct(r.cpu.redis).padStart(5),
        pct(r.cpu.benchProcess).padStart(5),
        pct(r.cpu.others).padStart(5),
        '|',
        f1(r.loadAverage).padStart(4),
        '|',
        String(Math.round(r.redisCommandsPerSecond)).padStart(11),
      ].join(' '),
    );
  }
  lines.push('', 'per operation (mixed phase):   op                   replicas  calls   p50 ms   p95 ms  calls/s');
  for (const r of results) {
    for (const o of r.ops) {
      lines.push(
        `${''.padStart(31)} ${o.op.padEnd(20)} ${String(r.replicas).padStart(8)} ${String(o.count).padStart(6)} ${f1(o.p50).padStart(8)} ${f1(o.p95).padStart(8)} ${f1(o.perSecond).padStart(8)}`,
      );
    }
  }
  return lines.join('\n');
}

it('measures 1, 2 and 4 replicas sharing one Redis and one perception backend', async () => {
  const work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-scale-')));
  const redis = await startRedisServer();
  const backend = perceptionBackend();
  const served = await backend.start();
  try {
    await fs.writeFile(path.join(work, 'warmup.png'), (await drawScene({ seed: 1, ...IMAGE_SIZE })).picture.data);
    for (const n of REPLICA_COUNTS) {
      for (let i = 0; i < IMAGES_PER_RUN; i++) {
        const scene = await drawScene({ seed: 100 * n + i, ...IMAGE_SIZE });
        await fs.writeFile(path.join(work, `scene-${n}-${i}.png`), scene.picture.data);
      }
    }
    const results: RunResult[] = [];
    for (const n of REPLICA_COUNTS) {
      results.push(await runWith(n, { work, redisUrl: redis.url, redisPid: redis.pid, backendEnv: served.env, backendPid: served.pid }));
    }
    const text = table(results, backend.description);
    console.log(`\n${text}\n`);
    const out = path.resolve('bench/out/scale.json');
    await fs.mkdir(path.dirname(out), { recursive: true });
    const settings = {
      imagesPerRun: IMAGES_PER_RUN,
      agents: AGENTS,
      mixedCalls: MIXED_CALLS,
      image: IMAGE_SIZE,
      preset: 'fast',
      stateless: true,
    };
    const machine = { cores: CORES, cpu: os.cpus()[0]?.model, node: process.version, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
    await fs.writeFile(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), backend: backend.description, machine, settings, results }, null, 2)}\n`,
    );
    console.log(`written ${path.relative(process.cwd(), out)}`);
    const docs = await writeDocsBlock(
      'scaling.md',
      'scale',
      'npm run bench:scale',
      { cpu: os.cpus()[0]?.model ?? 'CPU', cores: CORES, provider: backend.description },
      `\`\`\`\n${text}\n\`\`\``,
    );
    console.log(`written ${path.relative(process.cwd(), docs)}`);
  } finally {
    await served.stop();
    await redis.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
});

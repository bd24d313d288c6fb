// A replica killed mid-write leaves no half twin in Redis: a child process storing large twins and
// revisions in a loop is killed with SIGKILL at random moments, round after round, on one Redis. After
// each kill every twin the child reported stored must be in Redis, and every twin key there must load
// whole in a fresh store (another replica), with its summary beside it (they are written in one MULTI).
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTwin } from '../../../src/twin/build-twin.js';
import { RedisTwinStore } from '../../../src/twin/store/redis-twin-store.js';
import { serializeTwin } from '../../../src/twin/store/twin-codec.js';
import { tempDir } from '../../helpers/mcp-harness.js';
import { skipWithoutRedis, useRedisServer } from '../../helpers/redis-server.js';
import { standardScene } from '../scene-fixture.js';

const CHILD = path.resolve('test/helpers/redis-store-child.mjs');
const NAMESPACE = 'twinseg:v2:crash:';
const ROUNDS = 8;
/** Kill moments after the child is ready, from a seeded generator (ms). */
const KILL_AFTER_MS = { min: 30, max: 400 };

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(skipWithoutRedis())('Redis twin store under SIGKILL', () => {
  const redis = useRedisServer();
  let work: string;
  let template: string;
  let admin: Redis;

  beforeAll(async () => {
    work = await tempDir('twinseg-redis-crash-');
    const { scene, proposals } = standardScene();
    const twin = buildTwin(scene.image(), proposals, { model: 'm', params: {} });
    // About 400 kB per twin, so that kills often land while one is on its way to Redis.
    twin.objects[0]!.semantics.description = { value: 'long description '.repeat(25_000), source: 'host' };
    template = serializeTwin(twin);
    await fs.writeFile(path.join(work, 'template.json'), template);
    admin = new Redis(redis.current.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    admin?.disconnect();
    await fs.rm(work, { recursive: true, force: true });
  });

  async function runAndKill(
    round: number,
    ms: number,
  ): Promise<{ done: string[]; midWrite: boolean; stderr: string; signal: string | null }> {
    const args = [CHILD, redis.current.url, NAMESPACE, path.join(work, 'template.json'), String(round)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.startsWith('ready\n')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`child exited (${code}) before it was ready: ${stderr}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      child.kill('SIGKILL');
    }
    const signal = await exited;
    const lines = out.split('\n').slice(1, -1); // the last line may have been cut by the kill
    const done = lines.filter((l) => l.startsWith('done ')).map((l) => l.slice(5));
    return { done, midWrite: lines.at(-1)?.startsWith('begin ') ?? false, stderr, signal };
  }

  it(`shows every reported twin whole and no half twin after ${ROUNDS} kills`, async () => {
    const random = mulberry32(20_260_111);
    const reported = new Set<string>();
    let midWrite = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const ms = KILL_AFTER_MS.min + Math.floor(random() * (KILL_AFTER_MS.max - KILL_AFTER_MS.min));
      const run = await runAndKill(round, ms);
      expect(run.signal, `round ${round}`).toBe('SIGKILL');
      expect(run.stderr, `round ${round}: the store warned`).toBe('');
      run.done.forEach((id) => reported.add(id));
      if (run.midWrite) midWrite++;

      const logs: string[] = [];
      const reader = new RedisTwinStore({
        url: redis.current.url,
        namespace: NAMESPACE,
        ttlSeconds: 3600,
        maxTwinBytes: 64 << 20,
        cacheBytes: 256 << 20,
        timeoutMs: 5000,
        log: (m) => logs.push(m),
      });
      try {
        const twinKeys = await admin.keys(`${NAMESPACE}twin:*`);
        const summaryKeys = await admin.keys(`${NAMESPACE}summary:*`);
        const ids = twinKeys.map((k) => k.slice(`${NAMESPACE}twin:`.length)).sort();
        expect(summaryKeys.map((k) => k.slice(`${NAMESPACE}summary:`.length)).sort()).toEqual(ids);
        const missing = [...reported].filter((id) => !ids.includes(id));
        expect(missing, `round ${round}: reported stored but gone`).toEqual([]);
        for (const id of ids) {
          const twin = await reader.get(id);
          expect(twin, `round ${round}: ${id} is in Redis but does not load`).toBeDefined();
          expect(twin!.masks.size).toBe(twin!.objects.length);
        }
      } finally {
        await reader.close();
      }
      expect(logs.filter((l) => !/exceeds the twin cache/.test(l))).toEqual([]);
    }
    const keys = (await admin.keys(`${NAMESPACE}twin:*`)).length;
    console.log(
      `Redis store crash test: ${ROUNDS} SIGKILLs (${midWrite} while a put was under way), ${reported.size} twins reported, ${keys} in Redis, 0 half twins`,
    );
    expect(reported.size).toBeGreaterThan(ROUNDS);
  });
});

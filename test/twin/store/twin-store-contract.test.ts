// The TwinStore contract, run against every store: the local one (memory plus a directory) and the Redis
// one on a real redis-server. "Another instance" is a second store on the same directory or Redis: a
// restart, or another replica. Where the stores differ on purpose (what a byte bound drops, TTLs), each
// store says what it promises and the test checks exactly that.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTwin } from '../../../src/twin/build-twin.js';
import { RedisTwinStore } from '../../../src/twin/store/redis-twin-store.js';
import { draftOf, makeRevision } from '../../../src/twin/revision.js';
import { LocalTwinStore, type TwinStore } from '../../../src/twin/store/twin-store.js';
import type { Twin } from '../../../src/twin/scene-model.js';
import { tempDir } from '../../helpers/mcp-harness.js';
import { skipWithoutRedis, startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import { rectBits, standardScene, toRle } from '../scene-fixture.js';

interface OpenOptions {
  /** The store's byte bound: local memory (TWINSEG_TWIN_CACHE_BYTES), Redis value size (TWINSEG_STORE_MAX_TWIN_BYTES). */
  boundBytes?: number;
  ttlSeconds?: number;
  log?: (msg: string) => void;
}

interface StoreUnderTest {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A fresh, empty backing for the next test. */
  reset(): Promise<void>;
  open(opts?: OpenOptions): TwinStore;
  /** The stored text of a twin, as written. */
  raw(id: string): Promise<string | undefined>;
  /** The log line a twin over the bound leaves, and whether another instance still finds it. */
  oversize: { logged: RegExp; foundByAnother: boolean };
  /** TTL controls, for stores that expire twins. */
  ttl?: { remainingMs(id: string): Promise<number>; shorten(id: string, ms: number): Promise<void> };
}

function localStore(): StoreUnderTest {
  let dir = '';
  return {
    name: 'LocalTwinStore',
    setup: async () => undefined,
    teardown: async () => {
      if (dir) await fs.rm(path.dirname(dir), { recursive: true, force: true });
    },
    reset: async () => {
      if (dir) await fs.rm(path.dirname(dir), { recursive: true, force: true });
      dir = path.join(await tempDir('twinseg-contract-'), 'twins');
    },
    open: (o = {}) => new LocalTwinStore({ maxBytes: o.boundBytes ?? 64 << 20, dir, log: o.log }),
    raw: (id) => fs.readFile(path.join(dir, `${id}.json`), 'utf8').catch(() => undefined),
    // The bound is the memory cache; the directory still holds the twin.
    oversize: { logged: /exceeds the twin cache \(TWINSEG_TWIN_CACHE_BYTES\)/, foundByAnother: true },
  };
}

function redisStore(): StoreUnderTest {
  let server: RedisServer | undefined;
  let admin: Redis | undefined;
  let namespace = '';
  let n = 0;
  const open: StoreUnderTest['open'] = (o = {}) => {
    const store = new RedisTwinStore({
      url: server!.url,
      ttlSeconds: o.ttlSeconds ?? 600,
      maxTwinBytes: o.boundBytes ?? 32 << 20,
      cacheBytes: 64 << 20,
      timeoutMs: 5_000,
      namespace,
      log: o.log,
    });
    opened.push(store);
    return store;
  };
  const opened: RedisTwinStore[] = [];
  return {
    name: 'RedisTwinStore',
    setup: async () => {
      server = await startRedisServer();
      admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    },
    teardown: async () => {
      admin?.disconnect();
      await server?.stop();
    },
    reset: async () => {
      for (const s of opened.splice(0)) await s.close();
      namespace = `twinseg:v2:contract-${++n}:`;
    },
    open,
    raw: async (id) => (await admin!.get(`${namespace}twin:${id}`)) ?? undefined,
    // The bound keeps a twin out of Redis; the process that built it still has it in memory.
    oversize: { logged: /over TWINSEG_STORE_MAX_TWIN_BYTES/, foundByAnother: false },
    ttl: {
      remainingMs: (id) => admin!.pttl(`${namespace}twin:${id}`),
      shorten: async (id, ms) => {
        await admin!.pexpire(`${namespace}twin:${id}`, ms);
      },
    },
  };
}

const STORES: StoreUnderTest[] = [localStore(), ...(skipWithoutRedis() ? [] : [redisStore()])];

/** A perception twin of the standard scene with its own id; objects 1..6, a NaN score on object 2. */
function perceptionTwin(n: number): Twin {
  const { scene, proposals } = standardScene();
  const twin = buildTwin(scene.image(`scene-${n}`), proposals, { model: 'm', params: { n }, id: `tw_${n.toString(16).padStart(16, '0')}` });
  twin.objects[1]!.scores.stability = NaN;
  return twin;
}

/** A labelled revision (same masks) and, on top of it, one that adds an object with its own mask. */
function revisionsOf(base: Twin): [Twin, Twin] {
  const labelled = draftOf(base);
  labelled.objects[0]!.semantics.label = { value: 'tag', source: 'host' };
  const r1 = makeRevision(base, { request: { op: 'label' }, summary: 'labelled object 1', ...labelled });
  const added = draftOf(r1);
  const rle = toRle(rectBits(base.image.width, base.image.height, [120, 5, 140, 15]), base.image.width, base.image.height);
  const id = Math.max(...added.objects.map((o) => o.id)) + 1;
  added.masks.set(id, rle);
  added.objects.push({ ...structuredClone(added.objects[0]!), id, origin: 'user', semantics: {} });
  return [r1, makeRevision(r1, { request: { op: 'segment' }, summary: `added object ${id}`, ...added })];
}

/** Twins compare whole: every field, every mask (toEqual treats NaN as equal to NaN). */
function expectSame(actual: Twin | undefined, expected: Twin): void {
  expect(actual).toBeDefined();
  expect(actual!.id).toBe(expected.id);
  expect(actual).toEqual(expected);
}

describe.each(STORES)('$name keeps the TwinStore contract', (s) => {
  let logs: string[];
  const log = (m: string) => logs.push(m);
  beforeAll(() => s.setup());
  afterAll(() => s.teardown());
  beforeEach(async () => {
    logs = [];
    await s.reset();
  });
  afterEach(() => {
    // No test here expects a warning unless it checks for it and clears the list.
    expect(logs).toEqual([]);
  });

  it('round-trips a twin through another instance, NaN scores and masks included', async () => {
    const twin = perceptionTwin(1);
    const writer = s.open({ log });
    await writer.put(twin);
    expectSame(await writer.get(twin.id), twin);
    const reader = s.open({ log });
    expect(await reader.has(twin.id)).toBe(true);
    const back = await reader.get(twin.id);
    expectSame(back, twin);
    expect(back!.objects[1]!.scores.stability).toBeNaN();
    expect(await reader.get('tw_ffffffffffffffff')).toBeUndefined();
    expect(await reader.has('tw_ffffffffffffffff')).toBe(false);
    await expect(reader.get('not-a-twin')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('stores a revision with only its own masks and completes it from the base', async () => {
    const base = perceptionTwin(2);
    const [r1, r2] = revisionsOf(base);
    const writer = s.open({ log });
    await writer.put(base);
    await writer.put(r1);
    await writer.put(r2);
    const masksOf = async (id: string) => Object.keys((JSON.parse((await s.raw(id))!) as { masks: object }).masks);
    expect(await masksOf(r1.id)).toEqual([]);
    expect(await masksOf(r2.id)).toEqual([String(r2.objects.at(-1)!.id)]);
    const reader = s.open({ log });
    expectSame(await reader.get(r2.id), r2);
    expectSame(await reader.get(r1.id), r1);
    expect((await reader.get(r1.id))!.masks.get(3)).toEqual(base.masks.get(3));
  });

  it('keeps blobs beside twins, byte for byte', async () => {
    const twin = perceptionTwin(3);
    const picture = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
    const writer = s.open({ log });
    await writer.put(twin);
    await writer.putBlob(`${twin.id}.marks-1568.jpg`, picture);
    const reader = s.open({ log });
    expect(Buffer.compare((await reader.getBlob(`${twin.id}.marks-1568.jpg`))!, picture)).toBe(0);
    expect(await reader.getBlob(`${twin.id}.marks-512.jpg`)).toBeUndefined();
    await expect(reader.getBlob('../etc/passwd')).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('lists recent twins newest first, bounded by the limit, a read moving a twin to the front', async () => {
    const [a, b, c] = [perceptionTwin(4), perceptionTwin(5), perceptionTwin(6)];
    const writer = s.open({ log });
    for (const t of [a, b, c]) await writer.put(t);
    const ids = async (store: TwinStore, limit: number) => (await store.recent(limit)).map((x) => x.id);
    expect(await ids(writer, 10)).toEqual([c.id, b.id, a.id]);
    expect(await ids(writer, 2)).toEqual([c.id, b.id]);
    const reader = s.open({ log });
    await reader.get(a.id);
    const listed = await reader.recent(10);
    expect(listed.map((x) => x.id)).toEqual([a.id, c.id, b.id]);
    expect(listed[0]).toEqual({ id: a.id, createdAt: a.createdAt, objectCount: a.objects.length, source: 'test scene' });
  });

  it('treats a second put of the same twin as the same twin: one entry, served whole', async () => {
    const twin = perceptionTwin(7);
    const [one, two] = [s.open({ log }), s.open({ log })];
    await one.put(twin);
    await Promise.all([one.put(twin), two.put(twin), two.put(structuredClone(twin))]);
    const reader = s.open({ log });
    expectSame(await reader.get(twin.id), twin);
    expect((await reader.recent(10)).map((x) => x.id)).toEqual([twin.id]);
  });

  it('bounds what it keeps by bytes: an oversized twin is logged and never served half', async () => {
    const small = perceptionTwin(8);
    const big = perceptionTwin(9);
    big.objects[0]!.semantics.description = { value: 'a long description '.repeat(5_000), source: 'host' };
    const bounded = s.open({ log, boundBytes: 60_000 });
    await bounded.put(small);
    await bounded.put(big);
    expect(logs.join('\n')).toMatch(s.oversize.logged);
    expect(logs.join('\n')).toContain(big.id);
    logs.length = 0;
    const other = s.open({ log });
    expectSame(await other.get(small.id), small);
    const found = await other.get(big.id);
    if (s.oversize.foundByAnother) expectSame(found, big);
    else expect(found).toBeUndefined();
  });

  it('takes concurrent puts from two instances, each twin whole', async () => {
    const [one, two] = [s.open({ log }), s.open({ log })];
    const twins = Array.from({ length: 24 }, (_, i) => perceptionTwin(100 + i));
    const shared = twins.slice(0, 4); // written by both at once
    await Promise.all([
      ...twins.slice(0, 14).map((t) => one.put(t)),
      ...twins.slice(14).map((t) => two.put(t)),
      ...shared.map((t) => two.put(t)),
    ]);
    const reader = s.open({ log });
    for (const t of twins) expectSame(await reader.get(t.id), t);
    expect(new Set((await reader.recent(100)).map((x) => x.id))).toEqual(new Set(twins.map((t) => t.id)));
  });

  it('reads back a base and 205 revisions made of it after a restart', async () => {
    const base = perceptionTwin(12);
    const writer = s.open({ log });
    await writer.put(base);
    const revisions: Twin[] = [];
    for (let k = 0; k < 205; k++) {
      const d = draftOf(base);
      d.objects[0]!.semantics.label = { value: `label ${k}`, source: 'host' };
      const r = makeRevision(base, { request: { op: 'label', k }, summary: `labelled object 1 (${k})`, ...d });
      revisions.push(r);
      await writer.put(r);
    }
    // A fresh instance has nothing in memory: every revision comes from the store, completed from the base.
    const restarted = s.open({ log });
    for (const r of revisions) expectSame(await restarted.get(r.id), r);
  });

  it.skipIf(!s.ttl)('starts the TTL of a revision and its base again when it is read from memory', async () => {
    const base = perceptionTwin(13);
    const [r1] = revisionsOf(base);
    const store = s.open({ log, ttlSeconds: 10 });
    await store.put(base);
    await store.put(r1);
    await s.ttl!.shorten(base.id, 3_000);
    // Reads from memory refresh Redis at most every tenth of the TTL.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await store.get(r1.id)).toBe(r1);
    await expect.poll(() => s.ttl!.remainingMs(base.id)).toBeGreaterThan(5_000);
  });

  // The local store has no TTL: it keeps the newest TWINSEG files (twin-store.test.ts covers that bound).
  it.skipIf(!s.ttl)('starts the TTL of a revision and of its base again when the revision is read', async () => {
    const base = perceptionTwin(10);
    const [r1] = revisionsOf(base);
    const writer = s.open({ log, ttlSeconds: 600 });
    await writer.put(base);
    await writer.put(r1);
    await s.ttl!.shorten(base.id, 60_000);
    await s.ttl!.shorten(r1.id, 60_000);
    expectSame(await s.open({ log, ttlSeconds: 600 }).get(r1.id), r1);
    expect(await s.ttl!.remainingMs(r1.id)).toBeGreaterThan(500_000);
    expect(await s.ttl!.remainingMs(base.id)).toBeGreaterThan(500_000);
  });

  it.skipIf(!s.ttl)('forgets a twin nobody reads once its TTL has passed', async () => {
    const twin = perceptionTwin(11);
    await s.open({ log, ttlSeconds: 1 }).put(twin);
    expect(await s.ttl!.remainingMs(twin.id)).toBeGreaterThan(0);
    expect(await s.ttl!.remainingMs(twin.id)).toBeLessThanOrEqual(1000);
    // Poll, never time: the key goes when Redis expires it.
    while ((await s.ttl!.remainingMs(twin.id)) !== -2) await new Promise((r) => setTimeout(r, 100));
    const reader = s.open({ log });
    expect(await reader.get(twin.id)).toBeUndefined();
    expect(await reader.recent(10)).toEqual([]);
  });
});

// What only the Redis store does (the shared contract is twin-store-contract.test.ts): clear, bounded
// failures when Redis is away or silent, namespaced keys that all expire, a corrupt entry ignored, and
// revisions that another replica can complete even when their base is not (or no longer) in Redis.
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTwin } from '../../../src/twin/build-twin.js';
import { REDIS_NAMESPACE, RedisTwinStore, type RedisTwinStoreOptions } from '../../../src/twin/store/redis-twin-store.js';
import { draftOf, makeRevision } from '../../../src/twin/revision.js';
import type { Twin } from '../../../src/twin/scene-model.js';
import { skipWithoutRedis, startRedisServer, useRedisServer } from '../../helpers/redis-server.js';
import { standardScene } from '../scene-fixture.js';

function twinOf(n: number): Twin {
  const { scene, proposals } = standardScene();
  return buildTwin(scene.image(`h${n}`), proposals, { model: 'm', params: { n }, id: `tw_${n.toString(16).padStart(16, '0')}` });
}

function storeAt(url: string, extra: Partial<RedisTwinStoreOptions> = {}): RedisTwinStore {
  return new RedisTwinStore({ url, ttlSeconds: 600, maxTwinBytes: 1 << 24, cacheBytes: 1 << 24, timeoutMs: 500, ...extra });
}

/** A TCP server that accepts connections and never answers: a hung Redis. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('Redis twin store failures', () => {
  it('fails a call with IO_ERROR naming TWINSEG_STORE when nothing listens, hiding the password', async () => {
    const logs: string[] = [];
    const store = storeAt(`redis://:hunter2hunter2@127.0.0.1:${await closedPort()}/0`, { log: (m) => logs.push(m) });
    try {
      const e = await store.get('tw_0000000000000001').catch((x: unknown) => x);
      expect(e).toMatchObject({
        code: 'IO_ERROR',
        message: expect.stringMatching(
          /could not read twin tw_0000000000000001: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 unreachable: connect ECONNREFUSED/,
        ),
      });
      expect((e as { hint: string }).hint).toMatch(/TWINSEG_STORE/);
      await expect(store.put(twinOf(1))).rejects.toMatchObject({ code: 'IO_ERROR' });
      expect(JSON.stringify([e, logs, (e as Error).message])).not.toContain('hunter2');
      expect(logs.filter((l) => /unreachable/.test(l))).toHaveLength(1); // one line per outage, not per retry
    } finally {
      await store.close();
    }
  });

  it('gives up on a Redis that accepts the connection but never answers', async () => {
    const silent = await silentServer();
    const store = storeAt(silent.url);
    try {
      await expect(store.get('tw_0000000000000001')).rejects.toMatchObject({
        code: 'IO_ERROR',
        hint: expect.stringMatching(/TWINSEG_STORE/),
      });
      await expect(store.recent(5)).rejects.toMatchObject({ code: 'IO_ERROR' });
    } finally {
      await store.close();
      await silent.close();
    }
  });
});

describe.skipIf(skipWithoutRedis())('Redis twin store on a real Redis', () => {
  const redis = useRedisServer();
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(redis.current.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(() => admin?.disconnect());

  it('writes only keys under twinseg:v2:, each with a TTL', async () => {
    const store = storeAt(redis.current.url, { ttlSeconds: 120 });
    try {
      const twin = twinOf(2);
      await store.put(twin);
      await store.putBlob(`${twin.id}.marks-1568.jpg`, new Uint8Array([1, 2, 3]));
      const keys = (await admin.keys('*')).sort();
      expect(keys).toEqual([
        `${REDIS_NAMESPACE}blob:${twin.id}.marks-1568.jpg`,
        `${REDIS_NAMESPACE}recent`,
        `${REDIS_NAMESPACE}summary:${twin.id}`,
        `${REDIS_NAMESPACE}twin:${twin.id}`,
      ]);
      for (const key of keys) {
        const ttl = await admin.ttl(key);
        expect(ttl, key).toBeGreaterThan(0);
        expect(ttl, key).toBeLessThanOrEqual(120);
      }
    } finally {
      await store.close();
      await admin.flushdb();
    }
  });

  it('ignores an unreadable entry with a log line instead of failing the call', async () => {
    const logs: string[] = [];
    const store = storeAt(redis.current.url, { log: (m) => logs.push(m) });
    try {
      await admin.set(`${REDIS_NAMESPACE}twin:tw_00000000000000aa`, '{"schema_version": 2, "id": "tw_');
      expect(await store.get('tw_00000000000000aa')).toBeUndefined();
      expect(logs.join('\n')).toMatch(/tw_00000000000000aa: the copy in Redis is unreadable \(Unreadable twin file: not valid JSON/);
    } finally {
      await store.close();
      await admin.flushdb();
    }
  });

  function labelled(base: Twin, description?: string): Twin {
    const draft = draftOf(base);
    draft.objects[0]!.semantics = {
      label: { value: 'tag', source: 'host' },
      ...(description ? { description: { value: description, source: 'host' } } : {}),
    };
    return makeRevision(base, { request: { op: 'label', description }, summary: 'labelled object 1', ...draft });
  }

  it('stores the base again when it expired from Redis while this process still held it', async () => {
    const [writer, reader] = [storeAt(redis.current.url), storeAt(redis.current.url)];
    try {
      const base = twinOf(5);
      await writer.put(base);
      await admin.del(`${REDIS_NAMESPACE}twin:${base.id}`, `${REDIS_NAMESPACE}summary:${base.id}`); // as if its TTL ran out
      const revision = labelled(base);
      await writer.put(revision);
      expect((await reader.get(revision.id))?.masks).toEqual(base.masks);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
      await admin.flushdb();
    }
  });

  it('stores a revision whole when its base was kept out of Redis for its size', async () => {
    const logs: string[] = [];
    const writer = storeAt(redis.current.url, { maxTwinBytes: 50_000, log: (m) => logs.push(m) });
    const reader = storeAt(redis.current.url);
    try {
      const base = twinOf(6);
      base.objects[0]!.semantics.description = { value: 'a long description '.repeat(5_000), source: 'host' };
      await writer.put(base);
      expect(logs.join('\n')).toMatch(/over TWINSEG_STORE_MAX_TWIN_BYTES/);
      const revision = labelled(base, 'short'); // drops the long description
      await writer.put(revision);
      expect(await reader.get(base.id)).toBeUndefined();
      expect((await reader.get(revision.id))?.masks).toEqual(base.masks);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
      await admin.flushdb();
    }
  });

  it('serves a twin it has read from memory while Redis is down, and fails new work with the TWINSEG_STORE hint', async () => {
    const own = await startRedisServer();
    const logs: string[] = [];
    const store = storeAt(own.url, { log: (m) => logs.push(m) });
    try {
      const twin = twinOf(3);
      await store.put(twin);
      await own.stop();
      expect((await store.get(twin.id))?.id).toBe(twin.id);
      await expect(store.put(twinOf(4))).rejects.toMatchObject({ code: 'IO_ERROR', hint: expect.stringMatching(/TWINSEG_STORE/) });
    } finally {
      await store.close();
      await own.stop();
    }
  });
});

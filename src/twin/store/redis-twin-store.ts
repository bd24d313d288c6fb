// Twins in Redis (TWINSEG_STORE=redis://…), so that replicas of `twinseg serve --http` serve each
// other's twins. Keys, all under `twinseg:v2:`:
//   twin:<id>     the twin as twin-codec.ts writes it (a revision holds only the masks its base lacks)
//   summary:<id>  its TwinSummary as JSON, for recent()
//   blob:<key>    bytes kept with a twin (its marks picture)
//   recent        sorted set of ids by last put or read (ms; a read only moves ids already in it), trimmed to `recentMax`
// A twin's keys are written in one MULTI/EXEC, so a reader sees the whole twin or nothing, also when the
// writer dies mid-write. Every key has a TTL; reading a twin starts its TTL again and its base's, so a
// conversation in use never loses the base its revisions complete their masks from. Twins are immutable,
// so a byte-bounded LRU in front serves repeated reads without a round trip (their TTL is still
// refreshed, at most every tenth of the TTL). A twin or blob over `maxTwinBytes` is not sent to Redis:
// it stays in this process's memory and a log line says so.
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { errorMessage } from '../../errors.js';
import { closeRedis, openRedis, redactedUrl, storeError } from './redis-connection.js';
import { decodeTwinFile, serializeTwin, withBaseMasks } from './twin-codec.js';
import { checkBlobKey, checkId, summaryOf, twinBytes, type TwinStore, type TwinSummary } from './twin-store.js';
import type { Twin } from '../scene-model.js';

export const REDIS_NAMESPACE = 'twinseg:v2:';
const DEFAULT_RECENT_MAX = 1_000;
const BLOB_CACHE_BYTES = 32 * 1024 * 1024;

export interface RedisTwinStoreOptions {
  /** redis:// or rediss:// (TWINSEG_STORE). */
  url: string;
  ttlSeconds: number;
  /** Largest serialized twin or blob sent to Redis. */
  maxTwinBytes: number;
  /** Bytes of twins cached in this process (TWINSEG_TWIN_CACHE_BYTES). */
  cacheBytes: number;
  /** Connect and command limit, ms. */
  timeoutMs: number;
  /** Ids kept in the recent set. */
  recentMax?: number;
  /** Key prefix; tests give each store its own under the default. */
  namespace?: string;
  log?: (msg: string) => void;
}

export class RedisTwinStore implements TwinStore {
  private readonly redis: Redis;
  private readonly outage: () => string | undefined;
  private readonly ns: string;
  private readonly ttl: number;
  private readonly recentMax: number;
  private readonly log: (msg: string) => void;
  private readonly memory: LRUCache<string, Twin>;
  private readonly blobs = new LRUCache<string, Buffer>({ maxSize: BLOB_CACHE_BYTES, sizeCalculation: (b) => b.byteLength + 64 });
  /** When each cached twin's TTL was last refreshed in Redis (ms). */
  private readonly touched = new LRUCache<string, number>({ max: 10_000 });
  /** Ids of twins kept out of Redis for their size. */
  private readonly localOnly = new LRUCache<string, true>({ max: 10_000 });
  private lastScore = 0;

  constructor(private readonly opts: RedisTwinStoreOptions) {
    this.log = opts.log ?? (() => {});
    const connection = openRedis({ url: opts.url, timeoutMs: opts.timeoutMs, log: this.log });
    this.redis = connection.client;
    this.outage = connection.outage;
    this.ns = opts.namespace ?? REDIS_NAMESPACE;
    this.ttl = Math.max(1, Math.floor(opts.ttlSeconds));
    this.recentMax = Math.max(1, Math.floor(opts.recentMax ?? DEFAULT_RECENT_MAX));
    this.memory = new LRUCache<string, Twin>({ maxSize: Math.max(1, Math.floor(opts.cacheBytes)), sizeCalculation: twinBytes });
  }

  async get(id: string): Promise<Twin | undefined> {
    checkId(id);
    return this.load(id, true);
  }

  /** `listed`: move it to the front of recent(); a base read for its revision only has its TTL started again. */
  private async load(id: string, listed: boolean): Promise<Twin | undefined> {
    const hit = this.memory.get(id);
    if (hit) {
      this.touch(hit, listed);
      return hit;
    }
    const [text] = await this.call(`read twin ${id}`, (r) => {
      const p = r.pipeline().getex(this.key('twin', id), 'EX', this.ttl).expire(this.key('summary', id), this.ttl);
      return exec(listed ? p.zadd(this.key('recent'), 'XX', this.score(), id) : p);
    });
    if (text === null || text === undefined) return undefined;
    let decoded;
    try {
      decoded = decodeTwinFile(String(text));
      if (decoded.twin.id !== id) throw new Error(`it holds twin ${decoded.twin.id}`);
    } catch (e) {
      this.log(`twin ${id}: the copy in Redis is unreadable (${errorMessage(e)}); ignored until it expires.`);
      return undefined;
    }
    let twin = decoded.twin;
    if (decoded.inherited.length > 0) {
      // Reading the base also starts its TTL again.
      const base = twin.revision && twin.revision.base !== id ? await this.load(twin.revision.base, false) : undefined;
      if (!base) {
        this.log(
          `twin ${id}: its base twin ${twin.revision?.base ?? '(none)'} is gone, so this revision cannot be served; build the image again.`,
        );
        return undefined;
      }
      try {
        twin = withBaseMasks(decoded, base);
      } catch (e) {
        this.log(`twin ${id}: ${errorMessage(e)}; ignored.`);
        return undefined;
      }
    }
    this.remember(twin);
    this.touched.set(id, Date.now());
    return twin;
  }

  async has(id: string): Promise<boolean> {
    checkId(id);
    if (this.memory.has(id)) return true;
    return (await this.call(`look up twin ${id}`, (r) => r.exists(this.key('twin', id)))) === 1;
  }

  async put(twin: Twin): Promise<void> {
    checkId(twin.id);
    const baseOf = twin.revision && twin.revision.base !== twin.id ? twin.revision.base : undefined;
    // A base that only this process holds cannot complete the revision elsewhere: then it goes whole.
    const base = baseOf && !this.localOnly.has(baseOf) ? await this.load(baseOf, false) : undefined;
    const text = serializeTwin(twin, base);
    const bytes = Buffer.byteLength(text);
    if (bytes > this.opts.maxTwinBytes) {
      this.log(
        `twin ${twin.id} is ${bytes} bytes, over TWINSEG_STORE_MAX_TWIN_BYTES (${this.opts.maxTwinBytes}); not stored in Redis, ` +
          'so only this process can serve it.',
      );
      this.localOnly.set(twin.id, true);
      this.remember(twin);
      return;
    }
    const now = this.score();
    const replies = await this.call(`store twin ${twin.id}`, (r) => {
      const m = r
        .multi()
        .set(this.key('twin', twin.id), text, 'EX', this.ttl)
        .set(this.key('summary', twin.id), JSON.stringify(summaryOf(twin)), 'EX', this.ttl)
        .zadd(this.key('recent'), now, twin.id)
        .zremrangebyrank(this.key('recent'), 0, -this.recentMax - 1)
        .expire(this.key('recent'), this.ttl);
      if (base) m.expire(this.key('twin', base.id), this.ttl).expire(this.key('summary', base.id), this.ttl);
      return exec(m);
    });
    this.remember(twin);
    this.touched.set(twin.id, Date.now());
    // The base expired in Redis while this process still had it in memory: store it again, or the revision
    // just written could not be completed by another replica.
    if (base && replies[5] === 0) await this.put(base);
  }

  async recent(limit: number): Promise<TwinSummary[]> {
    const out: TwinSummary[] = [];
    const page = Math.max(16, limit);
    let start = 0;
    while (out.length < limit && start < this.recentMax) {
      const ids = await this.call('list recent twins', (r) => r.zrevrange(this.key('recent'), start, start + page - 1));
      if (ids.length === 0) break;
      const texts = await this.call('list recent twins', (r) => r.mget(ids.map((id) => this.key('summary', id))));
      const gone: string[] = [];
      ids.forEach((id, i) => {
        const summary = parseSummary(texts[i]);
        if (summary?.id === id) out.push(summary);
        else gone.push(id);
      });
      // Expired twins leave the set here; the ranks after them move up.
      if (gone.length > 0) await this.call('list recent twins', (r) => r.zrem(this.key('recent'), ...gone));
      start += ids.length - gone.length;
    }
    return out.slice(0, limit);
  }

  async getBlob(key: string): Promise<Buffer | undefined> {
    checkBlobKey(key);
    const hit = this.blobs.get(key);
    if (hit) return hit;
    const data = await this.call(`read ${key}`, (r) => r.getexBuffer(this.key('blob', key), 'EX', this.ttl));
    if (!data) return undefined;
    this.blobs.set(key, data);
    return data;
  }

  async putBlob(key: string, data: Uint8Array): Promise<void> {
    checkBlobKey(key);
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.blobs.set(key, buf);
    if (buf.byteLength > this.opts.maxTwinBytes) {
      this.log(
        `blob ${key} is ${buf.byteLength} bytes, over TWINSEG_STORE_MAX_TWIN_BYTES (${this.opts.maxTwinBytes}); kept in this process only.`,
      );
      return;
    }
    await this.call(`store ${key}`, (r) => r.set(this.key('blob', key), buf, 'EX', this.ttl));
  }

  async close(): Promise<void> {
    await closeRedis(this.redis, this.opts.timeoutMs);
  }

  /** Where this store writes, for messages (password hidden). */
  get where(): string {
    return redactedUrl(this.opts.url);
  }

  private key(kind: 'twin' | 'summary' | 'blob' | 'recent', id = ''): string {
    return kind === 'recent' ? `${this.ns}recent` : `${this.ns}${kind}:${id}`;
  }

  /** A recent-set score: wall-clock ms with sub-ms steps, strictly growing in this process so order survives ties. */
  private score(): number {
    this.lastScore = Math.max(performance.timeOrigin + performance.now(), this.lastScore + 0.001);
    return this.lastScore;
  }

  private async call<T>(doing: string, fn: (r: Redis) => Promise<T>): Promise<T> {
    try {
      return await fn(this.redis);
    } catch (e) {
      throw storeError(this.opts.url, doing, e, this.outage());
    }
  }

  private remember(twin: Twin): void {
    this.memory.set(twin.id, twin);
    if (!this.memory.has(twin.id)) {
      this.log(`twin ${twin.id} (${twinBytes(twin)} bytes) exceeds the twin cache (TWINSEG_TWIN_CACHE_BYTES); not kept in memory.`);
    }
  }

  /**
   * A twin served from memory is still in use: start its TTL (and its base's) again in Redis, at most
   * every tenth of the TTL, without making the caller wait. A failure is logged; the twin is at hand.
   */
  private touch(twin: Twin, listed: boolean): void {
    const now = Date.now();
    if (now - (this.touched.get(twin.id) ?? 0) < (this.ttl * 1000) / 10) return;
    this.touched.set(twin.id, now);
    const ids = [twin.id, ...(twin.revision && twin.revision.base !== twin.id ? [twin.revision.base] : [])];
    const p = this.redis.pipeline();
    for (const id of ids) p.expire(this.key('twin', id), this.ttl).expire(this.key('summary', id), this.ttl);
    if (listed) p.zadd(this.key('recent'), 'XX', this.score(), twin.id);
    exec(p).catch((e: unknown) => this.log(`twin ${twin.id}: could not refresh its TTL in Redis (${errorMessage(e)}).`));
  }
}

/** Runs a pipeline or MULTI; throws the first command error, else returns the replies. */
async function exec(p: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = await p.exec();
  if (!results) throw new Error('the transaction was discarded');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

function parseSummary(text: string | null | undefined): TwinSummary | undefined {
  if (!text) return undefined;
  try {
    const s = JSON.parse(text) as TwinSummary;
    return typeof s?.id === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

// Where twins live between tool calls. `TwinStore` is what the service needs; `LocalTwinStore` is the
// default: a byte-bounded in-memory LRU in front of an optional directory with one `${id}.json` per
// twin (twin-codec.ts), so a restarted server still answers for twins it built before. Twins are
// immutable once stored; a revision's file holds only what differs from its base twin, and loading
// it loads the base too.
//
// Disk policy: writes are atomic (temp file + rename), so a crash leaves the old file or the new one.
// A file that does not parse or has another schema_version is renamed to `${id}.corrupt` (kept for
// a person to look at, overwritten by the next failure of the same id) and reported via `log`,
// never thrown. The directory is bounded to `maxFiles` twins (default 200): after each write the
// oldest files by mtime go (a disk hit refreshes the mtime, so it is least-recently-used; loading a
// revision refreshes its base). Blobs (a twin's rendered marks picture) live beside as `${id}.<name>`
// and go with their twin. Temp files left by a crash are removed when older than an hour. Disk
// failures on write are logged and the twin stays served from memory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { rleBytes } from '../../mask/rle.js';
import { writeFileAtomic } from '../../atomic-write.js';
import { TwinsegError, errorMessage } from '../../errors.js';
import { decodeTwinFile, serializeTwin, withBaseMasks } from './twin-codec.js';
import type { Twin } from '../scene-model.js';

export const TWIN_ID_PATTERN = /^tw_[0-9a-f]{16}$/;
/** A blob key: the twin id, a dot, a short name such as `marks-1568.jpg`. */
const BLOB_KEY_PATTERN = /^(tw_[0-9a-f]{16})\.([a-z0-9][a-z0-9.-]{0,63})$/;

/** One line about a stored twin, for listing recent twins and revisions. */
export interface TwinSummary {
  id: string;
  createdAt: string;
  objectCount: number;
  /** Where the image came from (a path or "base64 (N bytes)"). */
  source: string;
  /** Absent on a perception twin. */
  revision?: Twin['revision'];
}

/** What the twin service needs from a store; the local store and the Redis store both provide it. */
export interface TwinStore {
  get(id: string): Promise<Twin | undefined>;
  has(id: string): Promise<boolean>;
  /** Stores a twin (a perception twin, or a revision whose base is stored). Storing an id again replaces it. */
  put(twin: Twin): Promise<void>;
  /** The most recently stored or used twins, newest first. */
  recent(limit: number): Promise<TwinSummary[]>;
  /** Bytes kept with a twin (its rendered marks picture); gone when the twin goes. */
  getBlob(key: string): Promise<Buffer | undefined>;
  putBlob(key: string, data: Uint8Array): Promise<void>;
  close?(): Promise<void>;
}

export function summaryOf(twin: Twin): TwinSummary {
  return {
    id: twin.id,
    createdAt: twin.createdAt,
    objectCount: twin.objects.length,
    source: twin.image.source,
    ...(twin.revision ? { revision: twin.revision } : {}),
  };
}
export const DEFAULT_MAX_TWIN_FILES = 200;
/** Memory for rendered pictures kept with twins (marks); a fixed budget beside TWINSEG_TWIN_CACHE_BYTES. */
export const BLOB_BYTES_KEPT = 64 * 1024 * 1024;
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;

export interface TwinStoreOptions {
  /** Memory budget for cached twins, in (estimated) bytes. */
  maxBytes: number;
  /** Persist directory, e.g. `${home}/twins`; memory only when absent. */
  dir?: string;
  /** Warnings (corrupt files, failed writes); default: none. */
  log?: (msg: string) => void;
  /** Most twin files kept on disk (default 200). */
  maxFiles?: number;
}

/** Approximate heap size of a twin: its masks plus its objects as JSON (UTF-16, hence x2). */
export function twinBytes(twin: Twin): number {
  let bytes = 1024;
  for (const rle of twin.masks.values()) bytes += rleBytes(rle);
  bytes += 2 * JSON.stringify(twin.objects).length;
  return bytes;
}

export class LocalTwinStore implements TwinStore {
  private readonly memory: LRUCache<string, Twin>;
  private readonly blobs = new LRUCache<string, Buffer>({ maxSize: BLOB_BYTES_KEPT, sizeCalculation: (b) => b.byteLength + 64 });
  /** Summaries of twins on disk, for recent(): as many as the directory keeps, not one per twin ever stored. */
  private readonly summaries: LRUCache<string, TwinSummary>;
  private readonly dir: string | undefined;
  private readonly log: (msg: string) => void;
  private readonly maxFiles: number;
  private pruning: Promise<void> | undefined;
  private pruneAgain = false;

  constructor(opts: TwinStoreOptions) {
    this.memory = new LRUCache<string, Twin>({
      maxSize: Math.max(1, Math.floor(opts.maxBytes)),
      sizeCalculation: (twin) => twinBytes(twin),
    });
    this.dir = opts.dir === undefined ? undefined : path.resolve(opts.dir);
    this.log = opts.log ?? (() => {});
    this.maxFiles = Math.max(1, Math.floor(opts.maxFiles ?? DEFAULT_MAX_TWIN_FILES));
    this.summaries = new LRUCache({ max: this.maxFiles });
  }

  async get(id: string): Promise<Twin | undefined> {
    checkId(id);
    const hit = this.memory.get(id);
    if (hit) return hit;
    if (!this.dir) return undefined;
    const file = this.fileOf(id);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`twin ${id}: cannot read ${file}: ${errorMessage(e)}`);
      return undefined;
    }
    let twin: Twin;
    try {
      const decoded = decodeTwinFile(text);
      if (decoded.twin.id !== id) throw new Error(`the file holds twin ${decoded.twin.id}`);
      twin = decoded.twin;
      if (twin.revision && twin.revision.base !== id) {
        const base = await this.get(twin.revision.base);
        if (!base) {
          this.log(`twin ${id}: its base twin ${twin.revision.base} is gone, so this revision cannot be served; build the image again.`);
          return undefined;
        }
        twin = withBaseMasks(decoded, base);
      } else if (decoded.inherited.length > 0) {
        throw new Error(`object ${decoded.inherited[0]} has no mask`);
      }
    } catch (e) {
      await this.quarantine(id, errorMessage(e));
      return undefined;
    }
    this.remember(twin);
    const now = new Date();
    await fs.utimes(file, now, now).catch(() => {}); // recency for pruning; harmless if it fails
    return twin;
  }

  async has(id: string): Promise<boolean> {
    checkId(id);
    if (this.memory.has(id)) return true;
    if (!this.dir) return false;
    return fs.stat(this.fileOf(id)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async put(twin: Twin): Promise<void> {
    checkId(twin.id);
    this.remember(twin);
    if (!this.dir) return;
    const base = twin.revision ? await this.get(twin.revision.base) : undefined;
    try {
      await writeFileAtomic(this.fileOf(twin.id), serializeTwin(twin, base));
    } catch (e) {
      this.log(`twin ${twin.id}: could not be saved to ${this.dir} (${errorMessage(e)}); it is kept in memory only.`);
      return;
    }
    await this.prune();
  }

  async recent(limit: number): Promise<TwinSummary[]> {
    const out = new Map<string, TwinSummary>();
    for (const twin of this.memory.values()) {
      if (out.size >= limit) break;
      out.set(twin.id, summaryOf(twin));
    }
    if (this.dir && out.size < limit) {
      for (const id of await this.idsByRecency()) {
        if (out.size >= limit) break;
        if (out.has(id)) continue;
        // Twins never change, so a summary read once stays true.
        const known = this.summaries.get(id);
        const summary = known ?? (await this.get(id).then((t) => (t ? summaryOf(t) : undefined)));
        if (summary) out.set(id, summary);
      }
    }
    return [...out.values()];
  }

  async getBlob(key: string): Promise<Buffer | undefined> {
    checkBlobKey(key);
    const hit = this.blobs.get(key);
    if (hit || !this.dir) return hit;
    const data = await fs.readFile(path.join(this.dir, key)).catch(() => undefined);
    if (data) this.blobs.set(key, data);
    return data;
  }

  async putBlob(key: string, data: Uint8Array): Promise<void> {
    checkBlobKey(key);
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.blobs.set(key, buf);
    if (!this.dir) return;
    await writeFileAtomic(path.join(this.dir, key), buf).catch((e: unknown) =>
      this.log(`blob ${key}: could not be saved to ${this.dir} (${errorMessage(e)}); kept in memory only.`),
    );
  }

  private async idsByRecency(): Promise<string[]> {
    const names = await fs.readdir(this.dir!).catch(() => [] as string[]);
    const dated = await Promise.all(
      names
        .filter((n) => /^tw_[0-9a-f]{16}\.json$/.test(n))
        .map(async (n) => ({ id: n.slice(0, -5), mtime: (await fs.stat(path.join(this.dir!, n)).catch(() => undefined))?.mtimeMs ?? 0 })),
    );
    return dated.sort((a, b) => b.mtime - a.mtime).map((d) => d.id);
  }

  private remember(twin: Twin): void {
    this.summaries.set(twin.id, summaryOf(twin));
    this.memory.set(twin.id, twin);
    if (!this.memory.has(twin.id)) {
      this.log(`twin ${twin.id} (${twinBytes(twin)} bytes) exceeds the twin cache (TWINSEG_TWIN_CACHE_BYTES); not kept in memory.`);
    }
  }

  private fileOf(id: string): string {
    return path.join(this.dir!, `${id}.json`);
  }

  private async quarantine(id: string, why: string): Promise<void> {
    const file = this.fileOf(id);
    const target = path.join(this.dir!, `${id}.corrupt`);
    try {
      await fs.rename(file, target);
      this.log(`twin ${id}: dropped unreadable file (${why}); moved to ${target}.`);
    } catch (e) {
      await fs.rm(file, { force: true }).catch(() => {});
      this.log(`twin ${id}: dropped unreadable file (${why}); could not keep a copy (${errorMessage(e)}).`);
    }
  }

  /** One prune at a time; puts that arrive meanwhile ask for one more pass. */
  private async prune(): Promise<void> {
    if (this.pruning) {
      this.pruneAgain = true;
      return this.pruning;
    }
    this.pruning = (async () => {
      do {
        this.pruneAgain = false;
        await this.pruneOnce().catch((e: unknown) => this.log(`twin store: pruning ${this.dir} failed: ${errorMessage(e)}`));
      } while (this.pruneAgain);
    })().finally(() => {
      this.pruning = undefined;
    });
    return this.pruning;
  }

  private async pruneOnce(): Promise<void> {
    const dir = this.dir!;
    const names = await fs.readdir(dir);
    const now = Date.now();
    const kept: { file: string; mtime: number }[] = [];
    const blobs: { file: string; owner: string }[] = [];
    for (const name of names) {
      const blob = BLOB_KEY_PATTERN.exec(name);
      if (blob && blob[2] !== 'json' && blob[2] !== 'corrupt') {
        blobs.push({ file: path.join(dir, name), owner: blob[1]! });
        continue;
      }
      const managed = /^tw_[0-9a-f]{16}\.(json|corrupt)$/.test(name);
      const temp = /^\.tw_[0-9a-f]{16}\.json\..*\.tmp$/.test(name);
      if (!managed && !temp) continue;
      const file = path.join(dir, name);
      const st = await fs.stat(file).catch(() => undefined);
      if (!st) continue;
      if (temp) {
        if (now - st.mtimeMs > TEMP_MAX_AGE_MS) await fs.rm(file, { force: true });
        continue;
      }
      kept.push({ file, mtime: st.mtimeMs });
    }
    kept.sort((a, b) => b.mtime - a.mtime);
    for (const { file } of kept.slice(this.maxFiles)) await fs.rm(file, { force: true });
    const live = new Set(kept.slice(0, this.maxFiles).map((k) => path.basename(k.file).slice(0, 19)));
    for (const b of blobs) if (!live.has(b.owner)) await fs.rm(b.file, { force: true });
  }
}

export function checkBlobKey(key: string): void {
  if (!BLOB_KEY_PATTERN.test(key)) throw new TwinsegError('INTERNAL', `"${key}" is not a blob key of a twin.`);
}

export function checkId(id: string): void {
  if (typeof id !== 'string' || !TWIN_ID_PATTERN.test(id)) {
    throw new TwinsegError('INVALID_INPUT', `${JSON.stringify(String(id).slice(0, 40))} is not a twin id.`, {
      hint: 'Twin ids look like tw_ followed by 16 hex digits, as returned by build_digital_twin.',
    });
  }
}

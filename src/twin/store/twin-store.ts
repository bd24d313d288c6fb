// Where twins live between tool calls. `TwinStore` is what the service needs; `LocalTwinStore` is the
// default: a byte-bounded in-memory LRU in front of an optional directory with one `${id}.json` per
// twin (twin-codec.ts), so a restarted server still answers for twins it built before. Twins are
// immutable once stored; a revision's file holds only what differs from its base twin, and loading
// it loads the base too.
//
// Disk policy: writes are atomic (temp file + rename), so a crash leaves the old file or the new one.
// A file that does not parse or has another schema_version is renamed to `${id}.corrupt` (kept for
// a person to look at, overwritten by the next failure of the same id) and reported via `log`,
// never thrown. Blobs (a twin's rendered marks picture) live beside as `${id}.<name>`.
//
// Retention keeps what it serves. A file's mtime is when its twin was last stored or read (reads from
// memory refresh it too, at most once a minute), and using a revision refreshes its base. The directory
// is pruned by family: a base twin with every revision made from it, blobs included, goes or stays
// together, least recently used first, so that no kept revision loses the base it is completed from.
// A family used within `keepMs` (default an hour) stays past the count cap (`maxFiles`, default 200);
// the byte cap (`maxDiskBytes`, default 1 GiB) is the hard bound, and only the newest family outlives
// it (its oldest revisions go then, never its base). Disk failures on write are logged and the twin
// stays served from memory. Temp files left by a crash are removed when older than an hour.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { rleBytes } from '../../mask/rle.js';
import { writeFileAtomic } from '../../atomic-write.js';
import { TwinsegError, errorMessage } from '../../errors.js';
import { baseAtEnd, decodeTwinFile, serializeTwin, withBaseMasks } from './twin-codec.js';
import { baseId, type Twin } from '../scene-model.js';

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
/** Bytes of twin files and their blobs kept on disk: the hard bound of the directory. */
export const DEFAULT_MAX_TWIN_DISK_BYTES = 1024 * 1024 * 1024;
/** A twin stored or read within this long is not pruned for the count cap. */
export const DEFAULT_KEEP_MS = 60 * 60 * 1000;
/** Memory for rendered pictures kept with twins (marks); a fixed budget beside TWINSEG_TWIN_CACHE_BYTES. */
export const BLOB_BYTES_KEPT = 64 * 1024 * 1024;
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;
/** A twin read from memory has its file's mtime refreshed at most this often. */
const DEFAULT_TOUCH_EVERY_MS = 60 * 1000;
/** How much of a file's end is read to find its base (the revision record is written last). */
const TAIL_BYTES = 64 * 1024;

export interface TwinStoreOptions {
  /** Memory budget for cached twins, in (estimated) bytes. */
  maxBytes: number;
  /** Persist directory, e.g. `${home}/twins`; memory only when absent. */
  dir?: string;
  /** Warnings (corrupt files, failed writes); default: none. */
  log?: (msg: string) => void;
  /** Most twin files kept on disk (default 200), past which families unused for `keepMs` are pruned. */
  maxFiles?: number;
  /** Most bytes of twin files and blobs kept on disk (default 1 GiB). */
  maxDiskBytes?: number;
  /** A family stored or read this recently stays past `maxFiles` (default an hour). */
  keepMs?: number;
  /** Least time between two refreshes of a file's mtime by reads from memory (default a minute). */
  touchEveryMs?: number;
}

/** A file in the store's directory, as pruning sees it. */
interface DiskEntry {
  file: string;
  bytes: number;
  mtime: number;
}

/** A base twin and its revisions (or a lone corrupt file), pruned together. */
interface Family {
  base?: DiskEntry;
  revisions: DiskEntry[];
  blobs: DiskEntry[];
  newest: number;
  bytes: number;
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
  private readonly maxDiskBytes: number;
  private readonly keepMs: number;
  private readonly touchEveryMs: number;
  /** When each twin's file had its mtime set last (ms). */
  private readonly touched: LRUCache<string, number>;
  /** The base of each twin seen (itself for a base), so that pruning reads each file's end once. */
  private readonly families: LRUCache<string, string>;
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
    this.maxDiskBytes = Math.max(1, Math.floor(opts.maxDiskBytes ?? DEFAULT_MAX_TWIN_DISK_BYTES));
    this.keepMs = Math.max(0, opts.keepMs ?? DEFAULT_KEEP_MS);
    this.touchEveryMs = Math.max(0, opts.touchEveryMs ?? DEFAULT_TOUCH_EVERY_MS);
    this.summaries = new LRUCache({ max: this.maxFiles });
    this.touched = new LRUCache({ max: 10_000 });
    this.families = new LRUCache({ max: 10_000 });
  }

  async get(id: string): Promise<Twin | undefined> {
    checkId(id);
    const hit = this.memory.get(id);
    if (hit) {
      await this.touch(hit);
      return hit;
    }
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
    await this.touch(twin, true);
    return twin;
  }

  /**
   * Marks the twin's file, and its base's, as used now (recency for pruning; harmless if it fails). A
   * read from memory does so at most every `touchEveryMs`; `now` forces it.
   */
  private async touch(twin: Twin, now = false): Promise<void> {
    if (!this.dir) return;
    const at = Date.now();
    if (!now && at - (this.touched.get(twin.id) ?? 0) < this.touchEveryMs) return;
    const date = new Date(at);
    // The base first: it is never older than a revision that needs it.
    for (const id of new Set([baseId(twin), twin.id])) {
      this.touched.set(id, at);
      await fs.utimes(this.fileOf(id), date, date).catch(() => {});
    }
  }

  async has(id: string): Promise<boolean> {
    checkId(id);
    if (this.memory.has(id)) return true;
    if (!this.dir) return false;
    return this.onDisk(id);
  }

  async put(twin: Twin): Promise<void> {
    checkId(twin.id);
    this.remember(twin);
    this.families.set(twin.id, baseId(twin));
    if (!this.dir) return;
    let base = twin.revision && twin.revision.base !== twin.id ? await this.get(twin.revision.base) : undefined;
    // A base only memory still holds (its file pruned, or never written) is written again, or the
    // revision's file could not be completed after a restart; failing that, the revision goes whole.
    if (base && !(await this.onDisk(base.id)) && !(await this.save(base))) base = undefined;
    if (!(await this.save(twin, base))) return;
    this.touched.set(twin.id, Date.now());
    if (base) await this.touch(base, true);
    await this.prune();
  }

  private async onDisk(id: string): Promise<boolean> {
    return fs.stat(this.fileOf(id)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  /** Writes the twin's file; false (logged) when the disk refused it. */
  private async save(twin: Twin, base?: Twin): Promise<boolean> {
    try {
      await writeFileAtomic(this.fileOf(twin.id), serializeTwin(twin, base));
      return true;
    } catch (e) {
      this.log(`twin ${twin.id}: could not be saved to ${this.dir} (${errorMessage(e)}); it is kept in memory only.`);
      return false;
    }
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
    const now = Date.now();
    const twins = new Map<string, DiskEntry>();
    const blobs: (DiskEntry & { owner: string })[] = [];
    const corrupt: DiskEntry[] = [];
    for (const name of await fs.readdir(dir)) {
      const blob = BLOB_KEY_PATTERN.exec(name);
      const twin = /^(tw_[0-9a-f]{16})\.(json|corrupt)$/.exec(name);
      const temp = /^\.tw_[0-9a-f]{16}\..*\.tmp$/.test(name);
      if (!blob && !twin && !temp) continue;
      const file = path.join(dir, name);
      const st = await fs.stat(file).catch(() => undefined);
      if (!st?.isFile()) continue;
      const entry = { file, bytes: st.size, mtime: st.mtimeMs };
      if (temp) {
        if (now - st.mtimeMs > TEMP_MAX_AGE_MS) await fs.rm(file, { force: true });
      } else if (twin?.[2] === 'json') twins.set(twin[1]!, entry);
      else if (twin) corrupt.push(entry);
      else blobs.push({ ...entry, owner: blob![1]! });
    }
    const families = new Map<string, Family>();
    const familyOf = (key: string) => {
      let f = families.get(key);
      if (!f) families.set(key, (f = { revisions: [], blobs: [], newest: 0, bytes: 0 }));
      return f;
    };
    const add = (f: Family, e: DiskEntry) => {
      f.newest = Math.max(f.newest, e.mtime);
      f.bytes += e.bytes;
    };
    for (const [id, entry] of twins) {
      const base = await this.baseOf(id, entry);
      const f = familyOf(base);
      if (base === id) f.base = entry;
      else f.revisions.push(entry);
      add(f, entry);
    }
    for (const b of blobs) {
      const owner = twins.has(b.owner) ? familyOf(this.families.get(b.owner) ?? b.owner) : undefined;
      if (!owner) {
        await fs.rm(b.file, { force: true });
        continue;
      }
      owner.blobs.push(b);
      add(owner, b);
    }
    for (const c of corrupt) {
      const f = familyOf(c.file);
      f.revisions.push(c);
      add(f, c);
    }
    const order = [...families.values()].sort((a, b) => b.newest - a.newest);
    let files = 0;
    let bytes = 0;
    for (const [i, f] of order.entries()) {
      const count = f.revisions.length + (f.base ? 1 : 0);
      const young = now - f.newest < this.keepMs;
      if (bytes + f.bytes <= this.maxDiskBytes && (young || files + count <= this.maxFiles)) {
        files += count;
        bytes += f.bytes;
      } else if (i === 0) {
        ({ files, bytes } = await this.trimNewest(f));
      } else {
        if (young)
          this.log(
            `twin store: removed twins used ${Math.round((now - f.newest) / 1000)} s ago: ${dir} is at its cap of ${this.maxDiskBytes} bytes.`,
          );
        for (const e of [...f.revisions, ...(f.base ? [f.base] : []), ...f.blobs]) await fs.rm(e.file, { force: true });
      }
    }
  }

  /** The newest family over a cap on its own: its oldest revisions go (and their blobs), never its base. */
  private async trimNewest(f: Family): Promise<{ files: number; bytes: number }> {
    const revisions = [...f.revisions].sort((a, b) => b.mtime - a.mtime);
    let files = f.base ? 1 : 0;
    let bytes = (f.base?.bytes ?? 0) + f.blobs.reduce((n, b) => n + b.bytes, 0);
    for (const r of revisions) {
      if (files + 1 <= this.maxFiles && bytes + r.bytes <= this.maxDiskBytes) {
        files++;
        bytes += r.bytes;
      } else {
        await fs.rm(r.file, { force: true });
      }
    }
    return { files, bytes };
  }

  /** The base of a stored twin: remembered, or read from the end of its file (the whole file if need be). */
  private async baseOf(id: string, entry: DiskEntry): Promise<string> {
    const known = this.families.get(id);
    if (known) return known;
    let base: string | undefined;
    try {
      const handle = await fs.open(entry.file, 'r');
      try {
        const length = Math.min(entry.bytes, TAIL_BYTES);
        const { buffer } = await handle.read(Buffer.alloc(length), 0, length, entry.bytes - length);
        base = baseAtEnd(buffer.toString('utf8'));
        if (base === undefined && entry.bytes > TAIL_BYTES) {
          base = (JSON.parse(await fs.readFile(entry.file, 'utf8')) as { revision?: { base?: string } }).revision?.base;
        }
      } finally {
        await handle.close();
      }
    } catch {
      // Unreadable now: a family of its own; get() quarantines it when it is asked for.
    }
    const family = base ?? id;
    this.families.set(id, family);
    return family;
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

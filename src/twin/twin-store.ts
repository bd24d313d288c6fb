// Where twins live between tool calls: a byte-bounded in-memory LRU in front of an optional
// directory with one `${id}.json` per twin (twin-codec.ts), so a restarted server still answers for
// twins it built before.
//
// Disk policy: writes are atomic (temp file + rename), so a crash leaves the old file or the new one.
// A file that does not parse or has another schema_version is renamed to `${id}.corrupt` (kept for
// a person to look at, overwritten by the next failure of the same id) and reported via `log`,
// never thrown. The directory is bounded to `maxFiles` twins (default 200): after each write the
// oldest files by mtime go (a disk hit refreshes the mtime, so it is least-recently-used). Temp
// files left by a crash are removed when older than an hour. Disk failures on write are logged and
// the twin stays served from memory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { rleBytes } from '../mask/rle.js';
import { writeFileAtomic } from '../atomic-write.js';
import { TwinsegError, errorMessage } from '../errors.js';
import { deserializeTwin, serializeTwin } from './twin-codec.js';
import type { Twin } from './types.js';

export const TWIN_ID_PATTERN = /^tw_[0-9a-f]{16}$/;
export const DEFAULT_MAX_TWIN_FILES = 200;
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

export class TwinStore {
  private readonly memory: LRUCache<string, Twin>;
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
      twin = deserializeTwin(text);
      if (twin.id !== id) throw new Error(`the file holds twin ${twin.id}`);
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
    try {
      await writeFileAtomic(this.fileOf(twin.id), serializeTwin(twin));
    } catch (e) {
      this.log(`twin ${twin.id}: could not be saved to ${this.dir} (${errorMessage(e)}); it is kept in memory only.`);
      return;
    }
    await this.prune();
  }

  /** After labels or new objects: re-measures the twin in memory and rewrites its file. */
  async update(twin: Twin): Promise<void> {
    await this.put(twin);
  }

  private remember(twin: Twin): void {
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
    for (const name of names) {
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
    if (kept.length <= this.maxFiles) return;
    kept.sort((a, b) => b.mtime - a.mtime);
    for (const { file } of kept.slice(this.maxFiles)) await fs.rm(file, { force: true });
  }
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !TWIN_ID_PATTERN.test(id)) {
    throw new TwinsegError('INVALID_INPUT', `${JSON.stringify(String(id).slice(0, 40))} is not a twin id.`, {
      hint: 'Twin ids look like tw_ followed by 16 hex digits, as returned by build_digital_twin.',
    });
  }
}

// Streaming SHA-256 of files, plus a small on-disk memo keyed by (path, size, mtime) so a server start does
// not rehash hundreds of MB of model weights it already checked. The memo is one JSON file under
// TWINSEG_HOME rather than a sidecar per model, because bundled models live in node_modules, which may be
// read-only, and local override files belong to the user.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { writeFileAtomic } from '../atomic-write.js';
import { TwinsegError, throwIfAborted } from '../errors.js';

/** SHA-256 (lower-case hex) of a file's bytes, read as a stream. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  throwIfAborted(signal);
  const hash = createHash('sha256');
  const stream = createReadStream(file, { highWaterMark: 1 << 20, signal });
  try {
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } catch (e) {
    throwIfAborted(signal);
    throw e;
  }
  return hash.digest('hex');
}

interface MemoEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

interface MemoFile {
  version: 1;
  entries: Record<string, MemoEntry>;
}

async function readMemo(memoFile: string): Promise<MemoFile> {
  try {
    const parsed = JSON.parse(await fs.readFile(memoFile, 'utf8')) as Partial<MemoFile>;
    if (parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object') return parsed as MemoFile;
  } catch {
    // Missing or damaged memo: it is only a cache, start afresh.
  }
  return { version: 1, entries: {} };
}

export interface HashedFile {
  sha256: string;
  bytes: number;
  /** True when the hash came from the memo rather than reading the file. */
  cached: boolean;
}

/**
 * SHA-256 of `file`, reusing the memo in `memoFile` when the file's size and mtime are unchanged.
 * Without a memo file it always hashes.
 */
export async function hashFileMemoized(file: string, memoFile?: string, signal?: AbortSignal): Promise<HashedFile> {
  const st = await fs.stat(file);
  if (!st.isFile()) {
    throw new TwinsegError('MODEL_CORRUPT', `${file} is not a regular file.`, { hint: 'Point to the .onnx file itself.' });
  }
  const memo = memoFile ? await readMemo(memoFile) : undefined;
  const hit = memo?.entries[file];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
    return { sha256: hit.sha256, bytes: st.size, cached: true };
  }
  const sha256 = await sha256File(file, signal);
  if (memoFile) await rememberHash(memoFile, file, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  return { sha256, bytes: st.size, cached: false };
}

/** Records a hash the caller just computed (e.g. right after a verified download). */
export async function rememberFileHash(memoFile: string, file: string, sha256: string): Promise<void> {
  const st = await fs.stat(file);
  await rememberHash(memoFile, file, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
}

async function rememberHash(memoFile: string, file: string, entry: MemoEntry): Promise<void> {
  // Re-read just before writing so two entries written back to back both survive.
  const memo = await readMemo(memoFile);
  memo.entries[file] = entry;
  try {
    await writeFileAtomic(memoFile, JSON.stringify(memo, null, 1));
  } catch {
    // A read-only home only costs a rehash next time; never fail verification over the memo.
  }
}

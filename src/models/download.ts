// Fetches model files: stream to `<dest>.partial`, resume with a Range request after a dropped connection,
// retry network errors and 5xx with backoff, check size and SHA-256, then rename into place. A file that
// fails its hash is deleted, never left where a later start could load it. Only runs when a person asks
// (`twinseg models pull`); nothing at server start touches the network.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TwinsegError, throwIfAborted, errorMessage } from '../errors.js';
import { rememberFileHash, sha256File } from './file-hash.js';
import { MODEL_MANIFEST, modelNames, type ModelSpec } from './model-manifest.js';
import { hashMemoPath, manifestFilePath, resolveModel, verifyFile, type ModelRole, type ModelStoreConfig } from './model-store.js';

export interface DownloadProgress {
  url: string;
  /** Bytes on disk so far (including any resumed part). */
  bytes: number;
  /** Expected total, when the server or the manifest says. */
  total: number | null;
}

export interface DownloadOptions {
  expectedBytes?: number | null;
  sha256?: string | null;
  /** Extra attempts after the first, for network errors, 5xx, 408 and 429. */
  retries?: number;
  /** First backoff delay; doubles on each retry. */
  backoffMs?: number;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** The SHA-256 was checked against an expected value. */
  verified: boolean;
  attempts: number;
}

/** A failure worth another attempt (the partial file is kept for resuming). */
class RetryableError extends Error {}

// Progress is reported at most once per this many bytes (plus start and end) to keep callbacks cheap.
const PROGRESS_STEP = 256 * 1024;

export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const retries = opts.retries ?? 3;
  const backoffMs = opts.backoffMs ?? 500;
  const partial = `${dest}.partial`;
  await fs.mkdir(path.dirname(dest), { recursive: true });

  let attempts = 0;
  for (;;) {
    throwIfAborted(opts.signal);
    attempts++;
    try {
      await fetchIntoPartial(url, partial, opts);
      break;
    } catch (e) {
      if (opts.signal?.aborted) throwIfAborted(opts.signal);
      if (!(e instanceof RetryableError)) throw e;
      if (attempts > retries) {
        throw new TwinsegError('DOWNLOAD_FAILED', `Downloading ${url} failed after ${attempts} attempts: ${e.message}.`, {
          hint: 'Check the network connection and run the command again; the partial file is kept and resumed.',
          cause: e,
        });
      }
      await sleep(backoffMs * 2 ** (attempts - 1), undefined, { signal: opts.signal }).catch(() => throwIfAborted(opts.signal));
    }
  }

  const size = (await fs.stat(partial)).size;
  if (opts.expectedBytes != null && size !== opts.expectedBytes) {
    await fs.rm(partial, { force: true });
    throw new TwinsegError('MODEL_CORRUPT', `${url} gave ${size} bytes; expected ${opts.expectedBytes} bytes. The download was deleted.`, {
      hint: 'The file on the server may have changed; check the URL or update twinseg.',
    });
  }
  const sha256 = await sha256File(partial, opts.signal);
  if (opts.sha256 && sha256 !== opts.sha256.toLowerCase()) {
    await fs.rm(partial, { force: true });
    throw new TwinsegError('MODEL_CORRUPT', `${url} has SHA-256 ${sha256}; expected ${opts.sha256}. The download was deleted.`, {
      hint: 'Run the command again; if it persists, the file on the server differs from the one twinseg knows.',
      details: { sha256, expectedSha256: opts.sha256 },
    });
  }
  await fs.rename(partial, dest);
  return { path: dest, bytes: size, sha256, verified: !!opts.sha256, attempts };
}

/** One HTTP attempt: resume or restart `partial`, stream the body in. Throws RetryableError for transient trouble. */
async function fetchIntoPartial(url: string, partial: string, opts: DownloadOptions): Promise<void> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  let have = await fs.stat(partial).then(
    (s) => s.size,
    () => 0,
  );
  if (opts.expectedBytes != null && have > opts.expectedBytes) {
    await fs.rm(partial, { force: true });
    have = 0;
  }
  if (opts.expectedBytes != null && have === opts.expectedBytes) return; // complete already; the hash decides

  let res: Response;
  try {
    res = await fetchImpl(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: opts.signal, redirect: 'follow' });
  } catch (e) {
    throw new RetryableError(`network error (${errorMessage(e)})`, { cause: e });
  }
  if (res.status === 416 && have > 0) {
    // The server will not resume from here: start over on the next attempt.
    await fs.rm(partial, { force: true });
    throw new RetryableError('the server refused to resume (HTTP 416)');
  }
  if (res.status >= 500 || res.status === 408 || res.status === 429) {
    await res.body?.cancel().catch(() => undefined);
    throw new RetryableError(`HTTP ${res.status}`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new TwinsegError('DOWNLOAD_FAILED', `Downloading ${url} failed: HTTP ${res.status}.`, {
      hint:
        res.status === 404
          ? 'The file is no longer at this URL; update twinseg or use TWINSEG_ENCODER/TWINSEG_DECODER.'
          : 'Check the URL and network access.',
      details: { status: res.status },
    });
  }
  const append = res.status === 206 && have > 0;
  if (!append) have = 0; // a 200 means the server sent the whole file: restart cleanly
  const length = Number(res.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? (append ? have + length : length) : (opts.expectedBytes ?? null);

  const handle = await fs.open(partial, append ? 'a' : 'w');
  let lastReported = have;
  opts.onProgress?.({ url, bytes: have, total });
  try {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await handle.write(chunk);
        have += chunk.length;
        if (have - lastReported >= PROGRESS_STEP) {
          lastReported = have;
          opts.onProgress?.({ url, bytes: have, total });
        }
      }
    } catch (e) {
      if (isFsError(e))
        throw new TwinsegError('IO_ERROR', `Cannot write ${partial}: ${errorMessage(e)}.`, {
          hint: 'Check free disk space and permissions.',
          cause: e,
        });
      throw new RetryableError(`connection lost after ${have} bytes (${errorMessage(e)})`, { cause: e });
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (have !== lastReported) opts.onProgress?.({ url, bytes: have, total });
  if (total !== null && have < total) throw new RetryableError(`connection closed after ${have} of ${total} bytes`);
}

export interface PullProgress extends DownloadProgress {
  model: string;
  role: ModelRole;
}

export interface PullResult {
  name: string;
  encoderPath: string;
  decoderPath: string;
  /** Roles actually fetched; empty when everything was already present and verified, or bundled. */
  downloaded: ModelRole[];
}

/**
 * Downloads a manifest model's encoder and decoder into ${home}/models/${name}/, skipping files that are
 * already present and verified and replacing ones that fail verification. Bundled models are only checked.
 */
export async function pullModel(
  name: string,
  cfg: Pick<ModelStoreConfig, 'home'>,
  opts: Omit<DownloadOptions, 'expectedBytes' | 'sha256' | 'onProgress'> & {
    onProgress?: (p: PullProgress) => void;
    /** Manifest to pull from; tests point it at a local server. */
    manifest?: readonly ModelSpec[];
  } = {},
): Promise<PullResult> {
  const manifest = opts.manifest ?? MODEL_MANIFEST;
  const spec = manifest.find((m) => m.name === name);
  if (!spec) {
    const known = opts.manifest ? manifest.map((m) => m.name) : modelNames();
    throw new TwinsegError('MODEL_NOT_FOUND', `Unknown model "${name}". Known models: ${known.join(', ')}.`, {
      hint: 'Run `twinseg models list` to see them.',
    });
  }
  if (spec.bundled) {
    const r = await resolveModel(name, { home: cfg.home, model: name }, { signal: opts.signal });
    return { name, encoderPath: r.encoderPath, decoderPath: r.decoderPath, downloaded: [] };
  }
  const release = await lockPull(name, path.dirname(manifestFilePath(spec, 'encoder', cfg.home)));
  try {
    const downloaded = await pullFiles(spec, cfg.home, opts);
    return {
      name,
      encoderPath: manifestFilePath(spec, 'encoder', cfg.home),
      decoderPath: manifestFilePath(spec, 'decoder', cfg.home),
      downloaded,
    };
  } finally {
    await release();
  }
}

/** Downloads whichever of the spec's files is missing or fails verification; returns which. */
async function pullFiles(
  spec: ModelSpec,
  home: string,
  opts: Omit<DownloadOptions, 'expectedBytes' | 'sha256' | 'onProgress'> & { onProgress?: (p: PullProgress) => void },
): Promise<ModelRole[]> {
  const memoFile = hashMemoPath(home);
  const downloaded: ModelRole[] = [];
  for (const role of ['encoder', 'decoder'] as const) {
    const file = spec[role];
    const dest = manifestFilePath(spec, role, home);
    if (await alreadyGood(dest, file, memoFile, opts.signal)) continue;
    const result = await downloadFile(file.url, dest, {
      ...opts,
      expectedBytes: file.bytes,
      sha256: file.sha256,
      onProgress: opts.onProgress && ((p) => opts.onProgress?.({ ...p, model: spec.name, role })),
    });
    // Record the hash we just computed so the next start does not read the file again.
    await rememberFileHash(memoFile, dest, result.sha256);
    downloaded.push(role);
  }
  return downloaded;
}

/**
 * One pull of a model at a time across processes: both would write the same `.partial` files. The
 * lock holds the owner's pid, so a lock left by a process that died is taken over, not obeyed.
 */
async function lockPull(name: string, dir: string): Promise<() => Promise<void>> {
  await fs.mkdir(dir, { recursive: true });
  const lock = path.join(dir, '.pull.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rm(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await fs.readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new TwinsegError('DOWNLOAD_FAILED', `Another twinseg process (pid ${owner}) is already pulling "${name}".`, {
          hint: `Wait for it to finish, or delete ${lock} if that process is gone.`,
        });
      }
      await fs.rm(lock, { force: true }); // stale: its owner died
    }
  }
  throw new TwinsegError('DOWNLOAD_FAILED', `Could not take the pull lock for "${name}" in ${dir}.`, {
    hint: 'Another pull may be starting at the same moment; try again.',
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `dest` is present and passes verification; a corrupt copy is deleted so it gets replaced. */
async function alreadyGood(dest: string, file: ModelSpec['encoder'], memoFile: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const v = await verifyFile(dest, file, { memoFile, signal });
    return v.verified || file.sha256 === null;
  } catch (e) {
    if (e instanceof TwinsegError && e.code === 'MODEL_CORRUPT') {
      await fs.rm(dest, { force: true });
      return false;
    }
    if (e instanceof TwinsegError && e.code === 'MODEL_NOT_FOUND') return false;
    throw e;
  }
}

function isFsError(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E(NOSPC|ACCES|PERM|ROFS|IO|DQUOT|BADF)$/.test(code);
}

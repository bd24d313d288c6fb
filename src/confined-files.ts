// Files read and written inside given directories (roots) through descriptors, so that a path checked
// once cannot be walked again somewhere else. Node has no openat(), so on Linux each step goes through
// /proc/self/fd/N/<name>: the kernel resolves /proc/self/fd/N to the directory the descriptor holds,
// whatever happened to its path since, and `name` is opened there without following a symlink
// (O_NOFOLLOW). A walk from a root down to a file therefore never passes a symlink; a folder swapped
// for one makes the walk fail instead of leaving the root. Nothing is read before fstat says the
// descriptor is a regular file within the size limit, and files are opened non-blocking, so a FIFO
// or a device (found by lstat before opening, or by fstat if one is swapped in between) is closed
// unread instead of hanging a worker thread or streaming without end.
//
// Writes create a temporary file with O_EXCL|O_NOFOLLOW in the walked directory, fsync it, check the
// directory's real path again and then rename (or link, to never replace) it into place, all relative
// to the directory's descriptor.
//
// Without /proc (macOS, BSD) the same steps run on real paths, each checked afterwards: the opened file's
// device and inode must be the ones its real path inside a root names now. What is left there is a
// window between the check and a rename in which a folder swapped twice goes unseen (docs/security.md).
import { randomBytes } from 'node:crypto';
import { constants as C, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** True when `candidate` is `root` itself or lies below it. Both must be absolute and normalised. */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Why a confined read or write did not happen; the callers word the message for their users. */
export type ConfinedRefusal =
  | { reason: 'outside'; detail: string }
  | { reason: 'missing' }
  | { reason: 'directory' }
  | { reason: 'special'; kind: string }
  | { reason: 'too-large'; bytes: number }
  | { reason: 'exists' };

export class ConfinedFileError extends Error {
  constructor(
    readonly file: string,
    readonly refusal: ConfinedRefusal,
    cause?: unknown,
  ) {
    super(`${file}: ${refusal.reason}${'detail' in refusal ? ` (${refusal.detail})` : ''}`, cause === undefined ? undefined : { cause });
    this.name = 'ConfinedFileError';
  }
}

export interface ConfinedOptions {
  /** Use the /proc/self/fd walk where the system has it (default); false forces the fallback (tests). */
  procWalk?: boolean;
}

const READ_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY;
const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;
const CREATE_FLAGS = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;

let procUsable: Promise<boolean> | undefined;

/** Whether /proc/self/fd names open descriptors (Linux with /proc mounted). */
function procWalkAvailable(): Promise<boolean> {
  procUsable ??= (async () => {
    if (process.platform !== 'linux') return false;
    const dir = await fs.open('/', DIR_FLAGS).catch(() => undefined);
    if (!dir) return false;
    try {
      return (await fs.readlink(`/proc/self/fd/${dir.fd}`)) === '/';
    } catch {
      return false;
    } finally {
      await dir.close();
    }
  })();
  return procUsable;
}

const viaFd = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;

/** Where the descriptor's file is now, as the kernel knows it; undefined once it is deleted. */
async function whereNow(handle: FileHandle): Promise<string | undefined> {
  const p = await fs.readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
  return p === undefined || p.endsWith(' (deleted)') ? undefined : p;
}

function errno(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? ((e as { code?: string }).code ?? undefined) : undefined;
}

function specialKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symlink';
  return 'not a regular file';
}

/** The root holding `file` and the names from it down to `file` (empty for the root itself). */
function placeIn(file: string, roots: readonly string[]): { root: string; names: string[] } {
  const root = roots.filter((r) => isInside(r, file)).sort((a, b) => b.length - a.length)[0];
  if (root === undefined) throw new ConfinedFileError(file, { reason: 'outside', detail: 'it lies outside the allowed roots' });
  const rel = path.relative(root, file);
  return { root, names: rel === '' ? [] : rel.split(path.sep) };
}

/**
 * The directory `root/names…` opened one name at a time, never through a symlink; with `create`, missing
 * folders are made on the way. The root itself must still be where its real path says.
 */
async function walkDown(file: string, root: string, names: readonly string[], create: boolean): Promise<FileHandle> {
  let dir = await fs.open(root, DIR_FLAGS).catch((e: unknown) => {
    throw new ConfinedFileError(
      file,
      errno(e) === 'ENOENT' ? { reason: 'missing' } : { reason: 'outside', detail: `its root ${root} cannot be opened` },
      e,
    );
  });
  try {
    if ((await whereNow(dir)) !== root) throw new ConfinedFileError(file, { reason: 'outside', detail: `its root ${root} moved` });
    for (const name of names) {
      let next = await fs.open(viaFd(dir, name), DIR_FLAGS).catch((e: unknown) => e as Error);
      if (next instanceof Error && errno(next) === 'ENOENT' && create) {
        await fs.mkdir(viaFd(dir, name)).catch((e: unknown) => {
          if (errno(e) !== 'EEXIST') throw e;
        });
        next = await fs.open(viaFd(dir, name), DIR_FLAGS).catch((e: unknown) => e as Error);
      }
      if (next instanceof Error) throw walkError(file, name, next);
      await dir.close();
      dir = next;
    }
    return dir;
  } catch (e) {
    await dir.close().catch(() => undefined);
    throw e;
  }
}

function walkError(file: string, name: string, e: Error): Error {
  switch (errno(e)) {
    case 'ENOENT':
      return new ConfinedFileError(file, { reason: 'missing' }, e);
    case 'ELOOP':
      return new ConfinedFileError(file, { reason: 'outside', detail: `its folder "${name}" is a symlink now` }, e);
    case 'ENOTDIR':
      return new ConfinedFileError(file, { reason: 'outside', detail: `"${name}" on its way is not a folder` }, e);
    default:
      return e;
  }
}

/** Reads at most `maxBytes` from an open descriptor that fstat says is a regular file. */
async function readOpened(file: string, handle: FileHandle, maxBytes: number): Promise<Buffer> {
  const st = await handle.stat();
  if (st.isDirectory()) throw new ConfinedFileError(file, { reason: 'directory' });
  if (!st.isFile()) throw new ConfinedFileError(file, { reason: 'special', kind: specialKind(st) });
  if (st.size > maxBytes) throw new ConfinedFileError(file, { reason: 'too-large', bytes: st.size });
  // One byte more than the limit tells a file that grew since fstat from one that did not.
  const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
  let got = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
    if (got > maxBytes) throw new ConfinedFileError(file, { reason: 'too-large', bytes: got });
    if (got === buf.length) break;
  }
  return buf.subarray(0, got);
}

/** lstat before opening, so that a FIFO or device that is already there is never opened. */
async function refuseSpecial(file: string, at: string): Promise<void> {
  const st = await fs.lstat(at).catch((e: unknown) => {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') throw new ConfinedFileError(file, { reason: 'missing' }, e);
    throw e;
  });
  if (st.isDirectory()) throw new ConfinedFileError(file, { reason: 'directory' });
  if (st.isSymbolicLink()) throw new ConfinedFileError(file, { reason: 'outside', detail: 'it is a symlink now' });
  if (!st.isFile()) throw new ConfinedFileError(file, { reason: 'special', kind: specialKind(st) });
}

async function openForRead(file: string, at: string): Promise<FileHandle> {
  return fs.open(at, READ_FLAGS).catch((e: unknown) => {
    if (errno(e) === 'ENOENT') throw new ConfinedFileError(file, { reason: 'missing' }, e);
    if (errno(e) === 'ELOOP') throw new ConfinedFileError(file, { reason: 'outside', detail: 'it is a symlink now' }, e);
    throw e;
  });
}

/** The real path's device and inode, when it lies inside a root; else undefined. */
async function identityInside(file: string, roots: readonly string[]): Promise<{ dev: number; ino: number } | undefined> {
  const real = await fs.realpath(file).catch(() => undefined);
  if (real === undefined || !roots.some((r) => isInside(r, real))) return undefined;
  const st = await fs.stat(real).catch(() => undefined);
  return st ? { dev: st.dev, ino: st.ino } : undefined;
}

const sameFile = (a: { dev: number; ino: number } | undefined, b: Stats) => a !== undefined && a.dev === b.dev && a.ino === b.ino;

/**
 * The bytes of `file` (an absolute path), read through a descriptor. With `roots` (real paths), the file's
 * real path must lie inside one, and it is reached from there without following any symlink. Throws ConfinedFileError for a file
 * that is missing, outside, not a regular file or larger than `maxBytes`; other I/O errors as they are.
 */
export async function readConfined(
  file: string,
  roots: readonly string[] | undefined,
  maxBytes: number,
  opts: ConfinedOptions = {},
): Promise<Buffer> {
  if (roots === undefined) {
    await refuseSpecial(file, await fs.realpath(file).catch(() => file));
    const handle = await fs.open(file, C.O_RDONLY | C.O_NONBLOCK | C.O_NOCTTY);
    try {
      return await readOpened(file, handle, maxBytes);
    } finally {
      await handle.close();
    }
  }
  // Symlinks that stay inside the roots are fine: the walk below takes the real path they lead to.
  const real = await fs.realpath(file).catch((e: unknown) => {
    throw errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR' ? new ConfinedFileError(file, { reason: 'missing' }, e) : e;
  });
  const { root, names } = placeIn(real, roots);
  if (names.length === 0) throw new ConfinedFileError(file, { reason: 'directory' });
  if (opts.procWalk !== false && (await procWalkAvailable())) {
    const dir = await walkDown(file, root, names.slice(0, -1), false);
    try {
      const at = viaFd(dir, names[names.length - 1]!);
      await refuseSpecial(file, at);
      const handle = await openForRead(file, at);
      try {
        return await readOpened(file, handle, maxBytes);
      } finally {
        await handle.close();
      }
    } finally {
      await dir.close();
    }
  }
  await refuseSpecial(file, real);
  const handle = await openForRead(file, real);
  try {
    const st = await handle.stat();
    if (!sameFile(await identityInside(real, roots), st)) {
      throw new ConfinedFileError(file, { reason: 'outside', detail: 'a folder on its way changed while it was opened' });
    }
    return await readOpened(file, handle, maxBytes);
  } finally {
    await handle.close();
  }
}

export interface ConfinedWrite {
  /** Replace a file already at the target (atomically); otherwise refuse with reason 'exists'. */
  replace: boolean;
  opts?: ConfinedOptions;
}

const tempName = (base: string) => `.${base.slice(0, 100)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;

/**
 * Writes `data` to `file` (an absolute path inside a root whose existing folders are real) atomically:
 * a temporary file created in the folder, synced, then renamed or linked into place. Missing folders
 * are created. Throws ConfinedFileError ('outside', 'exists', 'directory') or the I/O error.
 */
export async function writeConfined(file: string, roots: readonly string[], data: Uint8Array | string, how: ConfinedWrite): Promise<void> {
  const { root, names } = placeIn(file, roots);
  if (names.length === 0) throw new ConfinedFileError(file, { reason: 'directory' });
  const base = names[names.length - 1]!;
  if (how.opts?.procWalk !== false && (await procWalkAvailable())) {
    const dir = await walkDown(file, root, names.slice(0, -1), true);
    try {
      await writeInDir(file, roots, dir, base, data, how.replace);
    } finally {
      await dir.close();
    }
    return;
  }
  await writeByPath(file, roots, root, names, data, how.replace);
}

async function stillInside(file: string, roots: readonly string[], dir: FileHandle): Promise<void> {
  const now = await whereNow(dir);
  if (now === undefined || !roots.some((r) => isInside(r, now))) {
    throw new ConfinedFileError(file, { reason: 'outside', detail: `its folder moved to ${now ?? 'nowhere'} while it was written` });
  }
}

async function writeInDir(
  file: string,
  roots: readonly string[],
  dir: FileHandle,
  base: string,
  data: Uint8Array | string,
  replace: boolean,
): Promise<void> {
  await writeAndPlace(file, { tmp: viaFd(dir, tempName(base)), target: viaFd(dir, base), dir }, data, replace, () =>
    stillInside(file, roots, dir),
  );
}

/**
 * Writes `data` to the new file `tmp`, then places it at `target`, checking before and after that its folder
 * is still inside the roots. Given the folder's descriptor (`tmp` and `target` named through it), a file placed
 * in a folder moved away between the check and the rename is taken back out; by path it is left alone, as the
 * name may lead to another folder by then.
 */
async function writeAndPlace(
  file: string,
  at: { tmp: string; target: string; dir?: FileHandle },
  data: Uint8Array | string,
  replace: boolean,
  check: () => Promise<void>,
): Promise<void> {
  const handle = await fs.open(at.tmp, CREATE_FLAGS, 0o666);
  let placed = false;
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await check();
    await place(file, at.tmp, at.target, replace);
    placed = true;
    await at.dir?.sync().catch(() => undefined);
    await check().catch(async (e: unknown) => {
      if (at.dir) await fs.rm(at.target, { force: true }).catch(() => undefined);
      throw e;
    });
  } finally {
    if (!placed || !replace) await fs.rm(at.tmp, { force: true }).catch(() => undefined);
  }
}

/** rename (replace) or link-then-unlink (never replace: EEXIST when the target is there). */
async function place(file: string, from: string, to: string, replace: boolean): Promise<void> {
  try {
    if (replace) await fs.rename(from, to);
    else await fs.link(from, to);
  } catch (e) {
    if (errno(e) === 'EEXIST') throw new ConfinedFileError(file, { reason: 'exists' }, e);
    if (errno(e) === 'EISDIR') throw new ConfinedFileError(file, { reason: 'directory' }, e);
    throw e;
  }
}

/** The fallback without /proc: each step by real path, checked by device and inode afterwards. */
async function writeByPath(
  file: string,
  roots: readonly string[],
  root: string,
  names: readonly string[],
  data: Uint8Array | string,
  replace: boolean,
): Promise<void> {
  let dirPath = root;
  for (const name of names.slice(0, -1)) {
    dirPath = path.join(dirPath, name);
    await fs.mkdir(dirPath).catch((e: unknown) => {
      if (errno(e) !== 'EEXIST') throw e;
    });
  }
  const dir = await fs.open(dirPath, DIR_FLAGS).catch((e: unknown) => {
    throw walkError(file, path.basename(dirPath), e as Error);
  });
  try {
    const dirId = await dir.stat();
    const check = async () => {
      if (!sameFile(await identityInside(dirPath, roots), dirId)) {
        throw new ConfinedFileError(file, { reason: 'outside', detail: 'a folder on its way changed while it was written' });
      }
    };
    await check();
    await writeAndPlace(file, { tmp: path.join(dirPath, tempName(names[names.length - 1]!)), target: file }, data, replace, check);
  } finally {
    await dir.close();
  }
}

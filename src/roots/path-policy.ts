// Where the server may read images and write masks. Every path a client sends goes through here:
// it must resolve, after following symlinks, to a place inside one of the allowed roots. The answer is
// a real path for messages and for the one read or write that follows, which confined-files.ts does
// through descriptors so that a folder swapped in between cannot take it elsewhere.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInside } from '../confined-files.js';
import { TwinsegError } from '../errors.js';

export { isInside };

/** Real paths of the roots that exist; missing roots are dropped (a root cannot grant access to nothing). */
export async function realRoots(roots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of roots) {
    try {
      const real = await fs.realpath(path.resolve(r));
      if (!out.includes(real)) out.push(real);
    } catch {
      // A configured root that does not exist yet simply grants nothing.
    }
  }
  return out;
}

/** Longest path accepted (Linux PATH_MAX) and longest name in it (NAME_MAX, in bytes). */
export const MAX_PATH_CHARS = 4096;
export const MAX_NAME_BYTES = 255;

/** A path as quoted in a message: a 100 kB argument must not come back whole in the error. */
function shown(p: string): string {
  return p.length > 160 ? `${p.slice(0, 160)}… (${p.length} characters)` : p;
}

function notAllowed(input: string, roots: readonly string[], why: string): TwinsegError {
  const list = roots.length ? roots.join(', ') : '(none)';
  return new TwinsegError('PATH_NOT_ALLOWED', `Path "${shown(input)}" is not allowed: ${why}.`, {
    hint: `Use a file inside one of the allowed roots: ${list}.`,
    details: { roots: [...roots] },
  });
}

/**
 * Turns a path or file:// URL into an absolute, lexically normalised path without a trailing slash
 * (with one, lstat would follow a final symlink); relative paths join the first root.
 */
export function toAbsolute(input: string, roots: readonly string[]): string {
  if (input.includes('\0')) throw notAllowed(input.replace(/\0/g, '\\0'), roots, 'it contains a NUL byte');
  if (input.length > MAX_PATH_CHARS)
    throw notAllowed(input, roots, `it is ${input.length} characters long; the limit is ${MAX_PATH_CHARS}`);
  let p = input;
  if (/^file:/i.test(p)) {
    try {
      p = fileURLToPath(p);
    } catch (e) {
      throw new TwinsegError('INVALID_INPUT', `"${shown(input)}" is not a valid file:// URL.`, {
        hint: 'Pass an absolute path or a URL such as file:///home/me/photo.jpg.',
        cause: e,
      });
    }
    if (p.includes('\0')) throw notAllowed(input, roots, 'it contains a NUL byte (%00)');
  }
  let abs: string;
  if (path.isAbsolute(p)) abs = path.normalize(p);
  else if (roots.length === 0) throw notAllowed(input, roots, 'no roots are allowed');
  else abs = path.resolve(roots[0]!, p);
  if (abs.length > 1 && abs.endsWith(path.sep)) abs = abs.slice(0, -1);
  if (abs.split(path.sep).some((name) => Buffer.byteLength(name) > MAX_NAME_BYTES)) {
    throw notAllowed(input, roots, `a name in it is longer than ${MAX_NAME_BYTES} bytes`);
  }
  return abs;
}

/**
 * A path that lies outside every (real) root as written, seen through the symlinks of its folders: a root
 * configured or named through a symlink (/tmp on macOS, a linked data folder) is the same place under
 * another name. The last name is not followed (the callers judge it). Undefined where that does not land
 * inside a root; nothing about a path outside the roots reaches the caller.
 */
async function throughLinkedFolders(abs: string, roots: readonly string[]): Promise<string | undefined> {
  const rest = [path.basename(abs)];
  let dir = path.dirname(abs);
  for (;;) {
    const real = await fs.realpath(dir).catch(() => undefined);
    if (real !== undefined) {
      const mapped = path.join(real, ...rest.reverse());
      return roots.some((r) => isInside(r, mapped)) ? mapped : undefined;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    rest.push(path.basename(dir));
    dir = parent;
  }
}

/** The absolute path of `input` inside a root, as written or through linked folders; else PATH_NOT_ALLOWED. */
async function insideRoots(input: string, roots: readonly string[]): Promise<string> {
  const abs = toAbsolute(input, roots);
  if (roots.some((r) => isInside(r, abs))) return abs;
  const mapped = await throughLinkedFolders(abs, roots);
  if (mapped === undefined) throw notAllowed(input, roots, 'it lies outside the allowed roots');
  return mapped;
}

/** An existing file to read. Follows symlinks and requires the real target to stay inside a root. */
export async function resolveReadPath(input: string, roots: readonly string[]): Promise<string> {
  const abs = await insideRoots(input, roots);
  let real: string;
  try {
    real = await fs.realpath(abs);
  } catch (e) {
    throw new TwinsegError('IMAGE_NOT_FOUND', `No file at "${shown(abs)}".`, {
      hint: 'Check the path; relative paths are resolved against the first allowed root.',
      cause: e,
    });
  }
  if (!roots.some((r) => isInside(r, real)))
    throw notAllowed(input, roots, `it resolves (via a symlink) to "${real}", outside the allowed roots`);
  return real;
}

/**
 * A file to create or replace. The nearest existing ancestor is resolved through symlinks and must lie
 * inside a root; an existing target that is a symlink is refused (it could point anywhere).
 */
export async function resolveWritePath(input: string, roots: readonly string[]): Promise<string> {
  const abs = await insideRoots(input, roots);
  const st = await fs.lstat(abs).catch(() => undefined);
  if (st?.isSymbolicLink()) throw notAllowed(input, roots, 'it is a symlink; write to a regular path instead');
  if (st?.isDirectory()) {
    throw new TwinsegError('INVALID_INPUT', `"${shown(abs)}" is a directory.`, { hint: 'Give a file name, e.g. mask.png.' });
  }
  let dir = path.dirname(abs);
  const missing: string[] = [];
  for (;;) {
    try {
      const real = await fs.realpath(dir);
      if (!roots.some((r) => isInside(r, real))) {
        throw notAllowed(input, roots, `its folder resolves (via a symlink) to "${real}", outside the allowed roots`);
      }
      if (!(await fs.stat(real)).isDirectory()) {
        throw new TwinsegError('INVALID_INPUT', `"${shown(real)}" in the output path is a file, not a folder.`, {
          hint: 'Choose an output path whose folders are folders, e.g. out/mask.png.',
        });
      }
      return path.join(real, ...missing.reverse(), path.basename(abs));
    } catch (e) {
      if (e instanceof TwinsegError) throw e;
      // A folder that is a symlink to nowhere: creating it would go wherever the link points.
      if ((await fs.lstat(dir).catch(() => undefined))?.isSymbolicLink()) {
        throw notAllowed(input, roots, `its folder "${shown(dir)}" is a symlink to a place that does not exist`);
      }
      const parent = path.dirname(dir);
      if (parent === dir) throw notAllowed(input, roots, 'none of its folders exist');
      missing.push(path.basename(dir));
      dir = parent;
    }
  }
}

// Files the tools write when a host asks for one (get_mask with output_path): only inside the session's
// roots or the operator's output directory (where relative paths go), written atomically through the
// folder's descriptor (confined-files.ts), and never over an existing file unless the call says overwrite.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfinedFileError, writeConfined } from '../../confined-files.js';
import { errorMessage, TwinsegError } from '../../errors.js';
import type { ToolContext } from '../tool-context.js';
import { resolveWritePath } from '../../roots/path-policy.js';

export interface WrittenFile {
  path: string;
  uri: string;
  bytes: number;
  mimeType: string;
}

export interface OutputRequest {
  /** The client's output_path: absolute inside the session roots, or relative to the output directory. */
  requested: string;
  data: Uint8Array | string;
  mimeType: string;
  /** Replace a file that is already there (otherwise FILE_EXISTS). */
  overwrite: boolean;
}

/** A file name made only of safe characters, so ids and twin ids can go into it. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
}

async function outputDir(ctx: ToolContext): Promise<string> {
  try {
    await fs.mkdir(ctx.config.outputDir, { recursive: true });
    return await fs.realpath(ctx.config.outputDir);
  } catch (e) {
    throw new TwinsegError('IO_ERROR', `Cannot create the output directory ${ctx.config.outputDir}.`, {
      hint: 'Set TWINSEG_OUTPUT_DIR to a writable directory, or pass an absolute output_path inside an allowed root.',
      cause: e,
    });
  }
}

async function target(ctx: ToolContext, requested: string, roots: readonly string[]): Promise<{ file: string; roots: string[] }> {
  // The output directory is the operator's choice, so it is allowed even when a client's roots narrow or
  // replace the configured ones.
  const dir = await outputDir(ctx);
  const abs = /^file:/i.test(requested) || path.isAbsolute(requested) ? requested : path.join(dir, requested);
  const allowed = [...roots, dir];
  return { file: await resolveWritePath(abs, allowed), roots: allowed };
}

export async function writeOutputFile(ctx: ToolContext, req: OutputRequest, roots: readonly string[]): Promise<WrittenFile> {
  const { file, roots: allowed } = await target(ctx, req.requested, roots);
  try {
    await writeConfined(file, allowed, req.data, { replace: req.overwrite });
  } catch (e) {
    if (e instanceof ConfinedFileError && e.refusal.reason === 'exists') {
      throw new TwinsegError('FILE_EXISTS', `${file} already exists; nothing was written.`, {
        hint: 'Pass "overwrite": true to replace it, or choose another output_path.',
      });
    }
    if (e instanceof ConfinedFileError && e.refusal.reason === 'directory') {
      throw new TwinsegError('INVALID_INPUT', `"${file}" is a directory.`, { hint: 'Give a file name, e.g. mask.png.' });
    }
    if (e instanceof ConfinedFileError && e.refusal.reason === 'outside') {
      throw new TwinsegError('PATH_NOT_ALLOWED', `Path "${file}" is not allowed: ${e.refusal.detail}; nothing was written.`, {
        hint: `Use a path inside one of the allowed roots: ${allowed.join(', ')}.`,
      });
    }
    if (e instanceof TwinsegError) throw e;
    throw new TwinsegError('IO_ERROR', `Could not write ${file}: ${errorMessage(e)}.`, {
      hint: 'Check that the folder is writable and the disk has space.',
      cause: e,
    });
  }
  const bytes = typeof req.data === 'string' ? Buffer.byteLength(req.data) : req.data.byteLength;
  return { path: file, uri: pathToFileURL(file).href, bytes, mimeType: req.mimeType };
}

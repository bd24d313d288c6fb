// Files the tools hand back (masks, cutouts, RLE/polygon JSON): written atomically, only inside the
// session's roots (an explicit output_path) or the operator's output directory (the default), and
// returned to the host as resource_link content instead of inline base64.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { writeFileAtomic } from '../atomic-write.js';
import { TwinsegError, errorMessage } from '../errors.js';
import type { ToolContext } from './context.js';
import { resolveWritePath } from './path-policy.js';

export interface WrittenFile {
  path: string;
  uri: string;
  bytes: number;
  mimeType: string;
}

export interface OutputRequest {
  /** The client's output_path, checked against the session roots; absent: config.outputDir/defaultName. */
  requested?: string;
  defaultName: string;
  data: Uint8Array | string;
  mimeType: string;
}

/** A file name made only of safe characters, so ids and twin ids can go into it. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
}

async function target(ctx: ToolContext, req: OutputRequest): Promise<string> {
  if (req.requested !== undefined) return resolveWritePath(req.requested, await ctx.roots.current());
  // The output directory is the operator's choice, so it is allowed even when a client's roots replace
  // the configured ones.
  try {
    await fs.mkdir(ctx.config.outputDir, { recursive: true });
  } catch (e) {
    throw new TwinsegError('IO_ERROR', `Cannot create the output directory ${ctx.config.outputDir}.`, {
      hint: 'Set TWINSEG_OUTPUT_DIR to a writable directory, or pass output_path inside an allowed root.',
      cause: e,
    });
  }
  const dir = await fs.realpath(ctx.config.outputDir);
  return resolveWritePath(path.join(dir, safeFileName(req.defaultName)), [dir]);
}

export async function writeOutputFile(ctx: ToolContext, req: OutputRequest): Promise<WrittenFile> {
  const file = await target(ctx, req);
  try {
    await writeFileAtomic(file, req.data);
  } catch (e) {
    throw new TwinsegError('IO_ERROR', `Could not write ${file}: ${errorMessage(e)}.`, {
      hint: 'Check that the folder is writable and the disk has space.',
      cause: e,
    });
  }
  const bytes = typeof req.data === 'string' ? Buffer.byteLength(req.data) : req.data.byteLength;
  return { path: file, uri: pathToFileURL(file).href, bytes, mimeType: req.mimeType };
}

export function resourceLink(file: WrittenFile, description: string): ResourceLink {
  return {
    type: 'resource_link',
    uri: file.uri,
    name: path.basename(file.path),
    mimeType: file.mimeType,
    size: file.bytes,
    description,
  };
}

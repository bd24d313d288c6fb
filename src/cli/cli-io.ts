// What every CLI command shares: where output goes, how usage errors look, Ctrl-C, and the app context.
// stdout carries only command output (in `serve` over stdio: only MCP); logs and progress go to stderr.
import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createAppContext, type AppContext } from '../app-context.js';
import { writeFileAtomic } from '../atomic-write.js';
import type { Config } from '../config.js';
import { TwinsegError } from '../errors.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress bars redraw in place only there). */
  isTTY?: boolean;
}

export const processIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  isTTY: process.stderr.isTTY === true,
};

/** A mistake in how the command was typed: exit 2 with the command's usage. */
export class UsageError extends Error {}

/** One `twinseg <name>` command; cli.ts lists them and routes `--help` to `help`. */
export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line(s) after `twinseg `, e.g. "build IMAGE [--json]". */
  usage: string;
  /** Options and examples shown by `twinseg <name> --help`. */
  help: string;
  /** Config is loaded on demand, so `--help` and usage errors never depend on the environment. */
  run(args: string[], io: CliIo, config: () => Config): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with usage errors instead of Node's raw parse errors. */
export function parseCommandArgs<O extends Options>(args: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals: positionals, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '.') : String(e));
  }
}

export function need<T>(v: T | undefined, what: string): T {
  if (v === undefined || v === '') throw new UsageError(`Missing ${what}.`);
  return v;
}

export function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], what: string, fallback: T): T {
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${what} must be one of ${allowed.join(', ')}; got "${v}".`);
  return v as T;
}

/** The refusal for an output file that is there already: the CLI replaces files only with --force. */
export function fileExists(file: string): TwinsegError {
  return new TwinsegError('FILE_EXISTS', `${file} already exists; nothing was written.`, {
    hint: 'Pass --force to replace it, or choose another name.',
  });
}

/** Refuses early, before minutes of work, when an output file is there and --force was not given. */
export function refuseExisting(files: readonly string[], force: boolean | undefined): void {
  if (force) return;
  const there = files.find((f) => existsSync(f));
  if (there) throw fileExists(there);
}

/** Writes a file the user named: atomically, and over an existing one only with --force. */
export async function writeUserFile(file: string, data: Uint8Array | string, force: boolean | undefined): Promise<void> {
  try {
    await writeFileAtomic(file, data, { replace: force === true });
  } catch (e) {
    throw (e as NodeJS.ErrnoException).code === 'EEXIST' ? fileExists(file) : e;
  }
}

/** Ctrl-C cancels the running command cleanly instead of killing it mid-write (exit 130, see cli.ts). */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onInt = () => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onInt);
  return { signal: ac.signal, dispose: () => process.off('SIGINT', onInt) };
}

export const lineLog = (io: CliIo) => (m: string) => io.stderr(m.endsWith('\n') ? m : `${m}\n`);

export async function withApp<T>(config: Config, io: CliIo, fn: (app: AppContext) => Promise<T>): Promise<T> {
  const app = await createAppContext(config, { log: lineLog(io) });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

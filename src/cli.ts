#!/usr/bin/env node
// The `twinseg` command: routes to the commands in src/cli/ and turns their failures into exit codes
// (2: how it was typed, with usage; 1: what happened, with the error's code and hint; 130: Ctrl-C, as a
// shell reports a command that SIGINT ended).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './cli/commands.js';
import { processIo, UsageError, type CliCommand, type CliIo } from './cli/cli-io.js';
import { loadConfig, type Config } from './config.js';
import { cliWords } from './cli/cli-words.js';
import { fromSystemError, toTwinsegError, TwinsegError } from './errors.js';
import { packageVersion } from './package-info.js';

export type { CliIo };

export const USAGE = `Usage: twinseg <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.usage}\n${' '.repeat(38)}${c.summary}`).join('\n')}

Run \`twinseg <command> --help\` for a command's options. Configuration comes from TWINSEG_* environment
variables (see README "Configuration").
`;

export function commandHelp(c: CliCommand): string {
  return `Usage: twinseg ${c.usage}\n\n${c.summary}.\n\n${c.help}\n`;
}

/** What a shell reports for a command that SIGINT ended: 128 + 2. */
export const EXIT_INTERRUPTED = 130;

/** The path or address a raw Node error is about, for fromSystemError. */
function describeTarget(e: unknown): string {
  const x = e as { path?: unknown; address?: unknown; port?: unknown } | undefined;
  if (typeof x?.path === 'string') return x.path;
  if (typeof x?.address === 'string') return `${x.address}${typeof x.port === 'number' ? `:${x.port}` : ''}`;
  return 'a file';
}

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  let command: CliCommand | undefined;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
      io.stdout(topic ? commandHelp(topic) : USAGE);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout(`${packageVersion()}\n`);
      return 0;
    }
    command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`Unknown command "${name}".`);
    if (wantsHelp(rest)) {
      io.stdout(commandHelp(command));
      return 0;
    }
    let config: Config | undefined;
    return await command.run(rest, io, () => (config ??= loadConfig(io.env)));
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`twinseg: ${e.message}\n\n${command ? commandHelp(command) : USAGE}`);
      return 2;
    }
    const err = e instanceof TwinsegError ? e : toTwinsegError(fromSystemError(e, describeTarget(e)));
    if (err.code === 'CANCELLED') {
      io.stderr('twinseg: interrupted; nothing more was written.\n');
      return EXIT_INTERRUPTED;
    }
    io.stderr(`twinseg: ${err.code}: ${cliWords(err.fullMessage)}\n`);
    return 1;
  }
}

// Run only as the entry point, not when a test imports runCli. npm links bins, so compare real paths.
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(fileURLToPath(import.meta.url)) === realpathSync(entry);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `twinseg build x.jpg | head` closes stdout early; that is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  runCli(process.argv.slice(2)).then(
    (code) => {
      // A served session is over: native thread pools must not keep the process alive.
      if (process.argv[2] === 'serve' || process.argv[2] === 'view') process.exit(code);
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`twinseg: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

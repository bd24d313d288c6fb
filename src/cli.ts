#!/usr/bin/env node
// The `twinseg` command: routes to the commands in src/cli/ and turns their failures into exit codes
// (2: how it was typed, with usage; 1: what happened, with the error's code and hint).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './cli/commands.js';
import { processIo, UsageError, type CliCommand, type CliIo } from './cli/cli-io.js';
import { loadConfig, type Config } from './config.js';
import { toTwinsegError, TwinsegError } from './errors.js';

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
      const { SERVER_VERSION } = await import('./server/server.js');
      io.stdout(`${SERVER_VERSION}\n`);
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
    const err = e instanceof TwinsegError ? e : toTwinsegError(e);
    io.stderr(`twinseg: ${err.code}: ${err.fullMessage}\n`);
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
      if (process.argv[2] === 'serve') process.exit(code);
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`twinseg: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

// `twinseg mcp-config`: a ready host configuration with absolute paths (node, this install's cli.js,
// the roots), so connecting a host is one paste.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneOf, parseCommandArgs, type CliCommand } from './cli-io.js';

export const MCP_HOSTS = ['claude-code', 'claude-desktop', 'json'] as const;
type Host = (typeof MCP_HOSTS)[number];

/** The built entry point of this install (dist/cli.js), absolute. */
export function cliEntryPoint(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');
}

export function claudeDesktopConfigPath(platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
  if (platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json');
  return path.join(home, '.config', 'Claude', 'claude_desktop_config.json');
}

export interface ServerEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function serverEntry(roots: readonly string[]): ServerEntry {
  return { command: process.execPath, args: [cliEntryPoint(), 'serve'], env: { TWINSEG_ROOTS: roots.join(path.delimiter) } };
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function renderMcpConfig(host: Host, entry: ServerEntry): string {
  const json = `${JSON.stringify({ mcpServers: { twinseg: entry } }, null, 2)}\n`;
  if (host === 'json') return json;
  if (host === 'claude-code') {
    const env = Object.entries(entry.env).map(([k, v]) => `-e ${shellQuote(`${k}=${v}`)} `).join('');
    return [
      '# Add twinseg to Claude Code (user scope: every project), then check it with `claude mcp list`:',
      `claude mcp add --scope user ${env}twinseg -- ${[entry.command, ...entry.args].map(shellQuote).join(' ')}`,
      '',
    ].join('\n');
  }
  return [
    `// Merge into ${claudeDesktopConfigPath()} and restart Claude Desktop:`,
    json,
  ].join('\n');
}

export const mcpConfigCommand: CliCommand = {
  name: 'mcp-config',
  summary: 'Print a ready MCP host configuration for this install (absolute paths)',
  usage: `mcp-config [--host ${MCP_HOSTS.join('|')}]`,
  help: [
    'Options:',
    '  --host NAME   claude-code: a `claude mcp add` command line; claude-desktop: the JSON to merge into',
    '                claude_desktop_config.json (its path is printed); json: the plain mcpServers JSON (default)',
    '',
    'The server may read images and write masks only inside TWINSEG_ROOTS (here: the configured roots,',
    'by default the current folder and the temp folder); edit the printed value to choose others.',
  ].join('\n'),
  async run(args, io, config) {
    const { values } = parseCommandArgs(args, { host: { type: 'string' } });
    const host = oneOf<Host>(values.host, MCP_HOSTS, '--host', 'json');
    io.stdout(renderMcpConfig(host, serverEntry(config().roots)));
    return 0;
  },
};

// `twinseg mcp-config --host NAME`: a ready configuration for an MCP host, in the host's own format. Only
// the configuration goes to stdout (so `> file` or a pipe gets valid JSON or TOML); where to put it goes to
// stderr. An installed package is started with `npx -y twinseg@VERSION serve`, a checkout with node and
// absolute paths.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliEntryPoint, packageName, packageVersion, runsFromInstalledPackage } from '../package-info.js';
import { oneOf, parseCommandArgs, type CliCommand } from './cli-io.js';

export const MCP_HOSTS = ['claude-code', 'claude-desktop', 'cursor', 'vscode', 'codex', 'http', 'json'] as const;
export type McpHost = (typeof MCP_HOSTS)[number];

/** The name hosts list the server under. */
export const SERVER_KEY = 'twinseg';

export function claudeDesktopConfigPath(platform: NodeJS.Platform = process.platform, home = os.homedir(), appData?: string): string {
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
  if (platform === 'win32') return path.join(appData ?? path.join(home, 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json');
  return path.join(home, '.config', 'Claude', 'claude_desktop_config.json');
}

/** Where a person keeps the pictures they will ask about, where those folders exist, plus the temp folder. */
export function defaultRoots(home = os.homedir(), tmp = os.tmpdir()): string[] {
  const personal = ['Pictures', 'Downloads', 'Desktop'].map((d) => path.join(home, d)).filter((d) => existsSync(d));
  return [...personal, tmp];
}

export interface ServerEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** How a host starts this install's server over stdio. */
export function serverEntry(roots: readonly string[], installed = runsFromInstalledPackage()): ServerEntry {
  const env = { TWINSEG_ROOTS: roots.join(path.delimiter) };
  if (installed) return { command: 'npx', args: ['-y', `${packageName()}@${packageVersion()}`, 'serve'], env };
  return { command: process.execPath, args: [cliEntryPoint(), 'serve'], env };
}

export interface HttpEndpoint {
  url: string;
  token: string;
  /** How to start the server this endpoint expects. */
  start: string;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A TOML basic string: JSON's escapes are TOML's, except that TOML also wants DEL escaped. */
const tomlString = (s: string) => JSON.stringify(s).replace(/\x7f/g, '\\u007F');

export interface RenderedConfig {
  /** The configuration itself, for stdout. */
  config: string;
  /** Where it goes and what to do next, for stderr. */
  note: string;
}

export function renderMcpConfig(host: McpHost, entry: ServerEntry, http?: HttpEndpoint): RenderedConfig {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const stdio = { mcpServers: { [SERVER_KEY]: entry } };
  switch (host) {
    case 'claude-code': {
      // The name goes before -e: -e takes several values and would swallow it.
      const env = Object.entries(entry.env)
        .map(([k, v]) => ` -e ${shellQuote(`${k}=${v}`)}`)
        .join('');
      return {
        config: `claude mcp add --scope user ${SERVER_KEY}${env} -- ${[entry.command, ...entry.args].map(shellQuote).join(' ')}\n`,
        note: `Run the printed line to add twinseg to Claude Code for every project, then check it with \`claude mcp get ${SERVER_KEY}\`.`,
      };
    }
    case 'claude-desktop':
      return { config: json(stdio), note: `Merge this into ${claudeDesktopConfigPath()} ("mcpServers"), then restart Claude Desktop.` };
    case 'cursor':
      return {
        config: json(stdio),
        note: `Merge this into ${path.join(os.homedir(), '.cursor', 'mcp.json')} (every project) or .cursor/mcp.json (one project).`,
      };
    case 'vscode':
      return {
        config: json({ servers: { [SERVER_KEY]: { type: 'stdio', ...entry } } }),
        note: 'Merge this into .vscode/mcp.json in the workspace ("servers"), or run "MCP: Open User Configuration" for every workspace.',
      };
    case 'codex': {
      // npx may fetch the package on the first start, and a build takes seconds on a CPU: Codex's defaults
      // (10 s to start, 60 s a tool call) are too short for both.
      const lines = [
        `[mcp_servers.${SERVER_KEY}]`,
        `command = ${tomlString(entry.command)}`,
        `args = [${entry.args.map(tomlString).join(', ')}]`,
        'startup_timeout_sec = 60',
        'tool_timeout_sec = 300',
        '',
        `[mcp_servers.${SERVER_KEY}.env]`,
        ...Object.entries(entry.env).map(([k, v]) => `${k} = ${tomlString(v)}`),
      ];
      return { config: `${lines.join('\n')}\n`, note: `Append this to ${path.join(os.homedir(), '.codex', 'config.toml')}.` };
    }
    case 'http': {
      if (!http) throw new Error('renderMcpConfig: the http host needs an endpoint');
      return {
        config: json({ mcpServers: { [SERVER_KEY]: { type: 'http', url: http.url, headers: { Authorization: `Bearer ${http.token}` } } } }),
        note: `Start the server with:\n  ${http.start}\nthen give any MCP client the URL and the Authorization header above.`,
      };
    }
    case 'json':
      return { config: json(stdio), note: 'The generic "mcpServers" entry most hosts accept.' };
  }
}

/** The HTTP endpoint for the configured host and port, with the configured token or a new one. */
export function httpEndpoint(entry: ServerEntry, http: { host: string; port: number; token?: string }): HttpEndpoint {
  const token = http.token ?? randomBytes(24).toString('base64url');
  const host = http.host.includes(':') ? `[${http.host}]` : http.host;
  const env = { ...entry.env, TWINSEG_TOKEN: token };
  const start = [
    // A quoted `'K=V'` would be a command name to the shell, not an assignment: quote the value only.
    ...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`),
    ...[entry.command, ...entry.args].map(shellQuote),
    '--http',
    String(http.port),
    ...(http.host === '127.0.0.1' ? [] : ['--host', shellQuote(http.host)]),
  ].join(' ');
  return { url: `http://${host}:${http.port}/mcp`, token, start };
}

export const mcpConfigCommand: CliCommand = {
  name: 'mcp-config',
  summary: 'Print a ready MCP host configuration (Claude Code, Claude Desktop, Cursor, VS Code, Codex, HTTP)',
  usage: `mcp-config [--host ${MCP_HOSTS.join('|')}] [--roots DIR${path.delimiter}DIR…]`,
  help: [
    'Options:',
    '  --host NAME    claude-code: a `claude mcp add` line to run; claude-desktop, cursor: the "mcpServers" JSON;',
    '                 vscode: the "servers" JSON of .vscode/mcp.json; codex: the TOML of ~/.codex/config.toml;',
    '                 http: a URL and bearer header for any client (the line to start the server goes to stderr);',
    '                 json: the generic "mcpServers" JSON (default)',
    `  --roots DIRS   Folders the server may read images from and write masks to (separated by "${path.delimiter}",`,
    '                 or the option repeated). Default: your Pictures, Downloads and Desktop folders where they',
    '                 exist, and the temp folder',
    '',
    'Only the configuration goes to stdout; where it goes is said on stderr. From an installed package the host',
    "starts `npx -y twinseg@VERSION serve`; from a checkout, node with this checkout's dist/cli.js.",
    'HTTP uses TWINSEG_HTTP_HOST, TWINSEG_HTTP_PORT and TWINSEG_TOKEN (a new token when unset).',
  ].join('\n'),
  async run(args, io, config) {
    const { values } = parseCommandArgs(args, { host: { type: 'string' }, roots: { type: 'string', multiple: true } });
    const host = oneOf<McpHost>(values.host, MCP_HOSTS, '--host', 'json');
    const given = (values.roots ?? [])
      .flatMap((r) => r.split(path.delimiter))
      .filter(Boolean)
      .map((r) => path.resolve(r));
    const roots = given.length ? given : defaultRoots();
    const entry = serverEntry(roots);
    const rendered = renderMcpConfig(host, entry, host === 'http' ? httpEndpoint(entry, config().http) : undefined);
    io.stdout(rendered.config);
    io.stderr(`${rendered.note}\nRoots (where images may be read and masks written): ${roots.join(', ')}; choose others with --roots.\n`);
    return 0;
  },
};

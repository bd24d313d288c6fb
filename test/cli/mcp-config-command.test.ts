// Each host's configuration is checked by what reads it: Claude Code's own CLI (a devDependency, run in a
// temporary HOME), JSON.parse and smol-toml for the files, and a real HTTP server for the URL and token.
import { execFile, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { claudeDesktopConfigPath, defaultRoots, serverEntry } from '../../src/cli/mcp-config-command.js';
import { cliEntryPoint, packageVersion, PACKAGE_ROOT, runsFromInstalledPackage } from '../../src/package-info.js';
import { captureIo } from '../helpers/cli-run.js';

const run = promisify(execFile);
let work: string;
let rootA: string;
let rootB: string;
beforeAll(async () => {
  work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-mcp-config-')));
  rootA = path.join(work, 'my pictures'); // a space, to test the shell quoting
  rootB = path.join(work, 'scans');
  await Promise.all([fs.mkdir(rootA), fs.mkdir(rootB)]);
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

async function mcpConfig(host: string, env: NodeJS.ProcessEnv = {}, roots = `${rootA}${path.delimiter}${rootB}`) {
  const io = captureIo({ TWINSEG_HOME: path.join(work, 'home'), ...env });
  const code = await runCli(['mcp-config', '--host', host, '--roots', roots], io);
  expect(code, io.err).toBe(0);
  return io;
}

interface StdioEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

function expectCheckoutEntry(entry: StdioEntry): void {
  expect(entry.command).toBe(process.execPath);
  expect(entry.args).toEqual([cliEntryPoint(), 'serve']);
  expect(existsSync(entry.args[0]!)).toBe(true);
  expect(entry.env).toEqual({ TWINSEG_ROOTS: `${rootA}${path.delimiter}${rootB}` });
}

describe('twinseg mcp-config --host claude-code', () => {
  const claude = path.join(PACKAGE_ROOT, 'node_modules', '.bin', 'claude');

  it('prints a `claude mcp add` line that the real Claude Code accepts, stores and connects with', async () => {
    expect(existsSync(claude), 'Claude Code is a devDependency (@anthropic-ai/claude-code): run npm ci').toBe(true);
    const home = path.join(work, 'claude-home');
    await fs.mkdir(home);
    // No network for Claude Code beyond what the test needs: none.
    const env = {
      ...process.env,
      HOME: home,
      PATH: `${path.dirname(claude)}${path.delimiter}${process.env.PATH}`,
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    };
    const io = await mcpConfig('claude-code');
    expect(io.out).toMatch(/^claude mcp add --scope user twinseg -e /);
    expect(io.out.trim().split('\n')).toHaveLength(1);
    expect(io.err).toMatch(/claude mcp get twinseg/);

    // In the temporary HOME, away from this checkout's own .mcp.json (a project-scope twinseg).
    await run('bash', ['-c', io.out], { env, cwd: home, timeout: 60_000 });
    const { stdout } = await run(claude, ['mcp', 'get', 'twinseg'], { env, cwd: home, timeout: 90_000 });
    expect(stdout).toMatch(/Scope: User config/);
    expect(stdout).toContain(`Command: ${process.execPath}`);
    expect(stdout).toContain(`Args: ${cliEntryPoint()} serve`);
    expect(stdout).toContain(`TWINSEG_ROOTS=${rootA}${path.delimiter}${rootB}`);
    // Claude Code started `twinseg serve` with that line and completed the MCP handshake.
    expect(stdout).toMatch(/Status: ✓ Connected/);
  });

  it('would have caught the old line: with the name after -e, Claude Code refuses it', async () => {
    const home = path.join(work, 'claude-home-old');
    await fs.mkdir(home);
    const env = { ...process.env, HOME: home, DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
    const old = run(
      claude,
      ['mcp', 'add', '--scope', 'user', '-e', `TWINSEG_ROOTS=${rootB}`, 'twinseg', '--', process.execPath, cliEntryPoint(), 'serve'],
      { env, cwd: home, timeout: 60_000 },
    );
    await expect(old).rejects.toMatchObject({ stderr: expect.stringMatching(/Invalid environment variable format: twinseg/) });
  });
});

describe('twinseg mcp-config for JSON and TOML hosts: only the configuration on stdout', () => {
  it('claude-desktop: an "mcpServers" JSON document, the file it goes in on stderr', async () => {
    const io = await mcpConfig('claude-desktop');
    expectCheckoutEntry((JSON.parse(io.out) as { mcpServers: { twinseg: StdioEntry } }).mcpServers.twinseg);
    expect(io.err).toContain(claudeDesktopConfigPath());
    expect(claudeDesktopConfigPath('darwin', '/Users/me')).toBe('/Users/me/Library/Application Support/Claude/claude_desktop_config.json');
    expect(claudeDesktopConfigPath('win32', 'C:\\Users\\me', 'C:\\Users\\me\\AppData\\Roaming')).toContain(
      path.join('Claude', 'claude_desktop_config.json'),
    );
  });

  it('cursor and json: the same "mcpServers" document; cursor names ~/.cursor/mcp.json', async () => {
    const cursor = await mcpConfig('cursor');
    expectCheckoutEntry((JSON.parse(cursor.out) as { mcpServers: { twinseg: StdioEntry } }).mcpServers.twinseg);
    expect(cursor.err).toContain(path.join('.cursor', 'mcp.json'));
    const plain = await mcpConfig('json');
    expect(JSON.parse(plain.out)).toEqual(JSON.parse(cursor.out));
  });

  it('vscode: a "servers" document whose entry says its type', async () => {
    const io = await mcpConfig('vscode');
    const entry = (JSON.parse(io.out) as { servers: { twinseg: StdioEntry & { type: string } } }).servers.twinseg;
    expect(entry.type).toBe('stdio');
    expectCheckoutEntry({ command: entry.command, args: entry.args, env: entry.env });
    expect(io.err).toContain('.vscode/mcp.json');
  });

  it('codex: TOML that a TOML parser reads back exactly, quotes and backslashes in paths included', async () => {
    const odd = path.join(work, 'a "quoted" \\ folder');
    const io = await mcpConfig('codex', {}, odd);
    const doc = parseToml(io.out) as unknown as {
      mcp_servers: { twinseg: StdioEntry & { startup_timeout_sec: number; tool_timeout_sec: number } };
    };
    const entry = doc.mcp_servers.twinseg;
    expect(entry.command).toBe(process.execPath);
    expect(entry.args).toEqual([cliEntryPoint(), 'serve']);
    expect(entry.env).toEqual({ TWINSEG_ROOTS: odd });
    expect(entry.startup_timeout_sec).toBeGreaterThanOrEqual(30);
    expect(entry.tool_timeout_sec).toBeGreaterThanOrEqual(120);
    expect(io.err).toContain(path.join('.codex', 'config.toml'));
  });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('twinseg mcp-config --host http', () => {
  it('prints a URL and bearer header that reach the server started with the line it gives on stderr', async () => {
    const port = await freePort();
    const io = await mcpConfig('http', { TWINSEG_HTTP_PORT: String(port) });
    const entry = (JSON.parse(io.out) as { mcpServers: { twinseg: { type: string; url: string; headers: Record<string, string> } } })
      .mcpServers.twinseg;
    expect(entry.type).toBe('http');
    expect(entry.url).toBe(`http://127.0.0.1:${port}/mcp`);
    expect(entry.headers.Authorization).toMatch(/^Bearer [A-Za-z0-9_-]{32}$/);
    const start = /^Start the server with:\n {2}(.+)$/m.exec(io.err)?.[1];
    expect(start).toContain(`--http ${port}`);

    const server = spawn('bash', ['-c', start!], {
      env: { ...process.env, HOME: work, TWINSEG_HOME: path.join(work, 'http-home') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let err = '';
        server.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          if (err.includes('Streamable HTTP at')) resolve();
        });
        server.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
      });
      const client = new Client({ name: 'mcp-config-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers: entry.headers } }));
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('build_digital_twin');
      await client.close();
    } finally {
      server.kill('SIGTERM');
    }
  });
});

describe('where the roots and the command come from', () => {
  it('defaults the roots to Pictures, Downloads and Desktop where they exist, plus the temp folder', async () => {
    const home = path.join(work, 'user');
    await fs.mkdir(path.join(home, 'Pictures'), { recursive: true });
    await fs.mkdir(path.join(home, 'Desktop'));
    expect(defaultRoots(home, '/tmp-x')).toEqual([path.join(home, 'Pictures'), path.join(home, 'Desktop'), '/tmp-x']);
  });

  it('starts an installed package with npx at this version, a checkout with node and absolute paths', () => {
    expect(serverEntry(['/p'], true)).toEqual({
      command: 'npx',
      args: ['-y', `twinseg@${packageVersion()}`, 'serve'],
      env: { TWINSEG_ROOTS: '/p' },
    });
    expect(serverEntry(['/p'], false).args[0]).toBe(cliEntryPoint());
    expect(runsFromInstalledPackage(path.join('/home/me/.npm/_npx/ab12/node_modules/twinseg'))).toBe(true);
    expect(runsFromInstalledPackage('/home/me/src/twinseg')).toBe(false);
    expect(runsFromInstalledPackage(PACKAGE_ROOT)).toBe(false);
  });

  it('refuses a host it does not know, listing those it does (usage, exit 2)', async () => {
    const io = captureIo({ TWINSEG_HOME: path.join(work, 'home') });
    expect(await runCli(['mcp-config', '--host', 'zed'], io)).toBe(2);
    expect(io.err).toMatch(/--host must be one of claude-code, claude-desktop, cursor, vscode, codex, http, json/);
  });
});

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli.js';
import { claudeDesktopConfigPath } from '../../src/cli/mcp-config-command.js';

function io(env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    env: { TWINSEG_HOME: path.join(os.tmpdir(), 'twinseg-cli-test-home'), ...env },
    stdout: (s: string) => void (o.out += s),
    stderr: (s: string) => void (o.err += s),
  };
  return o;
}

it('prints a JSON host config with absolute node and cli.js paths and the configured roots', async () => {
  const x = io({ TWINSEG_ROOTS: '/data/pictures' });
  expect(await runCli(['mcp-config'], x)).toBe(0);
  const entry = (JSON.parse(x.out) as { mcpServers: { twinseg: { command: string; args: string[]; env: Record<string, string> } } }).mcpServers.twinseg;
  expect(entry.command).toBe(process.execPath);
  expect(path.isAbsolute(entry.args[0]!)).toBe(true);
  expect(entry.args[0]!.endsWith(path.join('dist', 'cli.js')) || entry.args[0]!.endsWith(path.join('src', 'cli.js'))).toBe(true);
  expect(entry.args[1]).toBe('serve');
  expect(entry.env.TWINSEG_ROOTS).toBe('/data/pictures');
});

it('prints a claude mcp add line for Claude Code and the config file path for Claude Desktop', async () => {
  const code = io();
  expect(await runCli(['mcp-config', '--host', 'claude-code'], code)).toBe(0);
  expect(code.out).toMatch(/^claude mcp add --scope user -e TWINSEG_ROOTS=\S+ twinseg -- \S+ \S+cli\.js serve$/m);
  const desktop = io();
  expect(await runCli(['mcp-config', '--host', 'claude-desktop'], desktop)).toBe(0);
  expect(desktop.out).toContain('claude_desktop_config.json');
  expect(claudeDesktopConfigPath('darwin', '/Users/me')).toBe('/Users/me/Library/Application Support/Claude/claude_desktop_config.json');
  const bad = io();
  expect(await runCli(['mcp-config', '--host', 'vscode'], bad)).toBe(2);
  expect(bad.err).toMatch(/--host must be one of claude-code, claude-desktop, json/);
});

it('points at a cli.js that exists once built', async () => {
  const x = io();
  await runCli(['mcp-config'], x);
  const cli = (JSON.parse(x.out) as { mcpServers: { twinseg: { args: string[] } } }).mcpServers.twinseg.args[0]!;
  // Under vitest the command runs from src/, whose build output is dist/cli.js.
  expect(existsSync(cli.replace(`${path.sep}src${path.sep}`, `${path.sep}dist${path.sep}`).replace(/\.ts$/, '.js'))).toBe(true);
});

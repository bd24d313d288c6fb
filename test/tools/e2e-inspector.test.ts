// End-to-end through the built CLI (run `npm run build` first): a host's view of the stdio server.
// Opt-in with TWINSEG_E2E=1 because it needs dist/ (or TWINSEG_E2E_CLI) and npx to fetch the inspector.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = path.resolve(process.env.TWINSEG_E2E_CLI ?? 'dist/cli.js');
const enabled = process.env.TWINSEG_E2E === '1' && existsSync(CLI);

// --no-install: "twinseg" is not on the npm registry; npx must never fetch a stranger's package of that name.
it('mcp.json tells a host how to start the server without fetching from the registry', () => {
  const cfg = JSON.parse(readFileSync('mcp.json', 'utf8')) as { mcpServers: Record<string, { command: string; args: string[] }> };
  expect(cfg.mcpServers.twinseg).toMatchObject({ command: 'npx', args: ['--no-install', 'twinseg', 'serve'] });
  expect(cfg.mcpServers['twinseg-local']).toMatchObject({ command: 'node', args: ['dist/cli.js', 'serve'] });
});

describe.skipIf(!enabled)('built CLI over stdio', () => {
  it('serves the five tools to an SDK client, with nothing but MCP on stdout', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve'], stderr: 'pipe' });
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    // A stray non-JSON line on stdout surfaces here as a parse error.
    const errors: Error[] = [];
    client.onerror = (e) => errors.push(e);
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['build_digital_twin', 'filter_objects', 'get_mask', 'label_objects', 'segment']);
    expect(errors).toEqual([]);
    await client.close();
  });

  it('answers tools/list to the MCP inspector CLI', async () => {
    const { stdout } = await run(
      'npx',
      ['-y', '@modelcontextprotocol/inspector@0.15.0', '--cli', process.execPath, CLI, 'serve', '--method', 'tools/list'],
      { timeout: 110_000, maxBuffer: 16 << 20 },
    );
    const names = (JSON.parse(stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toContain('build_digital_twin');
    expect(names).toHaveLength(5);
  });
});

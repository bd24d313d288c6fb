// What the MCP registry (server.json) and Claude Desktop (mcpb/manifest.json) read about the package stays
// true to it: one version, one name, the tools the server has, a manifest @anthropic-ai/mcpb accepts.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { cliEntryPoint, PACKAGE_ROOT, packageVersion } from '../../src/package-info.js';
import { startHarness } from '../helpers/mcp-harness.js';

const read = (file: string) => JSON.parse(readFileSync(path.join(PACKAGE_ROOT, file), 'utf8')) as Record<string, unknown>;
const pkg = read('package.json') as { name: string; version: string; mcpName: string; bin: Record<string, string>; license: string };

it('server.json names the package and its version, as package.json says', () => {
  const server = read('server.json') as {
    name: string;
    version: string;
    packages: { identifier: string; version: string; registryType: string; packageArguments: { value: string }[] }[];
  };
  expect(server.name).toBe(pkg.mcpName);
  expect(server.version).toBe(pkg.version);
  expect(server.packages).toEqual([
    expect.objectContaining({
      registryType: 'npm',
      identifier: pkg.name,
      version: pkg.version,
      packageArguments: [expect.objectContaining({ value: 'serve' })],
    }),
  ]);
  expect(packageVersion()).toBe(pkg.version);
});

it("the Claude Desktop manifest passes `mcpb validate`, starts the bin the package declares, and lists the server's tools", async () => {
  const manifestFile = path.join(PACKAGE_ROOT, 'mcpb', 'manifest.json');
  const mcpb = path.join(PACKAGE_ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
  const { stdout } = await promisify(execFile)(process.execPath, [mcpb, 'validate', manifestFile]);
  expect(stdout).toMatch(/validation passes/);
  const manifest = read('mcpb/manifest.json') as {
    version: string;
    license: string;
    server: { entry_point: string; mcp_config: { args: string[] } };
    tools: { name: string }[];
  };
  expect(manifest.version).toBe(pkg.version);
  expect(manifest.license).toBe(pkg.license);
  expect(path.join(PACKAGE_ROOT, manifest.server.entry_point)).toBe(cliEntryPoint());
  expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/${pkg.bin.twinseg}`, 'serve']);
  const h = await startHarness();
  try {
    const names = (await h.client.listTools()).tools.map((t) => t.name).sort();
    expect(manifest.tools.map((t) => t.name).sort(), 'mcpb/manifest.json "tools" lists the tools the server has').toEqual(names);
  } finally {
    await h.close();
  }
});

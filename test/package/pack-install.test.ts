// The package as a user gets it: npm pack, installed into a fresh project from the tarball, then run through
// its bin (npx), as an MCP host would start it. Needs the npm registry (or a warm npm cache) for the
// dependencies; onnxruntime-node's install script is skipped as the README's offline note says.
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, packageVersion } from '../../src/package-info.js';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
let work: string;
let project: string;
let tarball: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-pack-')));
  project = path.join(work, 'project');
  await fs.mkdir(project);
  env = {
    ...process.env,
    ONNXRUNTIME_NODE_INSTALL: 'skip',
    TWINSEG_HOME: path.join(work, 'home'),
    TWINSEG_PRESET: 'fast',
    TWINSEG_PROVIDERS: 'cpu',
  };
  // dist/ is fresh (the suite's global setup builds it), so the pack skips prepack's clean build.
  const { stdout } = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: PACKAGE_ROOT, env });
  tarball = path.join(work, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
  await fs.writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'tries-twinseg', version: '1.0.0', private: true }));
  await run(npm, ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, env, timeout: 240_000 });
}, 300_000);
afterAll(() => fs.rm(work, { recursive: true, force: true }));

describe('the npm package', () => {
  it('ships the build, the sources its maps point at, the licence and the changelog, and nothing else of the repo', async () => {
    const { stdout } = await run(npm, ['pack', '--ignore-scripts', '--dry-run', '--json'], { cwd: PACKAGE_ROOT, env });
    const files = new Set((JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/cli.js', 'dist/cli.js.map', 'src/cli.ts'])
      expect(files, f).toContain(f);
    expect([...files].filter((f) => /^(test|bench|docs|scripts|node_modules|\.ci)\//.test(f))).toEqual([]);
    for (const map of [...files].filter((f) => f.endsWith('.js.map'))) {
      const { sources } = JSON.parse(await fs.readFile(path.join(PACKAGE_ROOT, map), 'utf8')) as { sources: string[] };
      for (const s of sources) expect(files, `${map} points at ${s}`).toContain(path.posix.join(path.posix.dirname(map), s));
    }
    const pkg = JSON.parse(await fs.readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.private).toBeUndefined();
    expect(pkg).toMatchObject({ license: 'MIT', bin: { twinseg: 'dist/cli.js' }, scripts: { prepack: expect.stringContaining('build') } });
    for (const k of ['repository', 'homepage', 'bugs', 'keywords', 'mcpName']) expect(pkg[k], k).toBeTruthy();
    expect(await fs.readFile(path.join(PACKAGE_ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('installed from the tarball, `npx twinseg --version` says the package version', async () => {
    const { stdout } = await run(npx, ['twinseg', '--version'], { cwd: project, env });
    expect(stdout).toBe(`${packageVersion()}\n`);
  });

  it('installed, `npx twinseg demo` builds a twin with the real model', async () => {
    const { stdout } = await run(npx, ['twinseg', 'demo', '--out', 'demo'], { cwd: project, env, timeout: 240_000 });
    expect(stdout).toMatch(/Built twin tw_[0-9a-f]{16}.*: \d+ objects/);
    expect(existsSync(path.join(project, 'demo', 'marks.jpg'))).toBe(true);
  });

  it('installed, mcp-config starts the server with npx at this version, not with paths into node_modules', async () => {
    const { stdout } = await run(npx, ['twinseg', 'mcp-config', '--host', 'claude-desktop', '--roots', work], { cwd: project, env });
    expect((JSON.parse(stdout) as { mcpServers: { twinseg: unknown } }).mcpServers.twinseg).toEqual({
      command: 'npx',
      args: ['-y', `twinseg@${packageVersion()}`, 'serve'],
      env: { TWINSEG_ROOTS: work },
    });
  });

  it('installed, its bin serves MCP over stdio: tools/list answers with the tools', async () => {
    const bin = path.join(project, 'node_modules', '.bin', process.platform === 'win32' ? 'twinseg.cmd' : 'twinseg');
    const transport = new StdioClientTransport({ command: bin, args: ['serve'], env: env as Record<string, string>, stderr: 'ignore' });
    const client = new Client({ name: 'pack-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()).toMatchObject({ name: 'twinseg', version: packageVersion() });
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['build_digital_twin', 'get_mask']));
    } finally {
      await client.close();
    }
  });
});

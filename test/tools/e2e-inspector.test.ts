// End to end as a host sees it: the MCP inspector CLI (a real client) spawns the built server over stdio,
// once per call, so a twin built by one process is answered by the next from the persisted cache.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawScene } from '../../src/scenes/scene.js';

const run = promisify(execFile);
const CLI = path.resolve('dist/cli.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'twinseg-e2e-'));
/** A drawn 800×534 scene, written as a PNG file inside the allowed roots. */
const PICTURE = path.join(work, 'scene.png');
const env = {
  ...process.env,
  TWINSEG_HOME: path.join(work, 'home'),
  TWINSEG_ROOTS: work,
  TWINSEG_OUTPUT_DIR: path.join(work, 'out'),
  TWINSEG_PROVIDERS: 'cpu',
};

beforeAll(async () => writeFileSync(PICTURE, (await drawScene({ seed: 7, width: 800, height: 534 })).picture.data));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface ToolResult {
  isError?: boolean;
  content: { type: string; text?: string; uri?: string; mimeType?: string }[];
  structuredContent?: Record<string, unknown>;
}

/** The `mcp-inspector` bin that `npx @modelcontextprotocol/inspector` runs, run as npx would, without npx's own start-up. */
const INSPECTOR = (() => {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@modelcontextprotocol/inspector/package.json');
  const { bin } = require(manifest) as { bin: Record<string, string> };
  return path.join(path.dirname(manifest), bin['mcp-inspector']!);
})();

/** One inspector invocation: `mcp-inspector --cli node dist/cli.js serve ...`. */
async function inspector(args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, [INSPECTOR, '--cli', process.execPath, CLI, 'serve', ...args], {
    env,
    timeout: 150_000,
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout);
}

const callTool = (name: string, toolArgs: Record<string, string>) =>
  inspector([
    '--method',
    'tools/call',
    '--tool-name',
    name,
    ...Object.entries(toolArgs).flatMap(([k, v]) => ['--tool-arg', `${k}=${v}`]),
  ]) as Promise<ToolResult>;

it(".mcp.json starts this checkout's server for Claude Code, from any working directory", async () => {
  const cfg = JSON.parse(readFileSync('.mcp.json', 'utf8')) as {
    mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }>;
  };
  const entry = cfg.mcpServers.twinseg!;
  // Claude Code expands ${VAR:-default}; do the same with the project directory set, as it does.
  const expand = (s: string) =>
    s.replace(/\$\{(\w+):-([^}]*)\}/g, (_m, k: string, d: string) => (k === 'CLAUDE_PROJECT_DIR' ? process.cwd() : (process.env[k] ?? d)));
  const transport = new StdioClientTransport({
    command: entry.command === 'node' ? process.execPath : entry.command,
    args: entry.args.map(expand),
    cwd: os.tmpdir(),
    env: { ...(env as Record<string, string>), ...Object.fromEntries(Object.entries(entry.env).map(([k, v]) => [k, expand(v)])) },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'claude-code-like', version: '1.0.0' });
  await client.connect(transport);
  expect((await client.listTools()).tools).toHaveLength(7);
  await client.close();
});

describe('built server driven by the MCP inspector CLI', () => {
  // One build, by the first server process; every call below is answered by a process of its own.
  let built: ToolResult;
  beforeAll(async () => {
    built = await callTool('build_digital_twin', { image: PICTURE, preset: 'fast' });
  });

  it('lists the six tools', async () => {
    const { tools } = (await inspector(['--method', 'tools/list'])) as { tools: { name: string }[] };
    expect(tools.map((t) => t.name).sort()).toEqual([
      'build_digital_twin',
      'detail_region',
      'filter_objects',
      'get_mask',
      'label_objects',
      'segment',
      'zoom',
    ]);
  });

  it('builds a twin of a picture, filters it and writes a mask whose area matches the object', async () => {
    expect(built.isError).toBeFalsy();
    const twinId = built.structuredContent!.twin_id as string;
    expect(twinId).toMatch(/^tw_[0-9a-f]{16}$/);
    expect(built.content.some((c) => c.type === 'image' && c.mimeType?.startsWith('image/'))).toBe(true);

    // A new server process: the twin comes back from the persisted cache.
    const filtered = await callTool('filter_objects', {
      twin_id: twinId,
      query: JSON.stringify({ where: { level: 'whole' }, sort: { by: 'area', order: 'desc' }, limit: 1 }),
    });
    expect(filtered.isError, JSON.stringify(filtered.content)).toBeFalsy();
    const objects = filtered.structuredContent!.objects as { id: number; area_pct: number }[];
    expect(objects).toHaveLength(1);
    const biggest = objects[0]!;

    const out = path.join(work, 'biggest.png');
    const mask = await callTool('get_mask', { twin_id: twinId, ids: JSON.stringify([biggest.id]), format: 'png', output_path: out });
    expect(mask.isError, JSON.stringify(mask.content)).toBeFalsy();
    const area = mask.structuredContent!.area as number;

    // The file on disk is a binary mask of the image's size whose foreground is exactly that area.
    const { data, info } = await sharp(out).greyscale().raw().toBuffer({ resolveWithObject: true });
    const meta = await sharp(PICTURE).metadata();
    expect([info.width, info.height]).toEqual([meta.width, meta.height]);
    let on = 0;
    for (const v of data) if (v >= 128) on++;
    expect(on).toBe(area);
    // And it is the object's area as the twin reports it (area_pct is rounded).
    expect(Math.abs((100 * area) / (info.width * info.height) - biggest.area_pct)).toBeLessThan(0.06);
  });

  it("sends a light marks picture, lists only its own session's twins, and serves a mask resource that equals get_mask's RLE", async () => {
    const twinId = built.structuredContent!.twin_id as string;
    const picture = built.content.find((c) => c.type === 'image') as unknown as { data: string; mimeType: string };
    expect(picture.mimeType).toBe('image/jpeg');
    expect(Buffer.from(picture.data, 'base64').subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(picture.data.length).toBeLessThan(400_000);

    // Another server process on the same home is another client: it lists none of this one's twins.
    const listed = (await inspector(['--method', 'resources/list'])) as { resources: { uri: string }[] };
    expect(listed.resources.map((r) => r.uri)).not.toContain(`twin://${twinId}`);

    const mask = await callTool('get_mask', { twin_id: twinId, ids: '[1]', format: 'rle' });
    expect(mask.isError, JSON.stringify(mask.content)).toBeFalsy();
    const link = mask.content.find((c) => c.type === 'resource_link')!;
    expect(link.uri).toMatch(new RegExp(`^twin://${twinId}/mask/`));
    // Another server process reads the resource back from the persisted twin.
    const read = (await inspector(['--method', 'resources/read', '--uri', link.uri!])) as {
      contents: { uri: string; text?: string; mimeType?: string }[];
    };
    const served = JSON.parse(read.contents[0]!.text!) as { counts: unknown; size: unknown };
    const { counts, size } = mask.structuredContent as { counts: unknown; size: unknown };
    expect(served.counts).toEqual(counts);
    expect(served.size).toEqual(size);
  });

  it('keeps answering after a bad call', async () => {
    const bad = await callTool('get_mask', { twin_id: 'tw_0000000000000000', ids: '[1]', format: 'png' });
    expect(bad.isError).toBe(true);
    expect(bad.content[0]!.text).toMatch(/build_digital_twin/);
  });
});

describe('built server over stdio with the SDK client', () => {
  it('writes nothing but MCP on stdout', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve'],
      env: env as Record<string, string>,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    const errors: Error[] = [];
    client.onerror = (e) => errors.push(e);
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(7);
    expect(errors).toEqual([]);
    await client.close();
  });
});

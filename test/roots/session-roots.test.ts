import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ListRootsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { startHttpServer } from '../../src/server/http.js';
import { narrowRoots, rootUrisToPaths } from '../../src/roots/session-roots.js';
import { RecordingTwinService, TINY_PNG } from '../helpers/recording-twin-service.js';
import { startHarness, tempDir, textOf, type Harness } from '../helpers/mcp-harness.js';

let h: Harness | undefined;
const extra: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const d of extra.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

describe("the client's MCP roots on stdio without TWINSEG_ROOTS", () => {
  it('replace the default roots when the client offers them', async () => {
    const clientRoot = await tempDir('twinseg-client-root-');
    extra.push(clientRoot);
    await fs.writeFile(path.join(clientRoot, 'c.png'), TINY_PNG);
    h = await startHarness({ clientRoots: [clientRoot], clientRootsMode: 'replace' });
    const ok = await h.call('build_digital_twin', { image: path.join(clientRoot, 'c.png') });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    const refused = await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png') });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain(clientRoot);
  });

  it('are listed again after notifications/roots/list_changed', async () => {
    const first = await tempDir('twinseg-client-a-');
    const second = await tempDir('twinseg-client-b-');
    extra.push(first, second);
    await fs.writeFile(path.join(second, 'late.png'), TINY_PNG);
    const roots = [first];
    const harness = await startHarness({ clientRoots: roots, clientRootsMode: 'replace' });
    h = harness;
    expect((await harness.call('build_digital_twin', { image: path.join(second, 'late.png') })).isError).toBe(true);
    roots.push(second);
    await harness.client.sendRootsListChanged();
    await expect.poll(async () => (await harness.call('build_digital_twin', { image: path.join(second, 'late.png') })).isError).toBeFalsy();
  });

  it('fall back to the configured roots when the client offers an empty list', async () => {
    h = await startHarness({ clientRoots: [], clientRootsMode: 'replace' });
    expect((await h.call('build_digital_twin', { image: 'photo.png' })).isError).toBeFalsy();
  });

  it('keep relative output paths in the operator output directory', async () => {
    const clientRoot = await tempDir('twinseg-client-root-');
    extra.push(clientRoot);
    await fs.writeFile(path.join(clientRoot, 'c.png'), TINY_PNG);
    h = await startHarness({ clientRoots: [clientRoot], clientRootsMode: 'replace' });
    const built = await h.call('build_digital_twin', { image: path.join(clientRoot, 'c.png') });
    const id = (built.structuredContent as { twin_id: string }).twin_id;
    const r = await h.call('get_mask', { twin_id: id, ids: [1], output_path: 'm.png' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(path.dirname((r.structuredContent as { file: { path: string } }).file.path)).toBe(path.join(h.root, 'out'));
  });
});

describe("the client's MCP roots where the operator set TWINSEG_ROOTS (and always over HTTP)", () => {
  it('narrow the server roots to the client root inside them', async () => {
    h = await narrowedHarness((r) => [path.join(r, 'mine')]);
    expect((await h.call('build_digital_twin', { image: path.join(h.root, 'mine', 'c.png') })).isError).toBeFalsy();
    const refused = await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png') });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/PATH_NOT_ALLOWED/);
  });

  it('never widen them: a client declaring "/" gets the server roots, not the disk', async () => {
    h = await narrowedHarness(() => ['/']);
    expect((await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png') })).isError).toBeFalsy();
    const outside = await h.call('build_digital_twin', { image: path.join(h.outside, 'secret.png') });
    expect(outside.isError).toBe(true);
    expect(textOf(outside)).toMatch(/PATH_NOT_ALLOWED/);
    const write = await h.call('get_mask', { twin_id: 'tw_0000000000000000', ids: [1], output_path: path.join(h.outside, 'm.png') });
    expect(write.isError).toBe(true);
  });

  it('outside the server roots leave the session nothing to read', async () => {
    h = await narrowedHarness((_root, outside) => [outside]);
    const r = await h.call('build_digital_twin', { image: path.join(h.outside, 'secret.png') });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/PATH_NOT_ALLOWED/);
    expect(h.logs.join('\n')).toMatch(/lie outside the server's/);
  });
});

describe("the client's MCP roots over HTTP", () => {
  it('arrive with the first call (asked on its stream) and narrow the server roots; "/" widens nothing', async () => {
    const base = await tempDir('twinseg-http-roots-');
    extra.push(base);
    const mine = path.join(base, 'mine');
    await fs.mkdir(mine);
    await fs.writeFile(path.join(mine, 'c.png'), TINY_PNG);
    await fs.writeFile(path.join(base, 'other.png'), TINY_PNG);
    const outside = await tempDir('twinseg-http-outside-');
    extra.push(outside);
    await fs.writeFile(path.join(outside, 'secret.png'), TINY_PNG);
    const logs: string[] = [];
    const config = loadConfig({ TWINSEG_HOME: path.join(base, '.home'), TWINSEG_ROOTS: base, TWINSEG_OUTPUT_DIR: path.join(base, 'out') });
    const app = await createAppContext(config, { twins: new RecordingTwinService(), log: (m) => logs.push(m) });
    const TOKEN = 'http-roots-test-token-0123456789';
    const handle = await startHttpServer(app, { host: '127.0.0.1', port: 0, token: TOKEN, allowedOrigins: [], maxBodyBytes: 1 << 20 });
    const connect = async (roots: string[]) => {
      const c = new Client({ name: 'roots', version: '1' }, { capabilities: { roots: { listChanged: true } } });
      c.setRequestHandler(ListRootsRequestSchema, () => ({ roots: roots.map((r) => ({ uri: pathToFileURL(r).href })) }));
      await c.connect(
        new StreamableHTTPClientTransport(new URL(handle.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }),
      );
      return c;
    };
    const build = async (c: Client, image: string) =>
      (await c.callTool({ name: 'build_digital_twin', arguments: { image } })) as CallToolResult;
    try {
      const narrow = await connect([mine]);
      // Refused on the very first call: the client's roots had arrived (the server's own would allow it).
      const first = await build(narrow, path.join(base, 'other.png'));
      expect(textOf(first)).toMatch(/^PATH_NOT_ALLOWED/);
      expect((await build(narrow, path.join(mine, 'c.png'))).isError).toBeFalsy();
      const everything = await connect(['/']);
      expect((await build(everything, path.join(base, 'other.png'))).isError).toBeFalsy();
      expect(textOf(await build(everything, path.join(outside, 'secret.png')))).toMatch(/^PATH_NOT_ALLOWED/);
      expect(logs.join('\n')).not.toMatch(/roots\/list failed/);
      await Promise.all([narrow.close(), everything.close()]);
    } finally {
      await handle.close();
    }
  });
});

/** A harness whose client offers roots computed from the harness's own root and outside folder. */
async function narrowedHarness(rootsOf: (root: string, outside: string) => string[]): Promise<Harness> {
  const roots: string[] = [];
  const harness = await startHarness({ clientRoots: roots });
  await fs.mkdir(path.join(harness.root, 'mine'), { recursive: true });
  await fs.writeFile(path.join(harness.root, 'mine', 'c.png'), TINY_PNG);
  roots.push(...rootsOf(harness.root, harness.outside));
  return harness;
}

it('narrowRoots keeps what lies inside both, and never more than the server roots', () => {
  expect(narrowRoots(['/srv/data/a', '/home/me'], ['/srv/data'])).toEqual(['/srv/data/a']);
  expect(narrowRoots(['/'], ['/srv/data', '/tmp'])).toEqual(['/srv/data', '/tmp']);
  expect(narrowRoots(['/elsewhere'], ['/srv/data'])).toEqual([]);
  expect(narrowRoots(['/srv/data2'], ['/srv/data'])).toEqual([]);
});

it('rootUrisToPaths keeps file:// roots and ignores other schemes', () => {
  expect(rootUrisToPaths(['file:///home/me/pics', 'https://example.com/x', 'file:///tmp/a%20b'])).toEqual(['/home/me/pics', '/tmp/a b']);
});

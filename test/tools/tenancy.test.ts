// Two clients of one twin store (two stdio servers sharing TWINSEG_HOME, or two HTTP sessions) see each
// other's work only by id: resources/list, image paths and image re-reads stay with the session that
// built a twin. The twin service and store are real; only the model is scripted.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ListRootsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { startHttpServer, type HttpHandle } from '../../src/server/http.js';
import { createServer } from '../../src/server/server.js';
import { TwinService } from '../../src/twin/twin-service.js';
import { LocalTwinStore } from '../../src/twin/store/twin-store.js';
import { scenePng, scriptedSegmenter } from '../helpers/recording-twin-service.js';
import { tempDir, textOf } from '../helpers/mcp-harness.js';

let work: string;
const closers: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  work = await tempDir('twinseg-tenancy-');
  for (const who of ['a', 'b']) {
    await fs.mkdir(path.join(work, 'roots', who), { recursive: true });
    await fs.writeFile(path.join(work, 'roots', who, 'photo.png'), await scenePng());
  }
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  await fs.rm(work, { recursive: true, force: true });
});

/** A server process of its own (as stdio gives each client) on the shared home, its client offering `root`. */
async function serverFor(
  who: 'a' | 'b',
): Promise<{ client: Client; root: string; call: (name: string, args: object) => Promise<CallToolResult> }> {
  const config = loadConfig({
    TWINSEG_HOME: path.join(work, 'home'),
    TWINSEG_ROOTS: path.join(work, 'roots'),
    TWINSEG_OUTPUT_DIR: path.join(work, `out-${who}`),
  });
  const store = new LocalTwinStore({ maxBytes: config.twinCacheBytes, dir: path.join(config.home, 'twins') });
  const twins = new TwinService(config, store, { segmenter: scriptedSegmenter({}), log: () => undefined });
  const app = await createAppContext(config, { twins, log: () => undefined });
  const server = createServer(app);
  const root = path.join(work, 'roots', who);
  const client = new Client({ name: who, version: '1' }, { capabilities: { roots: {} } });
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: `file://${root}` }] }));
  const [ct, st] = InMemoryTransport.createLinkedPair();
  await server.connect(st);
  await client.connect(ct);
  closers.push(
    () => client.close(),
    () => server.close(),
    () => twins.close(),
  );
  return {
    client,
    root,
    call: async (name, args) => (await client.callTool({ name, arguments: args as Record<string, unknown> })) as CallToolResult,
  };
}

const idOf = (r: CallToolResult) => (r.structuredContent as { twin_id: string }).twin_id;
// The twins listed (the view's ui:// page is listed to every client alike and holds nothing of anyone's).
const uris = async (c: Client) => (await c.listResources()).resources.map((r) => r.uri).filter((u) => u.startsWith('twin://'));

describe('two servers sharing TWINSEG_HOME', () => {
  it('list only the twins their own client built, made or was given', async () => {
    const a = await serverFor('a');
    const b = await serverFor('b');
    const built = idOf(await a.call('build_digital_twin', { image: path.join(a.root, 'photo.png') }));
    const labelled = idOf(await a.call('label_objects', { twin_id: built, labels: [{ id: 1, label: 'secret label' }] }));
    expect(await uris(a.client)).toEqual([`twin://${labelled}`, `twin://${built}`]);
    expect(await uris(b.client)).toEqual([]);
    // Given the id, b may read it; from then on it is b's to list too.
    const read = await b.client.readResource({ uri: `twin://${labelled}` });
    expect((read.contents[0] as { text: string }).text).toContain('secret label');
    expect(await uris(b.client)).toEqual([`twin://${labelled}`]);
  });

  it("show an image's path only to the client that named it", async () => {
    const a = await serverFor('a');
    const b = await serverFor('b');
    const id = idOf(await a.call('build_digital_twin', { image: path.join(a.root, 'photo.png') }));
    const view = async (c: Client) =>
      JSON.parse(((await c.readResource({ uri: `twin://${id}` })).contents[0] as { text: string }).text) as { image: object };
    expect((await view(a.client)).image).toEqual({ width: 20, height: 10, source: path.join(a.root, 'photo.png') });
    expect((await view(b.client)).image).toEqual({ width: 20, height: 10 });
    expect(JSON.stringify((await b.client.listResources()).resources)).not.toContain(a.root);
    // The same picture built by b from its own file is the same twin, named by b's path for b.
    expect(idOf(await b.call('build_digital_twin', { image: path.join(b.root, 'photo.png') }))).toBe(id);
    expect((await view(b.client)).image).toEqual({ width: 20, height: 10, source: path.join(b.root, 'photo.png') });
    expect((await view(a.client)).image).toEqual({ width: 20, height: 10, source: path.join(a.root, 'photo.png') });
  });

  it("never read another client's image file again for a caller whose roots do not hold it", async () => {
    const a = await serverFor('a');
    const b = await serverFor('b');
    const id = idOf(await a.call('build_digital_twin', { image: path.join(a.root, 'photo.png') }));
    // b's process never decoded the picture: a cut-out needs it read again, from a's path, outside b's roots.
    const cut = await b.call('get_mask', { twin_id: id, ids: [1], format: 'cutout', output_path: path.join(b.root, 'stolen.png') });
    expect(cut.isError).toBe(true);
    expect(textOf(cut)).toMatch(/^IMAGE_NOT_FOUND: The image of twin .* no file this session may read holds it/);
    await expect(fs.stat(path.join(b.root, 'stolen.png'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(b.client.readResource({ uri: `twin://${id}/mask/union-1.overlay.jpg` })).rejects.toThrow(/IMAGE_NOT_FOUND/);
    // The photo the twin view draws on, and keeping a mask as an object (its colour is read off the pixels), alike.
    await expect(b.client.readResource({ uri: `twin://${id}/photo.jpg` })).rejects.toThrow(/IMAGE_NOT_FOUND/);
    expect(textOf(await b.call('get_mask', { twin_id: id, ids: [1], keep: true }))).toMatch(/^IMAGE_NOT_FOUND/);
    // What needs no pixels (masks, the twin itself) b may have, as it holds the id.
    expect((await b.call('get_mask', { twin_id: id, ids: [1], format: 'rle' })).isError).toBeFalsy();
    // a itself, in its own process, still cuts out from memory.
    expect((await a.call('get_mask', { twin_id: id, ids: [1], format: 'cutout' })).isError).toBeFalsy();
  });
});

describe('two HTTP sessions of one server', () => {
  let handle: HttpHandle;
  const TOKEN = 'tenancy-test-token-0123456789';

  async function session(name: string): Promise<Client> {
    const c = new Client({ name, version: '1' });
    await c.connect(
      new StreamableHTTPClientTransport(new URL(handle.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }),
    );
    closers.push(() => c.close());
    return c;
  }

  it('list only their own twins, though they share the store; the view at /view is one more such session', async () => {
    const config = loadConfig({
      TWINSEG_HOME: path.join(work, 'home'),
      TWINSEG_ROOTS: path.join(work, 'roots'),
      TWINSEG_OUTPUT_DIR: path.join(work, 'out'),
    });
    const store = new LocalTwinStore({ maxBytes: config.twinCacheBytes, dir: path.join(config.home, 'twins') });
    const twins = new TwinService(config, store, { segmenter: scriptedSegmenter({}), log: () => undefined });
    const app = await createAppContext(config, { twins, log: () => undefined });
    // As `serve --http` starts it: the twin view's page at /view, whose script is an MCP client of /mcp.
    handle = await startHttpServer(app, { host: '127.0.0.1', port: 0, token: TOKEN, allowedOrigins: [], maxBodyBytes: 1 << 20, view: {} });
    closers.push(() => handle.close());
    const [a, b] = [await session('a'), await session('b')];
    const r = (await a.callTool({
      name: 'build_digital_twin',
      arguments: { image: path.join(work, 'roots', 'a', 'photo.png') },
    })) as CallToolResult;
    const id = idOf(r);
    expect(await uris(a)).toEqual([`twin://${id}`]);
    expect(await uris(b)).toEqual([]);
    expect(JSON.parse(((await b.readResource({ uri: `twin://${id}` })).contents[0] as { text: string }).text).image).toEqual({
      width: 20,
      height: 10,
    });
    // The view page's picker fills from resources/list (src/view/standalone/main.ts): a fresh page lists none of a's.
    const page = await fetch(handle.viewUrl!);
    expect(page.status).toBe(200);
    expect(await uris(await session('view'))).toEqual([]);
  });
});

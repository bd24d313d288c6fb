// TWINSEG_HTTP_STATELESS: without sessions, any replica answers any request, so a load balancer
// without affinity works; with sessions (the default) the second replica cannot know the session and
// says how to fix that. Two servers share one twin service here, as replicas share one Redis.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { startHttpServer, type HttpHandle } from '../../src/server/http.js';
import { RecordingTwinService, TINY_PNG } from '../helpers/recording-twin-service.js';
import { tempDir } from '../helpers/mcp-harness.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/round-robin-proxy.js';

const TOKEN = 'stateless-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const toolsList = { jsonrpc: '2.0', id: 2, method: 'tools/list' };

let root: string;
let app: AppContext;
const handles: HttpHandle[] = [];
const proxies: RoundRobinProxy[] = [];

async function replicas(stateless: boolean): Promise<{ url: string; proxy: RoundRobinProxy }> {
  const pair = await Promise.all(
    [0, 1].map(() =>
      startHttpServer(app, { host: '127.0.0.1', port: 0, token: TOKEN, allowedOrigins: [], maxBodyBytes: 1 << 20, stateless }),
    ),
  );
  handles.push(...pair);
  const proxy = await startRoundRobinProxy(pair.map((h) => new URL(h.url).origin));
  proxies.push(proxy);
  return { url: `${proxy.origin}/mcp`, proxy };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth, ...headers },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  root = await tempDir('twinseg-stateless-');
  await fs.writeFile(path.join(root, 'photo.png'), TINY_PNG);
  const config = loadConfig({ TWINSEG_HOME: path.join(root, '.home'), TWINSEG_ROOTS: root, TWINSEG_OUTPUT_DIR: path.join(root, 'out') });
  app = await createAppContext(config, { twins: new RecordingTwinService(), log: () => undefined });
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  for (const h of handles) await h.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('stateless HTTP (TWINSEG_HTTP_STATELESS=1)', () => {
  it('answers initialize without a session id and any later request on its own', async () => {
    const { url } = await replicas(true);
    const init = await post(url, initialize);
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    await init.body?.cancel();
    const list = await post(url, toolsList);
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('build_digital_twin');
  });

  it('refuses GET and DELETE with 405, saying to POST', async () => {
    const { url } = await replicas(true);
    for (const method of ['GET', 'DELETE']) {
      const r = await fetch(url, { method, headers: { accept: 'text/event-stream', ...auth } });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('POST');
      expect(await r.text()).toMatch(/TWINSEG_HTTP_STATELESS=1/);
    }
  });

  it('serves an SDK client whose requests alternate between two replicas: build (with progress) on one, filter, label, mask and read on the other', async () => {
    const { url, proxy } = await replicas(true);
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: auth } });
    const client = new Client({ name: 'behind-a-balancer', version: '1.0.0' });
    await client.connect(transport);
    try {
      const call = async (name: string, args: Record<string, unknown>) => {
        const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
        expect(r.isError, `${name}: ${JSON.stringify(r.content)}`).toBeFalsy();
        return r.structuredContent as Record<string, unknown>;
      };
      // Progress rides on the call's own response stream, which stateless mode keeps.
      const progress: number[] = [];
      const build = (await client.callTool({ name: 'build_digital_twin', arguments: { image: 'photo.png' } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      })) as CallToolResult;
      expect(build.isError, JSON.stringify(build.content)).toBeFalsy();
      expect(progress).toEqual([1, 2, 3]);
      const id = (build.structuredContent as { twin_id: string }).twin_id;
      await call('filter_objects', { twin_id: id, query: { where: { level: 'whole' } } });
      const labelled = await call('label_objects', { twin_id: id, labels: [{ id: 1, label: 'sky' }] });
      expect(labelled.twin_id).not.toBe(id);
      await call('get_mask', { twin_id: labelled.twin_id, ids: [1], format: 'rle' });
      const read = await client.readResource({ uri: `twin://${labelled.twin_id as string}` });
      expect((read.contents[0] as { text: string }).text).toContain('sky');
      expect(proxy.counts.every((n) => n >= 3)).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('sessions (the default) behind a load balancer without affinity', () => {
  it('answers a session id another replica issued with 404 that names the two fixes', async () => {
    const { url } = await replicas(false);
    const init = await post(url, initialize);
    const session = init.headers.get('mcp-session-id');
    expect(session).toBeTruthy();
    await init.body?.cancel();
    const other = await post(url, toolsList, { 'mcp-session-id': session! });
    expect(other.status).toBe(404);
    expect(await other.text()).toMatch(/route each Mcp-Session-Id to one replica, or run the replicas with TWINSEG_HTTP_STATELESS=1/);
  });
});

import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { startHttpServer, type HttpHandle } from '../../src/server/http.js';
import { RecordingTwinService, TINY_PNG } from '../helpers/recording-twin-service.js';
import { tempDir } from '../helpers/mcp-harness.js';

const TOKEN = 'test-token-0123456789abcdef';
let handle: HttpHandle;
let root: string;

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

function post(headers: Record<string, string>, body: unknown = initialize): Promise<Response> {
  return fetch(handle.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
}

async function connectClient(name: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(handle.url), {
    requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
  });
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

beforeAll(async () => {
  root = await tempDir('twinseg-http-');
  await fs.writeFile(path.join(root, 'photo.png'), TINY_PNG);
  const config = loadConfig({ TWINSEG_HOME: path.join(root, '.home'), TWINSEG_ROOTS: root, TWINSEG_OUTPUT_DIR: path.join(root, 'out') });
  const app = await createAppContext(config, { twins: new RecordingTwinService(), log: () => undefined });
  handle = await startHttpServer(app, {
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    allowedOrigins: ['https://trusted.example'],
    maxBodyBytes: 1 << 20,
  });
});
afterAll(async () => {
  await handle?.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('Streamable HTTP transport', () => {
  it('listens on loopback under /mcp', () => {
    expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it('answers 401 without a token or with a wrong one', async () => {
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await post({ authorization: 'Bearer wrong-token-000000000000' })).status).toBe(401);
  });

  it('answers 403 to a foreign Origin even with the right token', async () => {
    const r = await post({ authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(await r.text()).toMatch(/TWINSEG_ALLOWED_ORIGINS/);
  });

  it('accepts loopback and configured origins', async () => {
    for (const origin of ['http://localhost:5173', 'https://trusted.example']) {
      const r = await post({ authorization: `Bearer ${TOKEN}`, origin });
      expect(r.status).toBe(200);
      expect(r.headers.get('mcp-session-id')).toBeTruthy();
      await r.body?.cancel();
    }
  });

  it('answers 404 for an unknown session and 400 for a request without one', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    expect((await post({ ...auth, 'mcp-session-id': 'no-such-session' }, list)).status).toBe(404);
    expect((await post(auth, list)).status).toBe(400);
  });

  it('gives two concurrent clients their own sessions, both served', async () => {
    const a = await connectClient('a');
    const b = await connectClient('b');
    expect(a.transport.sessionId).toBeTruthy();
    expect(b.transport.sessionId).toBeTruthy();
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
    const [ra, rb] = (await Promise.all([
      a.client.callTool({ name: 'build_digital_twin', arguments: { image: 'photo.png' } }),
      b.client.callTool({ name: 'build_digital_twin', arguments: { image: path.join(root, 'photo.png') } }),
    ])) as CallToolResult[];
    expect(ra!.isError).toBeFalsy();
    expect(rb!.isError).toBeFalsy();
    const before = handle.sessionCount();
    await a.transport.terminateSession();
    await a.client.close();
    await expect.poll(() => handle.sessionCount()).toBe(before - 1);
    const { tools } = await b.client.listTools();
    expect(tools).toHaveLength(7);
    await b.client.close();
  });
});

describe('session housekeeping', () => {
  it('closes sessions left idle and refuses new ones over the cap with 503', async () => {
    const config = loadConfig({ TWINSEG_HOME: path.join(root, '.home'), TWINSEG_ROOTS: root });
    const app = await createAppContext(config, { twins: new RecordingTwinService(), log: () => undefined });
    const h = await startHttpServer(app, {
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      allowedOrigins: [],
      maxBodyBytes: 1 << 20,
      sessionIdleMs: 1000,
      maxSessions: 1,
    });
    const open = (): Promise<Response> =>
      fetch(h.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(initialize),
      });
    try {
      const first = await open();
      expect(first.status).toBe(200);
      await first.body?.cancel();
      const second = await open();
      expect(second.status).toBe(503);
      await expect.poll(() => h.sessionCount(), { timeout: 5000 }).toBe(0);
      const third = await open();
      expect(third.status).toBe(200);
      await third.body?.cancel();
    } finally {
      await h.close();
    }
  });
});

describe('idle connections', () => {
  // A client reuses an idle connection until about the keep-alive timeout the server advertises; a
  // server that closes it at about that time too makes some calls fail on a busy machine.
  it('stay open well past the keep-alive timeout the server advertises, so the client lets go first', async () => {
    const socket = net.connect(handle.port, '127.0.0.1');
    let received = '';
    let closed = false;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    socket.on('close', () => (closed = true));
    const ask = async (): Promise<string> => {
      const from = received.length;
      socket.write('GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await expect.poll(() => received.slice(from).includes('"id":null}') || closed, { timeout: 10_000 }).toBe(true);
      return received.slice(from);
    };
    try {
      const advertised = Number(/^keep-alive: timeout=(\d+)/im.exec(await ask())?.[1]);
      expect(advertised).toBeGreaterThan(0);
      // Node itself waits a second past what it advertises; the server must wait longer than that.
      await new Promise((r) => setTimeout(r, advertised * 1000 + 2000));
      expect(closed).toBe(false);
      expect(await ask()).toMatch(/^HTTP\/1\.1 404/);
    } finally {
      socket.destroy();
    }
  });
});

describe('cancelled requests', () => {
  it('end the response stream of a call its client cancelled, so no connection stays held for it', async () => {
    const recording = new RecordingTwinService({ blockUntilAborted: true });
    const config = loadConfig({ TWINSEG_HOME: path.join(root, '.home'), TWINSEG_ROOTS: root });
    const app = await createAppContext(config, { twins: recording, log: () => undefined });
    const h = await startHttpServer(app, { host: '127.0.0.1', port: 0, token: TOKEN, allowedOrigins: [], maxBodyBytes: 1 << 20 });
    const send = async (body: unknown, sid?: string) =>
      fetch(h.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${TOKEN}`,
          ...(sid ? { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' } : {}),
        },
        body: JSON.stringify(body),
      });
    try {
      const init = await send(initialize);
      const sid = init.headers.get('mcp-session-id')!;
      await init.text();
      await (await send({ jsonrpc: '2.0', method: 'notifications/initialized' }, sid)).text();
      const call = await send(
        {
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: { name: 'build_digital_twin', arguments: { image: path.join(root, 'photo.png') } },
        },
        sid,
      );
      expect(call.headers.get('content-type')).toMatch(/text\/event-stream/);
      await expect.poll(() => recording.calls.length).toBe(1);
      const cancelled = await send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'user' } }, sid);
      expect(cancelled.status).toBe(202);
      // The stream ends (a reader that never finished would hang here), with no response in it.
      expect(await call.text()).not.toMatch(/"id":7/);
      expect(recording.abortedSignal?.aborted).toBe(true);
    } finally {
      await h.close();
    }
  });
});

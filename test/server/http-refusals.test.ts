// Every way a request to the Streamable HTTP endpoint can be wrong, each refused with the right
// status and a message that says what to do, with raw node:http requests so headers and bodies are
// exactly what a hostile or careless client sends. The server keeps serving good clients after.
import http from 'node:http';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { startHttpServer, type HttpHandle } from '../../src/server/http.js';
import { RecordingTwinService, TINY_PNG } from '../helpers/recording-twin-service.js';
import { tempDir } from '../helpers/mcp-harness.js';

const TOKEN = 'refusals-token-0123456789abcdef';
const MAX_BODY = 4096;
let handle: HttpHandle;
let root: string;

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

interface Answer {
  status: number;
  message: string;
  headers: http.IncomingHttpHeaders;
}

/** One raw request; `body` as a string, or a number of bytes to stream in 1 kB chunks without a length. */
function request(
  opts: { method?: string; query?: string; headers?: Record<string, string>; body?: string | { chunkedBytes: number } } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...opts.headers,
    };
    for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
    const req = http.request(`${handle.url}${opts.query ?? ''}`, { method: opts.method ?? 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let message = text;
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, message, headers: res.headers });
      });
    });
    req.on('error', reject);
    const body = opts.body ?? (opts.method === 'GET' || opts.method === 'DELETE' ? undefined : initialize);
    if (typeof body === 'object') {
      for (let sent = 0; sent < body.chunkedBytes; sent += 1024) req.write('x'.repeat(1024));
      req.end();
    } else req.end(body);
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  root = await tempDir('twinseg-http-refusals-');
  await fs.writeFile(path.join(root, 'photo.png'), TINY_PNG);
  const config = loadConfig({ TWINSEG_HOME: path.join(root, '.home'), TWINSEG_ROOTS: root, TWINSEG_OUTPUT_DIR: path.join(root, 'out') });
  const app = await createAppContext(config, { twins: new RecordingTwinService(), log: () => undefined });
  handle = await startHttpServer(app, {
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    allowedOrigins: ['https://trusted.example'],
    maxBodyBytes: MAX_BODY,
  });
});
afterAll(async () => {
  await handle?.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('HTTP refusals', () => {
  it('401 without a token, with a wrong one, with another scheme, and with the token only in the query string', async () => {
    const cases: Record<string, Parameters<typeof request>[0]> = {
      'no token': {},
      'wrong token': { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } },
      'token without scheme': { headers: { authorization: TOKEN } },
      'basic scheme': { headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } },
      'token in query': { query: `?token=${TOKEN}&access_token=${TOKEN}&authorization=Bearer%20${TOKEN}` },
      'token with a suffix': { headers: { authorization: `Bearer ${TOKEN}x` } },
    };
    for (const [name, opts] of Object.entries(cases)) {
      const r = await request(opts);
      expect(r.status, name).toBe(401);
      expect(r.headers['www-authenticate'], name).toMatch(/^Bearer/);
      expect(r.message, name).toMatch(/Send "Authorization: Bearer <token>"/);
    }
  });

  it('403 to a foreign, a "null" and a look-alike Origin, even with the right token', async () => {
    for (const origin of ['http://evil.example', 'null', 'http://localhost.evil.example', 'file://', 'https://trusted.example.evil']) {
      const r = await request({ headers: { ...auth, origin } });
      expect(r.status, origin).toBe(403);
      expect(r.message, origin).toMatch(/is not allowed\. Add it to TWINSEG_ALLOWED_ORIGINS/);
    }
  });

  it('413 for a body over the limit, refused from its Content-Length or as it streams', async () => {
    for (const body of ['x'.repeat(MAX_BODY + 1), 'x'.repeat(5_000_000), { chunkedBytes: 64 * 1024 }]) {
      const r = await request({ headers: auth, body });
      expect(r.status).toBe(413);
      expect(r.message).toMatch(/over 4096 bytes; pass large images by path/);
    }
  });

  it('400 for malformed JSON and an empty body, 415 for another content type, 406 without the right Accept', async () => {
    for (const body of ['{"jsonrpc":', '', '\u0000', '{"a":1}}']) {
      const r = await request({ headers: auth, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.message).toMatch(/not valid JSON/);
    }
    const plain = await request({ headers: { ...auth, 'content-type': 'text/plain' } });
    expect(plain.status).toBe(415);
    expect(plain.message).toMatch(/Content-Type must be application\/json/);
    const noAccept = await request({ headers: { ...auth, accept: '' } });
    expect(noAccept.status).toBe(406);
    expect(noAccept.message).toMatch(/accept both application\/json and text\/event-stream/);
  });

  it('404 for an unknown session id on POST, GET and DELETE; 400 for a request without a session', async () => {
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    for (const method of ['POST', 'GET', 'DELETE']) {
      const r = await request({
        method,
        headers: { ...auth, 'mcp-session-id': 'no-such-session' },
        body: method === 'POST' ? list : undefined,
      });
      expect(r.status, method).toBe(404);
      expect(r.message, method).toMatch(/Unknown or expired session; start a new one with initialize/);
    }
    for (const [method, body] of [
      ['POST', list],
      ['GET', undefined],
      ['POST', '[]'],
      ['POST', `[${initialize}]`],
    ] as const) {
      const r = await request({ method, headers: auth, body });
      expect(r.status, `${method} ${body}`).toBe(400);
      expect(r.message).toMatch(/send an initialize request first/);
    }
  });

  it('404 off the MCP path, before any check', async () => {
    const r = await request({ query: '/../../etc/passwd' });
    expect([r.status, r.message]).toEqual([404, 'Not found; the MCP endpoint is /mcp.']);
  });

  it('still serves a well-behaved client after all of that', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(handle.url), { requestInit: { headers: auth } });
    const client = new Client({ name: 'good', version: '1.0.0' });
    await client.connect(transport);
    const r = await client.callTool({ name: 'build_digital_twin', arguments: { image: 'photo.png' } });
    expect(r.isError).toBeFalsy();
    await client.close();
  });
});

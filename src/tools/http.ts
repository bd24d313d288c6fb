// MCP over Streamable HTTP: loopback by default, bearer token required, Origin checked, and one
// McpServer + transport per session so several clients work at once.
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { AppContext } from '../app-context.js';
import { checkHttpExposure } from '../config.js';
import { bearerMatches, generateToken, originAllowed } from './http-guards.js';
import { createServer } from './server.js';

export const MCP_PATH = '/mcp';

export interface HttpOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Generated when absent (loopback hosts only); read it back from the handle. */
  token?: string;
  allowedOrigins: readonly string[];
  /** Largest request body; a base64 image is about 4/3 of its bytes. */
  maxBodyBytes: number;
  /** Sessions unused this long are closed (clients that vanish without DELETE). Default 30 min. */
  sessionIdleMs?: number;
  /** More concurrent sessions than this are refused with 503. Default 64. */
  maxSessions?: number;
}

export interface HttpHandle {
  url: string;
  port: number;
  token: string;
  sessionCount(): number;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  lastSeen: number;
}

function jsonError(res: ServerResponse, status: number, message: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...extraHeaders });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

class BodyTooLarge extends Error {}

/**
 * Reads a JSON body of at most `limit` bytes. A larger one is refused from its Content-Length before
 * reading, or as soon as it passes the limit; the rest is read and dropped (not kept), so the client
 * finishes sending and gets the 413 instead of a reset connection.
 */
function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number.isFinite(declared) && declared > limit;
    if (over) {
      reject(new BodyTooLarge());
      req.resume();
      return;
    }
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (over) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

export async function startHttpServer(
  app: AppContext,
  opts: HttpOptions,
  makeServer: (app: AppContext) => McpServer = (a) => createServer(a),
): Promise<HttpHandle> {
  checkHttpExposure(opts.host, opts.token); // a generated token is for loopback only
  const token = opts.token ?? generateToken();
  const sessions = new Map<string, Session>();
  const idleMs = opts.sessionIdleMs ?? 30 * 60_000;
  const maxSessions = opts.maxSessions ?? 64;
  const sweeper = setInterval(() => {
    const cutoff = Date.now() - idleMs;
    for (const [id, s] of sessions) {
      if (s.lastSeen >= cutoff) continue;
      sessions.delete(id);
      s.server.close().catch(() => undefined);
    }
  }, Math.min(60_000, idleMs));
  sweeper.unref();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== MCP_PATH) return jsonError(res, 404, `Not found; the MCP endpoint is ${MCP_PATH}.`);
    if (!originAllowed(req.headers.origin, opts.allowedOrigins)) {
      return jsonError(res, 403, `Origin ${req.headers.origin} is not allowed. Add it to TWINSEG_ALLOWED_ORIGINS to permit it.`);
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      return jsonError(res, 401, 'Missing or wrong bearer token. Send "Authorization: Bearer <token>" (TWINSEG_TOKEN).', {
        'www-authenticate': 'Bearer realm="twinseg"',
      });
    }

    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = await readJson(req, opts.maxBodyBytes);
      } catch (e) {
        if (e instanceof BodyTooLarge) {
          return jsonError(res, 413, `Request body over ${opts.maxBodyBytes} bytes; pass large images by path.`, { connection: 'close' });
        }
        return jsonError(res, 400, 'Request body is not valid JSON.');
      }
    }

    const sid = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sid) ? sid[0] : sid;
    if (sessionId !== undefined) {
      const s = sessions.get(sessionId);
      if (!s) return jsonError(res, 404, 'Unknown or expired session; start a new one with initialize.');
      s.lastSeen = Date.now();
      return s.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonError(res, 400, 'No session: send an initialize request first, then the Mcp-Session-Id header it returns.');
    }

    if (sessions.size >= maxSessions) {
      return jsonError(res, 503, `Too many open sessions (${maxSessions}); close idle clients or retry later.`);
    }
    const server = makeServer(app);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, lastSeen: Date.now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      app.log(`twinseg: HTTP request failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      jsonError(res, 500, 'Internal server error.');
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port, opts.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  return {
    url: `http://${hostForUrl}:${port}${MCP_PATH}`,
    port,
    token,
    sessionCount: () => sessions.size,
    close: async () => {
      clearInterval(sweeper);
      for (const s of [...sessions.values()]) await s.server.close().catch(() => undefined);
      sessions.clear();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

// MCP over Streamable HTTP: loopback by default, bearer token required, Origin checked, and one
// McpServer + transport per session so several clients work at once. Sessions live in this process;
// replicas behind a load balancer without session affinity run stateless instead (one McpServer +
// transport per request, no Mcp-Session-Id), so that any replica answers any request. Given `view`,
// it also serves the twin view for a browser under /view (view-pages.ts), with the same guards.
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CancelledNotificationSchema, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { AppContext } from '../app-context.js';
import { checkHttpExposure } from '../config.js';
import { fromListenError } from '../errors.js';
import { bearerMatches, generateToken, originAllowed } from './http-guards.js';
import { createServer } from './server.js';
import { answerViewRequest, isViewPath, VIEW_PATH } from './view-pages.js';
import type { ViewSession } from './view-session.js';

export const MCP_PATH = '/mcp';

/**
 * Idle connections: clients are told 5 s (Node's default) and the server keeps them 30 s. A client
 * reuses an idle connection until about the time it was told; were the server to close it then too, a
 * client or server held up by a busy machine sends a request into a closing connection and the call
 * fails ("fetch failed": 72 of 20,000 calls in the soak, npm run stress). With the margin the client
 * always lets go first.
 */
export const KEEP_ALIVE_ADVERTISED_S = 5;
const KEEP_ALIVE_KEPT_MS = 30_000;

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
  /** No sessions: each POST is answered on its own (TWINSEG_HTTP_STATELESS=1). */
  stateless?: boolean;
  /** Serve the twin view for a browser at /view, opening on this session (view-pages.ts). */
  view?: ViewSession;
}

export interface HttpHandle {
  url: string;
  /** The view's page, when `view` was given. */
  viewUrl?: string;
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

type MakeServer = (app: AppContext) => McpServer;

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

/** The open MCP sessions, closed when idle for too long or when the server stops. */
class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly idleMs: number,
    readonly max: number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, idleMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    const s = this.sessions.get(id);
    if (s) s.lastSeen = Date.now();
    return s;
  }

  add(id: string, transport: StreamableHTTPServerTransport, server: McpServer): void {
    this.sessions.set(id, { transport, server, lastSeen: Date.now() });
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [id, s] of this.sessions) {
      if (s.lastSeen >= cutoff) continue;
      this.sessions.delete(id);
      s.server.close().catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    for (const s of [...this.sessions.values()]) await s.server.close().catch(() => undefined);
    this.sessions.clear();
  }
}

/** Origin, path and token checks; answers the request and returns false when it must not go further. */
function admitted(req: IncomingMessage, res: ServerResponse, opts: HttpOptions, token: string): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== MCP_PATH) {
    jsonError(res, 404, `Not found; the MCP endpoint is ${MCP_PATH}.`);
    return false;
  }
  if (!originAllowed(req.headers.origin, opts.allowedOrigins)) {
    jsonError(res, 403, `Origin ${req.headers.origin} is not allowed. Add it to TWINSEG_ALLOWED_ORIGINS to permit it.`);
    return false;
  }
  if (!bearerMatches(req.headers.authorization, token)) {
    jsonError(res, 401, 'Missing or wrong bearer token. Send "Authorization: Bearer <token>" (TWINSEG_TOKEN).', {
      'www-authenticate': 'Bearer realm="twinseg"',
    });
    return false;
  }
  return true;
}

/** The parsed body of a POST (undefined for GET/DELETE), or undefined after answering an error. */
async function bodyOf(req: IncomingMessage, res: ServerResponse, limit: number): Promise<{ body: unknown } | undefined> {
  if (req.method !== 'POST') return { body: undefined };
  try {
    return { body: await readJson(req, limit) };
  } catch (e) {
    if (e instanceof BodyTooLarge)
      jsonError(res, 413, `Request body over ${limit} bytes; pass large images by path.`, { connection: 'close' });
    else jsonError(res, 400, 'Request body is not valid JSON.');
    return undefined;
  }
}

/** An initialize request opens a new session with its own McpServer and transport. */
async function openSession(
  app: AppContext,
  sessions: SessionTable,
  makeServer: MakeServer,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  if (req.method !== 'POST' || !isInitializeRequest(body)) {
    return jsonError(res, 400, 'No session: send an initialize request first, then the Mcp-Session-Id header it returns.');
  }
  if (sessions.size >= sessions.max) {
    return jsonError(res, 503, `Too many open sessions (${sessions.max}); close idle clients or retry later.`);
  }
  const server = makeServer(app);
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => sessions.add(id, transport, server),
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await server.connect(transport);
  endStreamsOfCancelledRequests(transport);
  await transport.handleRequest(req, res, body);
}

/**
 * Stateless: a fresh McpServer and transport for this one POST, closed with its response. Without a
 * session there is no event stream to GET and nothing to DELETE; the client's roots are not asked for
 * (the configured roots apply), resources/list lists nothing (no session owns a twin) and a cancellation,
 * arriving as its own POST, finds nothing to cancel.
 */
async function answerStateless(
  app: AppContext,
  makeServer: MakeServer,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  if (req.method !== 'POST') {
    return jsonError(
      res,
      405,
      'This server runs without sessions (TWINSEG_HTTP_STATELESS=1): send every request as a POST; there is no event stream.',
      {
        allow: 'POST',
      },
    );
  }
  const server = makeServer(app);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close().catch(() => undefined);
    void server.close().catch(() => undefined);
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

/**
 * A cancelled request gets no response (MCP says so), and the SDK keeps a request's SSE stream open
 * until its response is sent: without this, every cancelled call would hold its stream and the
 * connection under it until the session ends. The stream is ended once the cancel has been handled.
 */
function endStreamsOfCancelledRequests(transport: StreamableHTTPServerTransport): void {
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    deliver?.(message, extra);
    const cancel = CancelledNotificationSchema.safeParse(message);
    const id = cancel.success ? cancel.data.params.requestId : undefined;
    if (id !== undefined) setImmediate(() => transport.closeSSEStream(id));
  };
}

async function listen(server: http.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const refused = (e: unknown) => reject(fromListenError(e, host, port));
    server.once('error', refused);
    server.listen(port, host, () => {
      server.off('error', refused);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function startHttpServer(
  app: AppContext,
  opts: HttpOptions,
  // A token holder on a shared server must not reach past the operator's roots by declaring "/".
  makeServer: MakeServer = (a) => createServer(a, { clientRoots: 'narrow' }),
): Promise<HttpHandle> {
  checkHttpExposure(opts.host, opts.token); // a generated token is for loopback only
  const token = opts.token ?? generateToken();
  const sessions = new SessionTable(opts.sessionIdleMs ?? 30 * 60_000, opts.maxSessions ?? 64);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Set by hand, it replaces the header Node would derive from keepAliveTimeout.
    res.setHeader('keep-alive', `timeout=${KEEP_ALIVE_ADVERTISED_S}`);
    if (opts.view && isViewPath(new URL(req.url ?? '/', 'http://localhost').pathname)) {
      return answerViewRequest(req, res, opts.view, { token, allowedOrigins: opts.allowedOrigins });
    }
    if (!admitted(req, res, opts, token)) return;
    const parsed = await bodyOf(req, res, opts.maxBodyBytes);
    if (!parsed) return;
    if (opts.stateless) return answerStateless(app, makeServer, req, res, parsed.body);
    const sid = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sid) ? sid[0] : sid;
    if (sessionId === undefined) return openSession(app, sessions, makeServer, req, res, parsed.body);
    const s = sessions.get(sessionId);
    if (!s) {
      return jsonError(
        res,
        404,
        'Unknown or expired session; start a new one with initialize. Sessions live in one server process: behind a load balancer, ' +
          'route each Mcp-Session-Id to one replica, or run the replicas with TWINSEG_HTTP_STATELESS=1.',
      );
    }
    return s.transport.handleRequest(req, res, parsed.body);
  };

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      app.log(`twinseg: HTTP request failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      jsonError(res, 500, 'Internal server error.');
    });
  });
  httpServer.keepAliveTimeout = KEEP_ALIVE_KEPT_MS;
  const port = await listen(httpServer, opts.port, opts.host);
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${hostForUrl}:${port}${MCP_PATH}`,
    ...(opts.view ? { viewUrl: `http://${hostForUrl}:${port}${VIEW_PATH}` } : {}),
    port,
    token,
    sessionCount: () => sessions.size,
    close: async () => {
      await sessions.closeAll();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

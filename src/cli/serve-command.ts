// `twinseg serve`: the MCP server on stdio (default) or Streamable HTTP.
import type { AppContext } from '../app-context.js';
import { createAppContext } from '../app-context.js';
import { checkHttpExposure, isLoopbackHost, maxRequestBytes, type Config } from '../config.js';
import type { HttpOptions } from '../server/http.js';
import { lineLog, parseCommandArgs, UsageError, type CliCommand, type CliIo } from './cli-io.js';

export type StopReason = 'SIGINT' | 'SIGTERM' | 'closed';

/** Resolves on Ctrl-C or SIGTERM: a server runs until then. */
export function untilSignal(): Promise<StopReason> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** SIGTERM (how hosts and supervisors stop a server) ends it with 0; Ctrl-C with 130, as a shell expects. */
export const exitCodeFor = (reason: StopReason) => (reason === 'SIGINT' ? 130 : 0);

/** The HTTP transport's settings from the configuration: one set of rules for `serve --http` and `view`. */
export function httpSettings(config: Config, host: string, port: number): HttpOptions {
  return {
    host,
    port,
    token: config.http.token,
    allowedOrigins: config.http.allowedOrigins,
    maxBodyBytes: maxRequestBytes(config),
    stateless: config.http.stateless,
  };
}

async function serveHttp(app: AppContext, config: Config, io: CliIo, port: number, host: string): Promise<StopReason> {
  const { startHttpServer } = await import('../server/http.js');
  const handle = await startHttpServer(app, { ...httpSettings(config, host, port), view: {} });
  io.stderr(
    `twinseg: MCP over Streamable HTTP at ${handle.url}${config.http.stateless ? ' (stateless: no sessions, any replica answers)' : ''}\n`,
  );
  io.stderr(`twinseg: the twin view for a browser at ${handle.viewUrl}#token=<token>\n`);
  if (!isLoopbackHost(host))
    io.stderr(`twinseg: listening on ${host}, reachable from other machines; every request needs the bearer token\n`);
  if (!config.http.token) io.stderr(`twinseg: bearer token (set TWINSEG_TOKEN to choose it): ${handle.token}\n`);
  const reason = await untilSignal();
  await handle.close();
  return reason;
}

async function serveStdio(app: AppContext, config: Config, io: CliIo): Promise<StopReason> {
  // Anything a dependency prints with console.log would corrupt the JSON-RPC stream.
  console.log = console.error;
  console.info = console.error;
  const { BoundedStdioTransport } = await import('../server/stdio-transport.js');
  const { createServer } = await import('../server/server.js');
  const server = createServer(app);
  // Transport and protocol errors (an oversized or malformed line, a failed write) go to stderr.
  server.server.onerror = (e) => app.log(`twinseg: stdio: ${e.message.slice(0, 500)}`);
  const transport = new BoundedStdioTransport({ maxMessageBytes: maxRequestBytes(config) });
  await server.connect(transport);
  // stderr only: a person who started it by hand learns it is up and what it may read.
  io.stderr(`twinseg: MCP server on stdio (model ${config.model} loads on the first build); roots: ${config.roots.join(', ')}\n`);
  const reason = await new Promise<StopReason>((resolve) => {
    let stopped = false;
    const stop = (reason: StopReason, why: string) => {
      if (stopped) return;
      stopped = true;
      app.log(`twinseg: stopping: ${why}`);
      resolve(reason);
    };
    // The server's onclose, not the transport's: connect() hooks the transport's for the protocol.
    server.server.onclose = () => stop('closed', 'the transport closed');
    process.stdin.once('end', () => stop('closed', 'the client closed stdin'));
    void untilSignal().then((signal) => stop(signal, signal));
  });
  await server.close().catch(() => undefined);
  return reason;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Run the MCP server (stdio by default; Streamable HTTP with --http)',
  usage: 'serve [--http PORT] [--host HOST]',
  help: [
    'Options:',
    '  --http PORT   Serve MCP over Streamable HTTP at http://HOST:PORT/mcp instead of stdio (0 picks a free port)',
    '  --host HOST   Address to listen on with --http (default 127.0.0.1; TWINSEG_HTTP_HOST)',
    '',
    'Over stdio, stdout carries only MCP; messages go to stderr. Over HTTP a bearer token is required',
    '(TWINSEG_TOKEN, or one generated and printed at start). A HOST other than a loopback address',
    '(127.x.x.x, ::1, localhost) is refused unless TWINSEG_TOKEN is set.',
  ].join('\n'),
  async run(args, io, config) {
    const { values } = parseCommandArgs(args, { http: { type: 'string' }, host: { type: 'string' } });
    const port = values.http === undefined ? undefined : Number(values.http);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new UsageError(`--http needs a port number; got "${values.http}".`);
    }
    const cfg = config();
    const host = values.host ?? cfg.http.host;
    if (port !== undefined) checkHttpExposure(host, cfg.http.token);
    const app = await createAppContext(cfg, { log: lineLog(io) });
    // A long-running server outlives any one request: a promise someone forgot to await is a bug to
    // log, not a reason to drop every client (Node's default would exit).
    process.on('unhandledRejection', (e) => {
      app.log(`twinseg: unhandled rejection (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    });
    let reason: StopReason;
    try {
      reason = port !== undefined ? await serveHttp(app, cfg, io, port, host) : await serveStdio(app, cfg, io);
    } finally {
      await app.close();
    }
    return exitCodeFor(reason);
  },
};

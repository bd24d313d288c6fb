// `twinseg serve`: the MCP server on stdio (default) or Streamable HTTP.
import type { AppContext } from '../app-context.js';
import { createAppContext } from '../app-context.js';
import { checkHttpExposure, isLoopbackHost, type Config } from '../config.js';
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
    // A base64 image is about 4/3 of its bytes, plus the JSON-RPC around it.
    maxBodyBytes: Math.ceil((config.maxImageBytes * 4) / 3) + 1024 * 1024,
    stateless: config.http.stateless,
  };
}

async function serveHttp(app: AppContext, config: Config, io: CliIo, port: number, host: string): Promise<StopReason> {
  const { startHttpServer } = await import('../server/http.js');
  const handle = await startHttpServer(app, { ...httpSettings(config, host, port), view: {} });
  io.stderr(`twinseg: MCP over Streamable HTTP at ${handle.url}${config.http.stateless ? ' (stateless: no sessions, any replica answers)' : ''}\n`);
  io.stderr(`twinseg: the twin view for a browser at ${handle.viewUrl}#token=<token>\n`);
  if (!isLoopbackHost(host)) io.stderr(`twinseg: listening on ${host}, reachable from other machines; every request needs the bearer token\n`);
  if (!config.http.token) io.stderr(`twinseg: bearer token (set TWINSEG_TOKEN to choose it): ${handle.token}\n`);
  const reason = await untilSignal();
  await handle.close();
  return reason;
}

async function serveStdio(app: AppContext, config: Config, io: CliIo): Promise<StopReason> {
  // Anything a dependency prints with console.log would corrupt the JSON-RPC stream.
  console.log = console.error;
  console.info = console.error;
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const { createServer } = await import('../server/server.js');
  const server = createServer(app);
  const transport = new StdioServerTransport();
  await server.connect(transport);
  // stderr only: a person who started it by hand learns it is up and what it may read.
  io.stderr(`twinseg: MCP server on stdio (model ${config.model} loads on the first build); roots: ${config.roots.join(', ')}\n`);
  const reason = await new Promise<StopReason>((resolve) => {
    transport.onclose = () => resolve('closed');
    process.stdin.once('end', () => resolve('closed'));
    void untilSignal().then(resolve);
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

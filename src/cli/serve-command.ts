// `twinseg serve`: the MCP server on stdio (default) or Streamable HTTP.
import type { AppContext } from '../app-context.js';
import { createAppContext } from '../app-context.js';
import { checkHttpExposure, isLoopbackHost, type Config } from '../config.js';
import { lineLog, parseCommandArgs, UsageError, type CliCommand, type CliIo } from './cli-io.js';

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function serveHttp(app: AppContext, config: Config, io: CliIo, port: number, host: string): Promise<void> {
  const { startHttpServer } = await import('../server/http.js');
  const handle = await startHttpServer(app, {
    host,
    port,
    token: config.http.token,
    allowedOrigins: config.http.allowedOrigins,
    maxBodyBytes: Math.ceil((config.maxImageBytes * 4) / 3) + 1024 * 1024,
    stateless: config.http.stateless,
  });
  io.stderr(`twinseg: MCP over Streamable HTTP at ${handle.url}${config.http.stateless ? ' (stateless: no sessions, any replica answers)' : ''}\n`);
  if (!isLoopbackHost(host)) io.stderr(`twinseg: listening on ${host}, reachable from other machines; every request needs the bearer token\n`);
  if (!config.http.token) io.stderr(`twinseg: bearer token (set TWINSEG_TOKEN to choose it): ${handle.token}\n`);
  await untilSignal();
  await handle.close();
}

async function serveStdio(app: AppContext, config: Config, io: CliIo): Promise<void> {
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
  await new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    void untilSignal().then(resolve);
  });
  await server.close().catch(() => undefined);
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
    if (port !== undefined) await serveHttp(app, cfg, io, port, host);
    else await serveStdio(app, cfg, io);
    await app.close();
    return 0;
  },
};

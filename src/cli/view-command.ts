// `twinseg view [TWIN_ID]`: the twin view in a local browser, for a person without a chat host. It
// serves MCP over HTTP under the rules of `serve --http` (loopback unless TWINSEG_TOKEN is set, a bearer
// token, Origin checks) plus the view's pages, and prints the link to open. With a TWINSEG_TRACE file
// the page lists what the agent chose (each get_mask call) and opens on the last choice.
import { existsSync } from 'node:fs';
import { createAppContext } from '../app-context.js';
import { checkHttpExposure, isLoopbackHost } from '../config.js';
import { loadPredictions } from '../eval/predictions.js';
import type { ViewSession, ViewTraceEntry } from '../server/view-session.js';
import { lineLog, parseCommandArgs, UsageError, type CliCommand } from './cli-io.js';
import { exitCodeFor, httpSettings, untilSignal } from './serve-command.js';

/** The get_mask calls a trace recorded, in order. */
async function traceEntries(file: string): Promise<ViewTraceEntry[]> {
  const entries: ViewTraceEntry[] = [];
  for (const p of await loadPredictions(file)) {
    const m = p.mask;
    if (m.kind === 'twin')
      entries.push({ line: p.line, image: p.image, twin_id: m.twinId, ids: m.ids, op: m.op, ...(m.exclude ? { exclude: m.exclude } : {}) });
  }
  return entries;
}

export const viewCommand: CliCommand = {
  name: 'view',
  summary: 'Open a twin, or what a TWINSEG_TRACE session chose, in a local browser to inspect and refine',
  usage: 'view [TWIN_ID] [--trace FILE] [--port PORT] [--host HOST]',
  help: [
    'Options:',
    '  --trace FILE  List the masks a session took (a TWINSEG_TRACE file; default: TWINSEG_TRACE if set)',
    '  --port PORT   Port to listen on (default 0: a free one)',
    '  --host HOST   Address to listen on (default 127.0.0.1; TWINSEG_HTTP_HOST)',
    '',
    'Prints a link to open in a browser: the photo with every object outlined, hover for details, click to',
    'select, and point mode, where clicks refine objects with segment (each click makes a new revision).',
    'The server is MCP over Streamable HTTP at /mcp, with the token rules of `serve --http`; the link carries',
    'the token in its #fragment, which the browser never sends. Stop with Ctrl-C.',
    '',
    'Example: twinseg view tw_0123456789abcdef',
  ].join('\n'),
  async run(args, io, config) {
    const { values, positionals } = parseCommandArgs(
      args,
      { trace: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
      true,
    );
    if (positionals.length > 1) throw new UsageError(`One twin id at most; got ${positionals.length} arguments.`);
    const port = Number(values.port ?? 0);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port needs a port number; got "${values.port}".`);
    const cfg = config();
    const host = values.host ?? cfg.http.host;
    checkHttpExposure(host, cfg.http.token);
    const twinId = positionals[0];
    // An explicit --trace must load; TWINSEG_TRACE only when a session has written it.
    const trace = values.trace ?? (cfg.trace && existsSync(cfg.trace) ? cfg.trace : undefined);
    const app = await createAppContext(cfg, { log: lineLog(io) });
    try {
      if (twinId !== undefined) await app.twins.get(twinId); // TWIN_NOT_FOUND, with its hint, before any link is printed
      const session: ViewSession = { ...(twinId ? { twin_id: twinId } : {}), ...(trace ? { trace: await traceEntries(trace) } : {}) };
      const { startHttpServer } = await import('../server/http.js');
      const handle = await startHttpServer(app, { ...httpSettings(cfg, host, port), view: session });
      // A token chosen in TWINSEG_TOKEN is not echoed (the page asks for it); a generated one is the link's.
      io.stdout(cfg.http.token ? `${handle.viewUrl}\n` : `${handle.viewUrl}#token=${handle.token}\n`);
      if (!isLoopbackHost(host))
        io.stderr(`twinseg: listening on ${host}, reachable from other machines; every request needs the bearer token\n`);
      io.stderr(`twinseg: open the link above in a browser; MCP is at ${handle.url}; Ctrl-C stops\n`);
      const reason = await untilSignal();
      await handle.close();
      return exitCodeFor(reason);
    } finally {
      await app.close();
    }
  },
};

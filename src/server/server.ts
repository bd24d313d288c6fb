// One McpServer per client session (stdio has one; HTTP makes one per session), all sharing the
// app context's twin service, each with its own roots.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AppContext } from '../app-context.js';
import { packageVersion } from '../package-info.js';
import type { ToolContext } from '../tools/tool-context.js';
import { registerAll } from '../tools/index.js';
import { sessionRoots, type RootsSource } from '../roots/session-roots.js';
import { codeSdkToolErrors } from '../tools/tool-errors.js';

export const SERVER_NAME = 'twinseg';
/** package.json's version: the one place it is decided. */
export const SERVER_VERSION = packageVersion();

const INSTRUCTIONS = [
  'twinseg turns an image into a "digital twin": numbered objects with geometry, colour and hierarchy, plus',
  'a marks image showing each id. Start with build_digital_twin, look at the marks image, name objects with',
  'label_objects, select with filter_objects, fix misses with segment (a crowd merged into few objects: detail_region),',
  'and export masks with get_mask.',
  'Images are read and masks written only inside the allowed roots.',
].join(' ');

export interface CreateServerOptions {
  /** Fixed roots instead of asking the client (CLI, tests). */
  roots?: RootsSource;
}

export function createServer(app: AppContext, opts: CreateServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'twinseg: reasoning segmentation' },
    { instructions: INSTRUCTIONS },
  );
  const roots = opts.roots ?? sessionRoots(server.server, app.roots, app.log);
  const ctx: ToolContext = { config: app.config, twins: app.twins, log: app.log, roots };
  registerAll(server, ctx);
  codeSdkToolErrors(server);
  compactToolList(server);
  return server;
}

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

interface ListedTool {
  inputSchema: Record<string, unknown>;
  execution?: { taskSupport?: string };
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean };
}

/**
 * tools/list goes to the host model on every turn, so it says nothing the protocol's defaults say already:
 * each input schema loses the SDK's "$schema" line (about 55 characters a tool; MCP reads an input schema as
 * JSON Schema without it), `execution: {taskSupport: "forbidden"}` (the default) goes, and so do hints equal
 * to their defaults or meaningless for the tool (readOnlyHint false; the destructive and idempotent hints of a
 * read-only tool). Calls are validated by the same zod schemas. McpServer keeps its handlers private; if a
 * later SDK moves them, the tools/list test (test/tools/mcp-tools.test.ts) says so.
 */
function compactToolList(server: McpServer): void {
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers;
  const list = handlers?.get('tools/list');
  if (!handlers || !list) return;
  handlers.set('tools/list', async (request, extra) => {
    const result = (await list(request, extra)) as { tools: ListedTool[] };
    for (const tool of result.tools) {
      delete tool.inputSchema.$schema;
      if (tool.execution?.taskSupport === 'forbidden' && Object.keys(tool.execution).length === 1) delete tool.execution;
      const a = tool.annotations;
      if (a?.readOnlyHint === false) delete a.readOnlyHint;
      else if (a?.readOnlyHint === true) {
        delete a.destructiveHint;
        delete a.idempotentHint;
      }
    }
    return result;
  });
}

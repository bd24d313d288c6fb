// tools/list goes to the host model on every turn, so every character in it costs tokens on every turn.
// This drops what says nothing beyond the protocol's defaults: each input schema's "$schema" URL (JSON
// Schema draft 7 is what MCP assumes), "execution": {"taskSupport": "forbidden"} (the default), and
// annotation hints equal to their defaults or meaningless for the tool (readOnlyHint false; destructive
// and idempotent hints of a read-only tool). Calls are validated by the same zod schemas as before.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

interface Listing {
  tools?: {
    inputSchema?: Record<string, unknown>;
    execution?: { taskSupport?: string };
    annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean };
  }[];
}

/** Strips the SDK's defaults from one tools/list result. */
export function compactToolListing<T>(result: T): T {
  for (const tool of (result as Listing).tools ?? []) {
    if (tool.inputSchema) delete tool.inputSchema.$schema;
    if (tool.execution?.taskSupport === 'forbidden' && Object.keys(tool.execution).length === 1) delete tool.execution;
    const a = tool.annotations;
    if (a?.readOnlyHint === false) delete a.readOnlyHint;
    if (a?.readOnlyHint === true) {
      delete a.destructiveHint;
      delete a.idempotentHint;
    }
  }
  return result;
}

/**
 * Wraps the SDK's tools/list handler (installed by the first registerTool) with compactToolListing. The
 * SDK keeps its handlers in a private map, as codeSdkToolErrors relies on a private hook: should that
 * change, the listing stays as the SDK makes it (and the size test in mcp-tools says so).
 */
export function compactToolListings(server: McpServer): void {
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers;
  const list = handlers?.get('tools/list');
  if (!handlers || !list) return;
  handlers.set('tools/list', async (request, extra) => compactToolListing(await list(request, extra)));
}

// tools/list goes to the host model on every turn, so every character in it costs tokens on every turn.
// This drops what says nothing beyond the protocol's defaults: each input schema's "$schema" URL (JSON
// Schema draft 7 is what MCP assumes), "execution": {"taskSupport": "forbidden"} (the default), annotation
// hints equal to their defaults or meaningless for the tool (readOnlyHint false; destructive and idempotent
// hints of a read-only tool), and two things zod's JSON Schema says the long way: "propertyNames":
// {"type": "string"} (every JSON key is a string) and an "allOf" of one schema and nothing else (that schema). Calls are
// validated by the same zod schemas as before.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

interface Listing {
  tools?: {
    inputSchema?: Record<string, unknown>;
    execution?: { taskSupport?: string };
    annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean };
  }[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// Keywords whose value is a map of name → schema, and those whose value is data, not a schema.
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const DATA = new Set(['default', 'enum', 'const', 'examples']);

/** The same JSON Schema, said shorter (see the file's head); returns a new object. */
function shorterSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(shorterSchema);
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DATA.has(key)) out[key] = value;
    else if (SCHEMA_MAPS.has(key) && isRecord(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, shorterSchema(s)]));
    } else out[key] = shorterSchema(value);
  }
  const names = out.propertyNames;
  if (isRecord(names) && Object.keys(names).length === 1 && names.type === 'string') delete out.propertyNames;
  // Only an allOf alone: beside other keywords it may be what keeps a $ref's siblings read (draft 7 ignores them).
  const all = out.allOf;
  if (Object.keys(out).length === 1 && Array.isArray(all) && all.length === 1 && isRecord(all[0])) return all[0];
  return out;
}

/** Strips the SDK's defaults from one tools/list result. */
export function compactToolListing<T>(result: T): T {
  for (const tool of (result as Listing).tools ?? []) {
    if (tool.inputSchema) {
      delete tool.inputSchema.$schema;
      tool.inputSchema = shorterSchema(tool.inputSchema) as Record<string, unknown>;
    }
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

// One McpServer per client session (stdio has one; HTTP makes one per session), all sharing the
// app context's twin service, each with its own roots and its own view of the twins (session-twins.ts).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AppContext } from '../app-context.js';
import { packageVersion } from '../package-info.js';
import type { ToolContext } from '../tools/tool-context.js';
import { registerAll } from '../tools/index.js';
import { sessionRoots, type ClientRootsMode, type RootsSource } from '../roots/session-roots.js';
import { SessionTwins } from '../tools/session-twins.js';
import { codeSdkToolErrors } from '../tools/tool-errors.js';
import { compactToolListings } from './tool-listing.js';

export const SERVER_NAME = 'twinseg';
/** package.json's version: the one place it is decided. */
export const SERVER_VERSION = packageVersion();

const INSTRUCTIONS = [
  'twinseg turns an image into a "digital twin": numbered objects with geometry, colour and hierarchy, plus',
  'a marks image showing each id. Start with build_digital_twin, look at the marks image (zoom for a closer look),',
  'name objects with label_objects, select with filter_objects, fix misses with segment (a crowd merged into few',
  'objects: detail_region), and export masks with get_mask.',
  'Tools that change a twin return a new twin_id, a revision: pass the latest one you got.',
  'Images are read and masks written only inside the allowed roots.',
].join(' ');

export interface CreateServerOptions {
  /** Fixed roots instead of asking the client (CLI, tests). */
  roots?: RootsSource;
  /**
   * What a client's MCP roots do: narrow the server's, or replace them. Default: narrow where the operator
   * set TWINSEG_ROOTS, replace otherwise; the HTTP transport always narrows.
   */
  clientRoots?: ClientRootsMode;
}

export function createServer(app: AppContext, opts: CreateServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'twinseg: reasoning segmentation' },
    { instructions: INSTRUCTIONS },
  );
  const mode = opts.clientRoots ?? (app.config.rootsConfigured ? 'narrow' : 'replace');
  const roots = opts.roots ?? sessionRoots(server.server, { configured: app.roots, mode, log: app.log });
  const ctx: ToolContext = { config: app.config, twins: app.twins, log: app.log, roots, session: new SessionTwins() };
  registerAll(server, ctx);
  codeSdkToolErrors(server);
  compactToolListings(server);
  return server;
}

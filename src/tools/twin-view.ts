// The person's view of a twin, as an MCP App (extension io.modelcontextprotocol/ui): for a client that
// declares MCP Apps, build_digital_twin, segment and get_mask name the view in their `_meta`, and the host
// reads it here and shows it beside the tool's result. Other clients see the tools exactly as before:
// the spec asks servers to check the client's capability, and tools/list, sent to the model on every
// turn, stays as small as it was. The page is built from src/view by `npm run build`
// (scripts/build-view.mjs) into one self-contained file.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { getUiCapability, registerAppResource, RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import { TwinsegError } from '../errors.js';
import { resourceError } from './tool-errors.js';

export const TWIN_VIEW_URI = 'ui://twinseg/twin-view';

/**
 * The tool `_meta` that names the view: `ui.resourceUri`, as the spec has it. The SDK's registerAppTool also
 * sets the flat `ui/resourceUri` key, deprecated in the SDK, which hosts read only where `ui.resourceUri` is
 * missing; it would cost tools/list, sent to the model on every turn, 126 characters.
 */
export const TWIN_VIEW_TOOL_META = { ui: { resourceUri: TWIN_VIEW_URI } };

// dist/view beside dist/tools, whether this runs built (dist/tools) or from source under test (src/tools).
const BUILT_PAGES = new URL('../../dist/view/', import.meta.url);

export type ViewPage = 'twin-view' | 'standalone';

const pages = new Map<ViewPage, Promise<string>>();

/** A built page of the view, read once. Throws an actionable error when the view was never built. */
export function viewPage(name: ViewPage): Promise<string> {
  let page = pages.get(name);
  if (!page) {
    const file = fileURLToPath(new URL(`${name}.html`, BUILT_PAGES));
    page = readFile(file, 'utf8').catch((e: unknown) => {
      pages.delete(name);
      throw new TwinsegError('INTERNAL', `The twin view is not built (${file} is missing).`, {
        hint: 'Run `npm run build`, which bundles src/view into dist/view.',
        cause: e,
      });
    });
    pages.set(name, page);
  }
  return page;
}

/**
 * Serves the view, and links it from `tools` once the client has declared MCP Apps in its initialize
 * request. A stateless HTTP server never sees that request, so its tools carry no link.
 */
export function registerTwinView(server: McpServer, tools: readonly RegisteredTool[]): void {
  const previous = server.server.oninitialized;
  server.server.oninitialized = () => {
    previous?.();
    const ui = getUiCapability(server.server.getClientCapabilities() ?? {});
    if (!ui?.mimeTypes?.includes(RESOURCE_MIME_TYPE)) return;
    // Set in place rather than with update(), which would tell the client the list changed.
    for (const t of tools) t._meta = { ...t._meta, ...TWIN_VIEW_TOOL_META };
  };
  registerAppResource(
    server,
    'Twin view',
    TWIN_VIEW_URI,
    {
      description: 'An interactive view of a twin for the person: outlines, hover, selection, clicks that refine.',
      _meta: { ui: { prefersBorder: true } },
    },
    async () => {
      try {
        // No csp in _meta: the view needs nothing from the network, so the host's strictest default fits.
        return {
          contents: [
            { uri: TWIN_VIEW_URI, mimeType: RESOURCE_MIME_TYPE, text: await viewPage('twin-view'), _meta: { ui: { prefersBorder: true } } },
          ],
        };
      } catch (e) {
        throw resourceError(e);
      }
    },
  );
}

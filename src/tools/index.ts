// Wires every tool, resource, prompt and the twin view (an MCP App) onto one McpServer. Tools declare no outputSchema on purpose:
// tools/list is sent to the host model on every turn, and the results are self-describing JSON
// (structuredContent plus a short text mirror), documented in the README's tool table and docs/tools.md.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerBuildDigitalTwinTool } from './build-digital-twin.js';
import { registerDetailRegionTool } from './detail-region.js';
import type { ToolContext } from './tool-context.js';
import { registerFilterObjectsTool } from './filter-objects.js';
import { registerGetMaskTool } from './get-mask.js';
import { registerLabelObjectsTool } from './label-objects.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { registerSegmentTool } from './segment.js';
import { registerZoomTool } from './zoom.js';
import { registerTwinView } from './twin-view.js';

export function registerAll(server: McpServer, ctx: ToolContext): void {
  const build = registerBuildDigitalTwinTool(server, ctx);
  registerFilterObjectsTool(server, ctx);
  registerLabelObjectsTool(server, ctx);
  const segment = registerSegmentTool(server, ctx);
  registerDetailRegionTool(server, ctx);
  const getMask = registerGetMaskTool(server, ctx);
  registerZoomTool(server, ctx);
  registerResources(server, ctx);
  registerTwinView(server, [build, segment, getMask]);
  registerPrompts(server);
}

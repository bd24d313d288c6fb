// zoom: a closer look at part of the marks picture, every object there labelled (parts too), with rulers
// in image pixels and the window and scale, so the host can read ids it could not read in the overview
// and turn a point it sees into image pixels for segment. The photo of the same window follows the marks:
// hosts in the host studies zoomed twice on one region, marked and plain, to see what the marks cover.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ToolContext } from './tool-context.js';
import { imageContent, windowFields, windowSentence } from './picture-content.js';
import { BoxSchema, ObjectIdSchema, toolInput, TwinIdSchema } from './schemas.js';
import { withToolErrors } from './tool-errors.js';

const inputSchema = toolInput({
  twin_id: TwinIdSchema,
  region: BoxSchema.optional(),
  ids: z.array(ObjectIdSchema).min(1).max(1000).optional().describe('Or: around these.'),
  plain: z.boolean().optional().describe('Just the photo.'),
});

export const zoomConfig = {
  title: 'Zoom in',
  description: 'The marks enlarged on a region, then the photo there: all objects labelled (parts too), rulers in image px.',
  inputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export function registerZoomTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'zoom',
    zoomConfig,
    withToolErrors('zoom', ctx.log, async (args, extra): Promise<CallToolResult> => {
      const access = ctx.session.access(args.twin_id, await ctx.roots.current(extra));
      // The photo: what the host came to read (a face, a number, a blaze) with nothing drawn over it but the rulers.
      const photo = await ctx.twins.zoom(args.twin_id, { region: args.region, ids: args.ids, only: [] }, { access });
      const p = args.plain ? photo : await ctx.twins.zoom(args.twin_id, { region: args.region, ids: args.ids }, { access });
      ctx.session.saw(args.twin_id);
      const structured: Record<string, unknown> = {
        twin_id: args.twin_id,
        ...windowFields(p.window),
        width: p.width,
        height: p.height,
        labelled: p.labelled,
      };
      if (p.unlabelled.length > 0) structured.unlabelled = p.unlabelled;
      const [x1, y1, x2, y2] = [p.window.x1, p.window.y1, p.window.x2, p.window.y2];
      const crowded =
        p.unlabelled.length > 0 ? ` No room for the labels of ${p.unlabelled.join(', ')}: zoom on a smaller region for them.` : '';
      const text =
        `Zoom on [${x1}, ${y1}, ${x2}, ${y2}] at scale ${p.window.scale} (picture ${p.width}×${p.height}): ` +
        `${windowSentence(p.window)}; the rulers show image pixels. ${args.plain ? 'The photo alone.' : `${p.labelled.length} objects labelled; then the photo alone.`}${crowded}`;
      const pictures = args.plain ? [imageContent(photo)] : [imageContent(p), imageContent(photo)];
      return {
        content: [{ type: 'text', text }, { type: 'text', text: JSON.stringify(structured) }, ...pictures],
        structuredContent: structured,
      };
    }),
  );
}

// detail_region: everything mode again inside a region the host names (a crowd whose objects came back merged),
// denser and with prompts shaped like a careful host's, on the image's cached embedding. What it finds is a
// new revision: the objects found, the twin's own objects kept.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { DetailRegionOutcome } from '../twin/twin-service-api.js';
import { imageContent, windowFields, windowSentence } from './picture-content.js';
import { callControlFor } from './call-control.js';
import { BoxSchema, ObjectIdSchema, toolInput, TwinIdSchema } from './schemas.js';
import type { ToolContext } from './tool-context.js';
import { withToolErrors } from './tool-errors.js';
import { fitCompactView } from './view-budget.js';

const inputSchema = toolInput({
  twin_id: TwinIdSchema,
  region: BoxSchema.optional(),
  ids: z.array(ObjectIdSchema).min(1).max(64).optional().describe('Or: around these.'),
});

export const detailRegionConfig = {
  title: 'Look again at a region',
  description: 'Segments a region again, denser, so merged objects come apart (rider and horse). Returns a new twin_id.',
  inputSchema,
  // Writes only a new revision; the same region of the same twin gives the same revision.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

function lead(out: DetailRegionOutcome, from: string): string {
  const region = `[${out.region.join(', ')}]`;
  if (out.added.length === 0) return `Looked again at region ${region} of ${from}: nothing the twin lacks was found, so it is unchanged.`;
  const ids = out.added.length === 1 ? `object ${out.added[0]!.id}` : `objects ${out.added[0]!.id}–${out.added.at(-1)!.id}`;
  const parts = out.added.filter((o) => o.parent !== null).length;
  const how = out.cached ? ' (this region was looked at before)' : out.stats ? ` in ${(out.stats.totalMs / 1000).toFixed(1)} s` : '';
  return (
    `Looked again at region ${region}${how}: added ${ids}, ${parts} of them parts of larger objects, in revision ${out.twin.id} ` +
    `of ${from}; use ${out.twin.id} from now on. The picture shows the region enlarged with the new ids (rulers in image px).`
  );
}

export function registerDetailRegionTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'detail_region',
    detailRegionConfig,
    withToolErrors('detail_region', ctx.log, async (args, extra): Promise<CallToolResult> => {
      const roots = await ctx.roots.current(extra);
      const access = ctx.session.access(args.twin_id, roots);
      const out = await ctx.twins.detail(args.twin_id, { region: args.region, ids: args.ids, access }, callControlFor(extra, ctx.log));
      ctx.session.saw(args.twin_id);
      ctx.session.made(out.twin.id, args.twin_id);
      const { view, note } = fitCompactView(out.twin, out.added);
      // The region enlarged, as zoom shows it (rulers in image px): the added objects are small where a crowd is.
      const picture =
        out.added.length > 0
          ? await ctx.twins.zoom(out.twin.id, { region: out.region, only: out.added.map((o) => o.id) }, { access })
          : undefined;
      const structured = {
        twin_id: out.twin.id,
        region: out.region,
        added_count: out.added.length,
        added: view.objects,
        ...(out.stats ? { prompts: out.stats.prompts } : {}),
        ...(picture ? windowFields(picture.window) : {}),
      };
      const where = picture ? ` ${windowSentence(picture.window)}.` : '';
      const content: CallToolResult['content'] = [
        { type: 'text', text: `${lead(out, args.twin_id)}${note ? ` ${note}` : ''}${where}` },
        { type: 'text', text: JSON.stringify(structured) },
        ...(picture ? [imageContent(picture)] : []),
      ];
      return { content, structuredContent: structured };
    }),
  );
}

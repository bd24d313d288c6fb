// filter_objects: select twin objects by ids, labels, level, colour, size, region and relations.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { filterObjects } from '../twin/query/filter.js';
import { FilterRequestSchema, toFilterQuery } from '../twin/query/filter-schema.js';
import { RELATION_KINDS, relationsFor } from '../twin/relations.js';
import type { ToolContext } from './tool-context.js';
import { toolInput, TwinIdSchema } from './schemas.js';
import { withToolErrors } from './tool-errors.js';
import { fitCompactView } from './view-budget.js';

/** Relations beyond this many are cut (with a note) to keep the result small. */
export const MAX_RELATIONS = 1000;

const inputSchema = toolInput({
  twin_id: TwinIdSchema,
  query: FilterRequestSchema.default({}).describe('{} matches every object.'),
  relations: z.array(z.enum(RELATION_KINDS)).min(1).optional().describe('Relations to list among the matches.'),
});

export const filterObjectsConfig = {
  title: 'Filter twin objects',
  description: [
    'Objects matching a query, e.g. {"where": {"text": "cup", "color": "red", "left_of": 4},',
    '"not": [{"inside": 2}], "sort": {"by": "area", "order": "desc"}, "limit": 1}. "where" must all hold.',
    'text matches labels from label_objects.',
  ].join(' '),
  inputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export function registerFilterObjectsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'filter_objects',
    filterObjectsConfig,
    withToolErrors('filter_objects', ctx.log, async (args): Promise<CallToolResult> => {
      const twin = await ctx.twins.get(args.twin_id);
      ctx.session.saw(twin.id);
      const { objects, total } = filterObjects(twin, toFilterQuery(args.query));
      const { view, note } = fitCompactView(twin, objects);
      const structured: Record<string, unknown> = { twin_id: twin.id, total, objects: view.objects, legend: view.legend };
      let relNote = '';
      if (args.relations && objects.length > 0) {
        const rels = relationsFor(
          twin,
          objects.map((o) => o.id),
          args.relations,
          { among: true },
        );
        structured.relations = rels.slice(0, MAX_RELATIONS);
        if (rels.length > MAX_RELATIONS)
          relNote = ` Showing ${MAX_RELATIONS} of ${rels.length} relations; narrow the query or ask for fewer kinds.`;
      }
      const lead =
        `${total} object(s) match in twin ${twin.id}` +
        (objects.length < total ? ` (${objects.length} returned)` : '') +
        `. ${note ?? ''}${relNote}`;
      return {
        content: [
          { type: 'text', text: lead.trim() },
          { type: 'text', text: JSON.stringify(structured) },
        ],
        structuredContent: structured,
      };
    }),
  );
}

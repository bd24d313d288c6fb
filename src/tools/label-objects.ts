// label_objects: the host names what it sees; later filters and prompts can use the names.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ATTRIBUTE_MAX, ATTRIBUTES_MAX, DESCRIPTION_MAX, LABEL_MAX } from '../twin/semantics.js';
import type { ToolContext } from './tool-context.js';
import { ObjectIdSchema, toolInput, TwinIdSchema } from './schemas.js';
import { withToolErrors } from './tool-errors.js';
import { compactObject } from '../twin/views.js';

const inputSchema = toolInput({
  twin_id: TwinIdSchema,
  labels: z
    .array(
      toolInput({
        id: ObjectIdSchema,
        label: z.string().max(LABEL_MAX).optional().describe('e.g. "dog", "left front wheel"; "" clears.'),
        description: z.string().max(DESCRIPTION_MAX).optional(),
        attributes: z
          .array(z.string().min(1).max(ATTRIBUTE_MAX))
          .max(ATTRIBUTES_MAX)
          .optional()
          .describe('e.g. "red", "wooden"; [] clears.'),
      }),
    )
    .min(1)
    .max(1000)
    .describe('Fields left out keep their value.'),
});

export const labelObjectsConfig = {
  title: 'Label twin objects',
  description: 'Names objects for filter_objects. Returns a new twin_id: a revision with the labels.',
  inputSchema,
  // Writes only a new revision; the same labels on the same twin give the same revision id.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export function registerLabelObjectsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'label_objects',
    labelObjectsConfig,
    withToolErrors('label_objects', ctx.log, async (args): Promise<CallToolResult> => {
      const { twin, updated } = await ctx.twins.label(args.twin_id, args.labels, 'host');
      ctx.session.saw(args.twin_id);
      ctx.session.made(twin.id, args.twin_id);
      const structured = { twin_id: twin.id, parent_twin_id: args.twin_id, updated: updated.map((o) => compactObject(o, twin.image)) };
      return {
        content: [
          {
            type: 'text',
            text: `Labelled ${updated.length} object(s): revision ${twin.id} of ${args.twin_id}. Use ${twin.id} from now on.`,
          },
          { type: 'text', text: JSON.stringify(structured) },
        ],
        structuredContent: structured,
      };
    }),
  );
}

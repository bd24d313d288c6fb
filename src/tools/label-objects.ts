// label_objects: the host names what it sees; later filters and prompts can use the names.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ATTRIBUTE_MAX, ATTRIBUTES_MAX, DESCRIPTION_MAX, LABEL_MAX } from '../twin/semantics.js';
import type { ToolContext } from './context.js';
import { ObjectIdSchema, TwinIdSchema } from './schemas.js';
import { withToolErrors } from './tool-errors.js';
import { compactObject } from '../twin/views.js';

const inputSchema = {
  twin_id: TwinIdSchema,
  labels: z
    .array(
      z.object({
        id: ObjectIdSchema,
        label: z.string().max(LABEL_MAX).optional().describe('A short name, e.g. "dog", "left front wheel"; "" clears it.'),
        description: z.string().max(DESCRIPTION_MAX).optional().describe('Free text about the object; "" clears it.'),
        attributes: z
          .array(z.string().min(1).max(ATTRIBUTE_MAX))
          .max(ATTRIBUTES_MAX)
          .optional()
          .describe('Tags such as "red", "wooden", "open"; [] clears them.'),
      }),
    )
    .min(1)
    .max(1000)
    .describe('One entry per object to label; fields left out keep their old value.'),
};

const outputSchema = {
  twin_id: z.string(),
  updated: z.array(z.record(z.string(), z.unknown())),
};

export const labelObjectsConfig = {
  title: 'Label twin objects',
  description:
    'Attaches your names, descriptions and attributes to twin objects (by the ids on the marks image), so ' +
    'filter_objects can select by label and later answers can refer to names. Labels are stored with source "host".',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export function registerLabelObjectsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'label_objects',
    labelObjectsConfig,
    withToolErrors('label_objects', ctx.log, async (args): Promise<CallToolResult> => {
      const updated = await ctx.twins.label(args.twin_id, args.labels, 'host');
      const structured = { twin_id: args.twin_id, updated: updated.map((o) => compactObject(o)) };
      return {
        content: [
          { type: 'text', text: `Labelled ${updated.length} object(s) of twin ${args.twin_id}.` },
          { type: 'text', text: JSON.stringify(structured) },
        ],
        structuredContent: structured,
      };
    }),
  );
}

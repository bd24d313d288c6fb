// segment: prompted segmentation for what everything-mode missed; the result joins the twin.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TwinsegError } from '../errors.js';
import type { Prompt } from '../perception/types.js';
import type { ToolContext } from './context.js';
import { imageContent, marksWithinLimits } from './marks-reply.js';
import { runControlFor } from './run-control.js';
import { BoxSchema, TwinIdSchema } from './schemas.js';
import { withToolErrors } from './tool-errors.js';
import { compactObject } from '../twin/views.js';

const inputSchema = {
  twin_id: TwinIdSchema,
  points: z
    .array(
      z.object({
        x: z.number().describe('Pixels from the left edge of the original image.'),
        y: z.number().describe('Pixels from the top edge of the original image.'),
        label: z.union([z.literal(0), z.literal(1)]).describe('1: on the object; 0: not on it (to exclude a region).'),
      }),
    )
    .min(1)
    .max(64)
    .optional()
    .describe('Click points in original image pixels.'),
  box: BoxSchema.optional().describe('A box around the object, [x1, y1, x2, y2] in original image pixels.'),
};

const outputSchema = {
  twin_id: z.string(),
  object: z.record(z.string(), z.unknown()),
  object_count: z.number(),
  alternatives: z.array(z.record(z.string(), z.unknown())).optional().describe('Other granularities SAM offered for the prompt (not added): granularity, area, bbox, scores.'),
};

export const segmentConfig = {
  title: 'Segment by points or box',
  description:
    'Segments one object from click points and/or a box (original image pixels) when the twin lacks it or has ' +
    'it wrong. The new object is added to the twin with the next free id and origin "user"; the reply shows it ' +
    'marked on the image. Give at least one positive point or a box.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
};

export function registerSegmentTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'segment',
    segmentConfig,
    withToolErrors('segment', ctx.log, async (args, extra): Promise<CallToolResult> => {
      if (!args.box && !args.points?.some((p) => p.label === 1)) {
        throw new TwinsegError('INVALID_INPUT', 'segment needs a box or at least one point with label 1.', {
          hint: 'Example: {"points": [{"x": 120, "y": 80, "label": 1}]} or {"box": [100, 50, 220, 160]}.',
        });
      }
      const prompt: Prompt = {};
      if (args.points) prompt.points = args.points.map((p) => ({ x: p.x, y: p.y, label: p.label }));
      if (args.box) prompt.box = args.box;
      const { object, twin, alternatives } = await ctx.twins.segment(args.twin_id, prompt, runControlFor(extra, ctx.log));
      const structured = { twin_id: twin.id, object: compactObject(object), object_count: twin.objects.length, ...(alternatives?.length ? { alternatives } : {}) };
      const marks = await marksWithinLimits(ctx, twin.id, [object.id]);
      return {
        content: [
          { type: 'text', text: `Added object ${object.id} (area ${object.area} px) to twin ${twin.id}.` },
          { type: 'text', text: JSON.stringify(structured) },
          ...(marks ? [imageContent(marks)] : []),
        ],
        structuredContent: structured,
      };
    }),
  );
}

// build_digital_twin: image in → twin id, compact scene JSON and the set-of-marks picture.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { PRESET_NAMES } from '../config.js';
import { GRANULARITIES } from '../twin/service-types.js';
import type { ToolContext } from './context.js';
import { EverythingOverridesSchema } from './schemas.js';
import { resolveImageInput } from './image-argument.js';
import { imageContent, marksWithinLimits } from './marks-reply.js';
import { runControlFor } from './run-control.js';
import { withToolErrors } from './tool-errors.js';
import { fitCompactView } from './view-budget.js';

const inputSchema = {
  image: z
    .string()
    .min(1)
    .describe(
      'The image: an absolute path or file:// URL inside the allowed roots (preferred), or base64 / a data:image/...;base64 URL.',
    ),
  preset: z
    .enum(PRESET_NAMES)
    .optional()
    .describe(
      "Speed/recall trade-off: fast (fewest prompts, whole objects), balanced (the server's default unless configured otherwise), thorough (many times slower, finds small things).",
    ),
  granularity: z
    .enum(GRANULARITIES)
    .optional()
    .describe(
      "wholes: whole objects only; parts: also the parts inside objects (a shirt on a person). Default: the preset's (fast: wholes; balanced, thorough: parts).",
    ),
  options: EverythingOverridesSchema.optional().describe('Expert overrides of the preset (grid size, thresholds). Usually leave out.'),
};

const outputSchema = {
  twin_id: z.string(),
  cached: z.boolean(),
  image: z.object({ width: z.number(), height: z.number(), source: z.string() }),
  object_count: z.number(),
  twin: z
    .record(z.string(), z.unknown())
    .describe('Compact twin: legend plus objects with id, level, parent, parts, bbox, area_pct, center, position, color, label.'),
  stats: z.record(z.string(), z.unknown()).optional(),
};

export const buildDigitalTwinConfig = {
  title: 'Build digital twin of an image',
  description: [
    'Segments an image into every object and part it can find and returns a "digital twin": a JSON scene of',
    'numbered objects (bbox [x1,y1,x2,y2], area, centroid, coarse position, colour, shape, parent/children,',
    'labels) plus a set-of-marks image with each id drawn on its object. Look at the marks image to see which',
    'id is which, then call label_objects to name the objects you care about, filter_objects to select by',
    'geometry/colour/labels/relations, and get_mask to export masks. Takes seconds on CPU; the same image and',
    'options return the cached twin at once. Objects have no names until you label them.',
  ].join(' '),
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export function registerBuildDigitalTwinTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'build_digital_twin',
    buildDigitalTwinConfig,
    withToolErrors('build_digital_twin', ctx.log, async (args, extra): Promise<CallToolResult> => {
      const image = await resolveImageInput(args.image, await ctx.roots.current(), ctx.config.maxImageBytes);
      const outcome = await ctx.twins.build(
        { image, preset: args.preset, granularity: args.granularity, options: args.options },
        runControlFor(extra, ctx.log),
      );
      const { twin } = outcome;
      const compact = fitCompactView(twin);
      const structured = {
        twin_id: twin.id,
        cached: outcome.cached,
        image: { width: twin.image.width, height: twin.image.height, source: twin.image.source },
        object_count: twin.objects.length,
        twin: compact.view,
        ...(outcome.stats ? { stats: { ...outcome.stats } } : {}),
      };
      const marks = await marksWithinLimits(ctx, twin.id);
      const lead =
        `Twin ${twin.id}: ${twin.objects.length} objects in a ${twin.image.width}×${twin.image.height} image` +
        `${outcome.cached ? ' (cached)' : ''}. ${compact.note ?? ''}` +
        (marks ? 'The attached image shows each object id on its object.' : `Read twin://${twin.id}/marks.png to see the ids.`);
      return {
        content: [
          { type: 'text', text: lead },
          { type: 'text', text: JSON.stringify(structured) },
          ...(marks ? [imageContent(marks)] : []),
        ],
        structuredContent: structured,
      };
    }),
  );
}

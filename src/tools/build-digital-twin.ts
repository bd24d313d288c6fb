// build_digital_twin: image in → twin id, compact scene JSON and the set-of-marks picture.
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { PRESET_NAMES } from '../config.js';
import { GRANULARITIES } from '../twin/twin-service-api.js';
import type { ToolContext } from './tool-context.js';
import { parseOverrides, toolInput } from './schemas.js';
import { resolveImageInput } from './files/image-argument.js';
import { imageContent, MARKS_MAX_SIDE, marksFields, marksSentence } from './picture-content.js';
import { callControlFor } from './call-control.js';
import { withToolErrors } from './tool-errors.js';
import { fitCompactView } from './view-budget.js';

const inputSchema = toolInput({
  image: z.string().min(1).describe('Absolute path or file:// URL inside the allowed roots (preferred), or base64 / a data: URL.'),
  preset: z.enum(PRESET_NAMES).optional().describe('fast (whole objects), balanced (default), thorough (slower, finds small things).'),
  granularity: z.enum(GRANULARITIES).optional().describe("parts: also parts inside objects; default: the preset's."),
  // Advertised as a plain map to keep tools/list small; the names and ranges are checked on use.
  options: z
    .record(z.string(), z.union([z.number(), z.boolean()]))
    .optional()
    .describe('Expert overrides of the preset, e.g. {"pointsPerSide": 8}.'),
});

export const buildDigitalTwinConfig = {
  title: 'Build digital twin of an image',
  description: [
    'Segments an image into numbered objects and parts (bbox [x1,y1,x2,y2] px, area_pct, center, position,',
    'colour, parent/parts) and a picture with each id on its object. Cached.',
  ].join(' '),
  inputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

/** Each call is a model turn for the host: say once how few a request needs. */
const NEXT_STEP =
  'To answer, get_mask {ids} returns the mask with a close-up of it on the photo: one call checks and answers. ' +
  'Missing or merged objects: segment (clicks, box) or detail_region.';

export function registerBuildDigitalTwinTool(server: McpServer, ctx: ToolContext): RegisteredTool {
  return server.registerTool(
    'build_digital_twin',
    buildDigitalTwinConfig,
    withToolErrors('build_digital_twin', ctx.log, async (args, extra): Promise<CallToolResult> => {
      const roots = await ctx.roots.current(extra);
      const image = await resolveImageInput(args.image, roots);
      const options = args.options === undefined ? undefined : parseOverrides(args.options);
      const outcome = await ctx.twins.build(
        { image, preset: args.preset, granularity: args.granularity, options },
        callControlFor(extra, ctx.log),
      );
      const { twin } = outcome;
      ctx.session.saw(twin.id, image.kind === 'path' ? image.path : undefined);
      const compact = fitCompactView(twin);
      const access = ctx.session.access(twin.id, roots);
      const marks = await ctx.twins.marks(twin.id, { maxSide: MARKS_MAX_SIDE, access });
      // The photo as it is, with rulers: a host given only a path has not seen it, and in the host studies the
      // first call on a photo was often a zoom on all of it without marks.
      const { width, height } = twin.image;
      const photo = await ctx.twins.zoom(twin.id, { region: [0, 0, width, height], only: [] }, { access });
      const structured = {
        twin_id: twin.id,
        cached: outcome.cached,
        object_count: twin.objects.length,
        marks: marksFields(marks),
        twin: compact.view,
      };
      const seconds = outcome.stats ? ` in ${(outcome.stats.totalMs / 1000).toFixed(1)} s` : '';
      const lead =
        `Twin ${twin.id}: ${twin.objects.length} objects in a ${twin.image.width}×${twin.image.height} image` +
        `${outcome.cached ? ' (cached)' : seconds}. ${compact.note ?? ''}${marksSentence(marks)} Then the photo alone ` +
        `(${photo.width}×${photo.height}, rulers in image px). ${NEXT_STEP}`;
      return {
        content: [
          { type: 'text', text: lead },
          { type: 'text', text: JSON.stringify(structured) },
          imageContent(marks),
          imageContent(photo),
        ],
        structuredContent: structured,
      };
    }),
  );
}

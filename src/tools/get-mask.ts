// get_mask: combine objects' masks and hand them out as a file (PNG, cutout, overlay, or JSON) and,
// when small, inline.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { MASK_FORMATS, MASK_OPS, type MaskOutcome } from '../twin/service-types.js';
import type { ToolContext } from './context.js';
import { resourceLink, writeOutputFile, type WrittenFile } from './output-files.js';
import { ObjectIdSchema, TwinIdSchema } from './schemas.js';
import { withToolErrors } from './tool-errors.js';

/** RLE / polygon JSON longer than this goes to a file instead of inline (~5k tokens). */
export const INLINE_JSON_MAX_CHARS = 20_000;
/** Cutout / overlay PNGs up to this size are also shown inline so the host can check the result. */
export const INLINE_IMAGE_MAX_BYTES = 512 * 1024;

const inputSchema = {
  twin_id: TwinIdSchema,
  ids: z.array(ObjectIdSchema).min(1).max(1000).describe('Object ids to combine, e.g. [3] or [3, 7].'),
  op: z
    .enum(MASK_OPS)
    .default('union')
    .describe('union: any of the objects; intersection: all of them; difference: the first minus the others.'),
  format: z
    .enum(MASK_FORMATS)
    .default('png')
    .describe(
      'png: binary mask at image size; cutout: the image pixels inside the mask on transparency; overlay: the mask tinted over the image; rle: COCO compressed RLE; polygon: outer rings and holes in pixels.',
    ),
  output_path: z
    .string()
    .min(1)
    .optional()
    .describe('Where to write the result, inside the allowed roots. Default: a file in the server output directory.'),
};

const outputSchema = {
  twin_id: z.string(),
  ids: z.array(z.number()),
  op: z.string(),
  format: z.string(),
  area: z.number(),
  bbox: z.array(z.number()),
  width: z.number(),
  height: z.number(),
  file: z.object({ path: z.string(), uri: z.string(), bytes: z.number(), mime_type: z.string() }).optional(),
  rle: z.object({ size: z.array(z.number()), counts: z.string() }).optional(),
  polygons: z.object({ outer: z.array(z.array(z.array(z.number()))), holes: z.array(z.array(z.array(z.number()))) }).optional(),
};

export const getMaskConfig = {
  title: 'Get mask of objects',
  description: [
    'Exports the mask of one or more twin objects, combined by op, as a file (returned as a resource link)',
    'with its area (pixels) and bbox. Formats: png (binary mask), cutout (object on transparency), overlay',
    '(mask tinted on the image, shown inline when small, good for checking), rle (COCO, inline when small),',
    'polygon (inline when small). Pick ids with filter_objects or from the marks image first.',
  ].join(' '),
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

function defaultName(twinId: string, ids: number[], op: string, format: string): string {
  const idPart = ids.length <= 8 ? ids.join('_') : `${ids.slice(0, 8).join('_')}_and_${ids.length - 8}_more`;
  const ext = format === 'rle' || format === 'polygon' ? 'json' : 'png';
  return `${twinId.slice(0, 24)}-${idPart}-${op}-${format}.${ext}`;
}

export function registerGetMaskTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'get_mask',
    getMaskConfig,
    withToolErrors('get_mask', ctx.log, async (args): Promise<CallToolResult> => {
      const m: MaskOutcome = await ctx.twins.mask({ twinId: args.twin_id, ids: args.ids, op: args.op, format: args.format });
      const structured: Record<string, unknown> = {
        twin_id: args.twin_id,
        ids: args.ids,
        op: args.op,
        format: args.format,
        area: m.area,
        bbox: m.bbox,
        width: m.width,
        height: m.height,
      };
      const content: ContentBlock[] = [];
      const name = defaultName(args.twin_id, args.ids, args.op, args.format);
      let file: WrittenFile | undefined;

      if (m.png) {
        file = await writeOutputFile(ctx, { requested: args.output_path, defaultName: name, data: m.png, mimeType: 'image/png' });
        if (args.format !== 'png' && m.png.byteLength <= INLINE_IMAGE_MAX_BYTES) {
          content.push({ type: 'image', data: m.png.toString('base64'), mimeType: 'image/png' });
        }
      } else {
        const payload = m.rle ? { rle: m.rle } : { polygons: m.polygons };
        const json = JSON.stringify(payload);
        if (args.output_path !== undefined || json.length > INLINE_JSON_MAX_CHARS) {
          file = await writeOutputFile(ctx, { requested: args.output_path, defaultName: name, data: json, mimeType: 'application/json' });
        }
        if (json.length <= INLINE_JSON_MAX_CHARS) Object.assign(structured, payload);
      }

      if (file) structured.file = { path: file.path, uri: file.uri, bytes: file.bytes, mime_type: file.mimeType };
      const where = file ? ` Written to ${file.path}.` : '';
      const summary = `Mask of ${args.op} of [${args.ids.join(', ')}]: area ${m.area} px, bbox [${m.bbox.join(', ')}].${where}`;
      return {
        content: [
          { type: 'text', text: summary },
          { type: 'text', text: JSON.stringify(structured) },
          ...(file ? [resourceLink(file, `${args.format} mask of objects ${args.ids.join(', ')}`)] : []),
          ...content,
        ],
        structuredContent: structured,
      };
    }),
  );
}

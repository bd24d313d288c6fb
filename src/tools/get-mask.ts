// get_mask: the combined mask of objects as a twin:// resource (readable with resources/read over any
// transport), inline when small or meant for looking at, and as a file only when output_path asks.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import { MASK_FORMATS, MASK_OPS, type MaskOp } from '../twin/service-types.js';
import { predictionTraceFor } from './prediction-trace.js';
import type { ToolContext } from './tool-context.js';
import { maskPayload } from './mask-payload.js';
import { maskFileName, maskUri, type MaskSelection } from './mask-uri.js';
import { writeOutputFile, type WrittenFile } from './output-files.js';
import { ObjectIdSchema, TwinIdSchema } from './schemas.js';
import { withToolErrors } from './tool-errors.js';

/** RLE / polygon JSON up to this size comes back in the result (~5k tokens); larger only as the resource. */
export const INLINE_JSON_MAX_CHARS = 20_000;
/** Binary masks and cut-outs up to this size are embedded in the result as well as linked. */
export const INLINE_BLOB_MAX_BYTES = 64 * 1024;
export const INLINE_PICTURE_MAX_BYTES = 512 * 1024;

const inputSchema = {
  twin_id: TwinIdSchema,
  ids: z.array(ObjectIdSchema).min(1).max(1000).describe('e.g. [3] or [3, 7].'),
  op: z.enum(MASK_OPS).default('union').describe('union: any of them; intersection: all; difference: the first minus the rest.'),
  format: z
    .enum(MASK_FORMATS)
    .default('png')
    .describe(
      'png: binary mask; rle: COCO RLE; polygon: rings in px; cutout: the pixels on transparency; overlay: a picture ' +
        'to check with (ids of a union in distinct colours).',
    ),
  crop: z.boolean().optional().describe('overlay: crop to the objects and enlarge.'),
  output_path: z.string().min(1).max(4096).optional().describe('Also write a file (inside the allowed roots, or relative to the output directory).'),
  overwrite: z.boolean().optional().describe('Replace output_path if it exists.'),
};

export const getMaskConfig = {
  title: 'Get mask of objects',
  description: [
    'The mask of objects combined by op, with area (px) and bbox, as a twin:// resource link (resources/read).',
    'Small masks come inline; overlay is a picture to check a choice before delivering. Writes a file only with',
    'output_path, never over an existing one unless overwrite.',
  ].join(' '),
  inputSchema,
  // It writes (and, with overwrite, replaces) a file only when asked to; otherwise it only reads.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
};

/** TWINSEG_TRACE: what the host took, for `twinseg eval --predictions`. A failed write is logged, not fatal. */
async function recordPrediction(ctx: ToolContext, file: string, args: { twin_id: string; ids: number[]; op: MaskOp }): Promise<void> {
  const twin = await ctx.twins.get(args.twin_id);
  await predictionTraceFor(file)
    .append({ image: twin.image.source, twin_id: args.twin_id, ids: args.ids, op: args.op })
    .catch((e: unknown) => ctx.log(`twinseg: could not append to the trace ${file}: ${errorMessage(e)}`));
}

export function registerGetMaskTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'get_mask',
    getMaskConfig,
    withToolErrors('get_mask', ctx.log, async (args): Promise<CallToolResult> => {
      const selection: MaskSelection = { twinId: args.twin_id, ids: args.ids, op: args.op, format: args.format, crop: args.crop ?? false };
      const { outcome: m, mime, data } = await maskPayload(ctx.twins, selection);
      if (ctx.config.trace) await recordPrediction(ctx, ctx.config.trace, args);
      const uri = maskUri(selection);
      const structured: Record<string, unknown> = {
        twin_id: args.twin_id,
        ids: args.ids,
        op: args.op,
        format: args.format,
        area: m.area,
        bbox: m.bbox,
        width: m.width,
        height: m.height,
        uri,
      };
      let file: WrittenFile | undefined;
      if (args.output_path !== undefined) {
        file = await writeOutputFile(ctx, { requested: args.output_path, data, mimeType: mime, overwrite: args.overwrite ?? false });
        structured.file = { path: file.path, bytes: file.bytes };
      }
      // The text mirror stays small: a large payload travels once, in structuredContent or the resource.
      const mirror = JSON.stringify(structured);
      const extra: ContentBlock[] = [];
      if (typeof data === 'string') {
        if (data.length <= INLINE_JSON_MAX_CHARS) Object.assign(structured, JSON.parse(data) as object);
      } else if (m.picture && data.byteLength <= INLINE_PICTURE_MAX_BYTES) {
        extra.push({ type: 'image', data: data.toString('base64'), mimeType: mime });
      } else if (data.byteLength <= INLINE_BLOB_MAX_BYTES) {
        extra.push({ type: 'resource', resource: { uri, mimeType: mime, blob: data.toString('base64') } });
      }
      const where = file ? ` Written to ${file.path}.` : '';
      const summary = `Mask of ${args.op} of [${args.ids.join(', ')}]: area ${m.area} px, bbox [${m.bbox.join(', ')}]. Read it at ${uri}.${where}`;
      return {
        content: [
          { type: 'text', text: summary },
          { type: 'text', text: mirror },
          { type: 'resource_link', uri, name: maskFileName(selection), mimeType: mime, description: `${args.format} mask of objects ${args.ids.join(', ')}` },
          ...extra,
        ],
        structuredContent: structured,
      };
    }),
  );
}

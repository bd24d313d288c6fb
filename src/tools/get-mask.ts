// get_mask: the combined mask of objects as a twin:// resource (readable with resources/read over any
// transport), inline when small or meant for looking at, and as a file only when output_path asks.
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { errorMessage, TwinsegError } from '../errors.js';
import { describeExpression, normalExpression, type MaskExpression } from '../twin/mask-expression.js';
import { MASK_FORMATS, MASK_MIME, MASK_OPS, type KeepOutcome, type PictureWindow } from '../twin/twin-service-api.js';
import { CHECK_MAX_SIDE, imageContent, windowFields, windowSentence } from './picture-content.js';
import { predictionTraceFor } from './prediction-trace.js';
import type { ToolContext } from './tool-context.js';
import { maskPayload } from './masks/mask-payload.js';
import { maskFileName, maskUri, type MaskSelection } from './masks/mask-uri.js';
import { writeOutputFile, type WrittenFile } from './files/output-files.js';
import { ObjectIdSchema, toolInput, TwinIdSchema } from './schemas.js';
import { withToolErrors } from './tool-errors.js';

/** RLE / polygon JSON up to this size comes back in the result (~5k tokens); larger only as the resource. */
export const INLINE_JSON_MAX_CHARS = 20_000;
/** Binary masks and cut-outs up to this size are embedded in the result as well as linked. */
export const INLINE_BLOB_MAX_BYTES = 64 * 1024;
export const INLINE_PICTURE_MAX_BYTES = 512 * 1024;

const inputSchema = toolInput({
  twin_id: TwinIdSchema,
  ids: z.array(ObjectIdSchema).min(1).max(1000).describe('e.g. [3] or [3, 7].'),
  op: z.enum(MASK_OPS).default('union').describe('How ids combine; difference: the first minus the rest.'),
  exclude: z.array(ObjectIdSchema).max(1000).optional().describe('Ids taken away after op.'),
  keep: z.boolean().optional().describe('Keep the result as one new object.'),
  format: z
    .enum(MASK_FORMATS)
    .default('png')
    .describe('png: binary; rle: COCO; polygon: rings in px; cutout: pixels on transparency; overlay: the picture only.'),
  crop: z.boolean().optional().describe('overlay: crop to the objects and enlarge.'),
  output_path: z.string().min(1).max(4096).optional().describe('Also write a file there (inside the roots).'),
  overwrite: z.boolean().optional().describe('Replace output_path if it exists.'),
});

export const getMaskConfig = {
  title: 'Get mask of objects',
  description:
    'The mask of objects (area px, bbox) as a twin:// resource link, small ones inline, and a close-up of it on the photo: ' +
    'one call checks and answers.',
  inputSchema,
  // It writes (and, with overwrite, replaces) a file only when asked to; otherwise it only reads.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
};

/** TWINSEG_TRACE: what the host took, for `twinseg eval --predictions`. A failed write is logged, not fatal. */
async function recordPrediction(ctx: ToolContext, file: string, twinId: string, e: MaskExpression): Promise<void> {
  const twin = await ctx.twins.get(twinId);
  await predictionTraceFor(file)
    .append({ image: twin.image.source, twin_id: twinId, ids: e.ids, op: e.op, exclude: e.exclude })
    .catch((e: unknown) => ctx.log(`twinseg: could not append to the trace ${file}: ${errorMessage(e)}`));
}

function keptLead(kept: KeepOutcome, from: string, e: MaskExpression): string {
  if (kept.reused) return `The mask is exactly object ${kept.object.id}'s, so nothing was added; twin ${from} is unchanged`;
  return `Kept ${describeExpression(e)} as object ${kept.object.id} in revision ${kept.twin.id} of ${from}; use ${kept.twin.id} from now on`;
}

export function registerGetMaskTool(server: McpServer, ctx: ToolContext): RegisteredTool {
  return server.registerTool(
    'get_mask',
    getMaskConfig,
    withToolErrors('get_mask', ctx.log, async (args, request): Promise<CallToolResult> => {
      const expression = normalExpression({ ids: args.ids, op: args.op, exclude: args.exclude });
      const view = { format: args.format, crop: args.crop ?? false };
      // A kept result is served as its object, so the URI (and a later answer) names one id.
      const roots = await ctx.roots.current(request);
      const kept = args.keep
        ? await ctx.twins.keepMask({ twinId: args.twin_id, ...expression, access: ctx.session.access(args.twin_id, roots) })
        : undefined;
      ctx.session.saw(args.twin_id);
      if (kept) ctx.session.made(kept.twin.id, args.twin_id);
      const selection: MaskSelection = kept
        ? { twinId: kept.twin.id, ids: [kept.object.id], op: 'union', ...view }
        : { twinId: args.twin_id, ...expression, ...view };
      const access = ctx.session.access(selection.twinId, roots);
      const payload = await maskPayload(ctx.twins, selection, access);
      const { outcome: m, mime, data } = payload;
      if (ctx.config.trace) await recordPrediction(ctx, ctx.config.trace, args.twin_id, expression);
      const uri = maskUri(selection);
      // A picture is also an answer: the binary mask it shows is linked beside it, so checking needs no second call.
      const binary = payload.kind === 'picture' ? maskUri({ ...selection, format: 'png', crop: false }) : undefined;
      // A picture's window maps its pixels back to the image's (overlays may be cropped and enlarged).
      const window = 'picture' in m ? m.picture.window : undefined;
      const structured: Record<string, unknown> = {
        twin_id: args.twin_id,
        ...expression,
        ...(kept ? { kept: { twin_id: kept.twin.id, id: kept.object.id, ...(kept.reused ? { reused: true } : {}) } } : {}),
        format: args.format,
        area: m.area,
        bbox: m.bbox,
        width: m.width,
        height: m.height,
        uri,
        ...(binary ? { mask_uri: binary } : {}),
        ...(window ? windowFields(window) : {}),
      };
      let file: WrittenFile | undefined;
      if (args.output_path !== undefined) {
        file = await writeOutputFile(ctx, { requested: args.output_path, data, mimeType: mime, overwrite: args.overwrite ?? false }, roots);
        structured.file = { path: file.path, bytes: file.bytes };
      }
      // The text mirror stays small: a large payload travels once, in structuredContent or the resource.
      const mirror = JSON.stringify(structured);
      const extra: ContentBlock[] = [];
      if (payload.kind === 'json') {
        if (payload.data.length <= INLINE_JSON_MAX_CHARS) Object.assign(structured, payload.json);
      } else if (payload.kind === 'picture' && payload.data.byteLength <= INLINE_PICTURE_MAX_BYTES) {
        extra.push({ type: 'image', data: payload.data.toString('base64'), mimeType: mime });
      } else if (payload.data.byteLength <= INLINE_BLOB_MAX_BYTES) {
        extra.push({ type: 'resource', resource: { uri, mimeType: mime, blob: payload.data.toString('base64') } });
      }
      // The answer and its check in one reply: a host that sees the mask on the photo need not ask again.
      let checkWindow: PictureWindow | undefined;
      if (payload.kind !== 'picture') {
        const check = await ctx.twins
          .mask({
            twinId: selection.twinId,
            ids: selection.ids,
            op: selection.op,
            exclude: selection.exclude,
            format: 'overlay',
            crop: true,
            maxSide: CHECK_MAX_SIDE,
            access,
          })
          // The mask needs no pixels; a caller who may not read the image gets it without the picture.
          .catch((e: unknown) => {
            if (e instanceof TwinsegError && e.code === 'IMAGE_NOT_FOUND') return undefined;
            throw e;
          });
        if (check) {
          checkWindow = check.picture.window;
          extra.push(imageContent(check.picture));
        }
      }
      const shown = window ?? checkWindow;
      const where =
        (file ? ` Written to ${file.path}.` : '') +
        (shown ? ` ${window ? 'Picture' : 'The picture shows it on the photo'}: ${windowSentence(shown)}.` : '');
      const read = binary ? `The picture is at ${uri}; the mask it shows (PNG) at ${binary}` : `Read it at ${uri}`;
      const summary = `${kept ? keptLead(kept, args.twin_id, expression) : `Mask of ${describeExpression(expression)}`}: area ${m.area} px, bbox [${m.bbox.join(', ')}]. ${read}.${where}`;
      return {
        content: [
          { type: 'text', text: summary },
          { type: 'text', text: mirror },
          {
            type: 'resource_link',
            uri,
            name: maskFileName(selection),
            mimeType: mime,
            description: `${args.format} mask of ${describeExpression(selection)}`,
          },
          ...(binary
            ? [
                {
                  type: 'resource_link' as const,
                  uri: binary,
                  name: maskFileName({ ...selection, format: 'png', crop: false }),
                  mimeType: MASK_MIME.png,
                  description: `png mask of ${describeExpression(selection)}`,
                },
              ]
            : []),
          ...extra,
        ],
        structuredContent: structured,
      };
    }),
  );
}

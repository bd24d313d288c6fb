// segment: prompted segmentation for what everything-mode missed. The result is a new revision of the
// twin (or the existing object the mask duplicates), with what the mask is next to the other objects
// and a small picture to check it, so a host can decide without another call.
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TwinsegError } from '../errors.js';
import type { Prompt } from '../perception/contract.js';
import { MASK_MIME, type SegmentOutcome } from '../twin/twin-service-api.js';
import { compactObject } from '../twin/views.js';
import type { ToolContext } from './tool-context.js';
import { CHECK_MAX_SIDE, imageContent } from './picture-content.js';
import { maskFileName, maskUri } from './masks/mask-uri.js';
import { callControlFor } from './call-control.js';
import { BoxSchema, ObjectIdSchema, PointSchema, toolInput, TwinIdSchema } from './schemas.js';
import { withToolErrors } from './tool-errors.js';

const inputSchema = toolInput({
  twin_id: TwinIdSchema,
  points: z.array(PointSchema).min(1).max(64).optional().describe('Clicks in image pixels.'),
  box: BoxSchema.optional().describe('A box around the object.'),
  object: ObjectIdSchema.optional().describe('Refine this object: add the clicks to its earlier ones.'),
  alternative: z.literal([0, 1, 2, 3]).optional().describe("With object: take that reply's alternative instead."),
});

export const segmentConfig = {
  title: 'Segment by points or box',
  description:
    'Adds an object from clicks, a box or both, or refines one ("object": its id, new clicks). Returns a new ' +
    'twin_id, the object and its mask, scores, alternatives, a close-up, a next step per ignored click.',
  inputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function headline(out: SegmentOutcome, from: string): string {
  const o = out.object;
  const where = o.parent === null ? 'a whole object' : `a part of object ${o.parent}, which contains it`;
  const adopted = out.action !== 'matched' && o.children.length ? ` Objects ${o.children.join(', ')} lie inside it and are its parts.` : '';
  const revision = `in revision ${out.twin.id} of ${from}; use ${out.twin.id} from now on.${adopted}`;
  if (out.action === 'matched') {
    const kept =
      out.twin.id === from
        ? `twin ${from} is unchanged`
        : `object ${o.id} now has the mask and clicks of this call, so refining it adds to them, ${revision}`;
    return `The mask matches existing object ${o.id} (IoU ≥ 0.9, and it keeps to your clicks as well), so nothing was added; ${kept}`;
  }
  if (out.action === 'added') {
    const near = out.relations.find((r) => r.relation === 'duplicate');
    const kept = near ? ` Object ${near.id} has nearly this mask (IoU ${near.iou}) but breaks your clicks, so this is a new object.` : '';
    return `Added object ${o.id} (${where}, ${o.area} px) ${revision}${kept}`;
  }
  const c = out.change!;
  return `Refined object ${o.id} (${where}): ${c.areaBefore} → ${c.areaAfter} px, ${c.added} px added, ${c.removed} px removed, IoU ${c.iouWithBefore} with before, ${revision}`;
}

function lead(out: SegmentOutcome, from: string): string {
  const head = headline(out, from);
  const w = out.alternativesPicture?.window;
  const pictured = w ? `; the last picture shows each, numbered, over [${w.x1}, ${w.y1}, ${w.x2}, ${w.y2}] at scale ${w.scale}` : '';
  const alternatives = out.alternatives.length
    ? ` Alternatives: ${out.alternatives.map((a) => `${a.alternative} (${a.granularity}, ${a.area} px, IoU ${a.predictedIou})`).join(', ')}${pictured}; pass {"object": ${out.object.id}, "alternative": N} to take one.`
    : '';
  const missed = out.missedPoints.length
    ? ` The mask disagrees with ${out.missedPoints.length} click(s): ${out.missedPoints.map((p) => p.next).join('. ')}.`
    : '';
  return `${head} Predicted IoU ${round3(out.scores.predictedIou)}, stability ${round3(out.scores.stability)}.${missed}${alternatives}`;
}

export function registerSegmentTool(server: McpServer, ctx: ToolContext): RegisteredTool {
  return server.registerTool(
    'segment',
    segmentConfig,
    withToolErrors('segment', ctx.log, async (args, extra): Promise<CallToolResult> => {
      const refining = args.object !== undefined;
      if (!refining && !args.box && !args.points?.some((p) => p.label === 1)) {
        throw new TwinsegError('INVALID_INPUT', 'segment needs a box or at least one point with label 1 (or an object to refine).', {
          hint: 'Example: {"points": [{"x": 120, "y": 80, "label": 1}]} or {"box": [100, 50, 220, 160]}.',
        });
      }
      if (refining && !args.box && !args.points?.length && args.alternative === undefined) {
        throw new TwinsegError('INVALID_INPUT', `Refining object ${args.object} needs new clicks, a box, or an alternative.`, {
          hint: 'Add a positive click where the mask is missing something, a negative click (label 0) on what it wrongly includes.',
        });
      }
      if (args.alternative !== undefined && !refining) {
        throw new TwinsegError('INVALID_INPUT', '"alternative" picks another mask for an object, so it needs "object".', {
          hint: `Pass the object id the reply named, e.g. {"object": 12, "alternative": ${args.alternative}}.`,
        });
      }
      const prompt: Prompt | undefined = args.points || args.box ? {} : undefined;
      if (args.points) prompt!.points = args.points.map((p) => ({ x: p.x, y: p.y, label: p.label }));
      if (args.box) prompt!.box = args.box;
      const roots = await ctx.roots.current(extra);
      const out = await ctx.twins.segment(
        args.twin_id,
        {
          prompt,
          object: args.object,
          alternative: args.alternative,
          access: ctx.session.access(args.twin_id, roots),
          pictureAlternatives: true,
        },
        callControlFor(extra, ctx.log),
      );
      ctx.session.saw(args.twin_id);
      ctx.session.made(out.twin.id, args.twin_id);
      // The object's mask is linked in the reply, beside its close-up: a host that sees it right has its answer.
      const selection = { twinId: out.twin.id, ids: [out.object.id], op: 'union' as const, format: 'png' as const, crop: false };
      const maskLink = maskUri(selection);
      const structured = {
        twin_id: out.twin.id,
        action: out.action,
        mask_uri: maskLink,
        object: {
          ...compactObject(out.object, out.twin.image),
          predicted_iou: round3(out.scores.predictedIou),
          stability: round3(out.scores.stability),
        },
        relations: out.relations,
        missed_points: out.missedPoints,
        ...(out.change ? { change: out.change } : {}),
        ...(out.alternatives.length ? { alternatives: out.alternatives } : {}),
      };
      const picture = await ctx.twins.overlay(out.twin.id, [out.object.id], {
        crop: true,
        maxSide: CHECK_MAX_SIDE,
        access: ctx.session.access(out.twin.id, roots),
      });
      return {
        content: [
          { type: 'text', text: `${lead(out, args.twin_id)} Its mask: ${maskLink}.` },
          { type: 'text', text: JSON.stringify(structured) },
          {
            type: 'resource_link',
            uri: maskLink,
            name: maskFileName(selection),
            mimeType: MASK_MIME.png,
            description: `png mask of object ${out.object.id}`,
          },
          imageContent(picture),
          ...(out.alternativesPicture ? [imageContent(out.alternativesPicture)] : []),
        ],
        structuredContent: structured,
      };
    }),
  );
}

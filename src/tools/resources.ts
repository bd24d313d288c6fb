// Resources: twin://{id} (the twin as JSON, masks excluded), twin://{id}/marks.jpg (the set-of-marks
// picture), twin://{id}/photo.jpg (the photo alone, for the twin view to outline itself) and
// twin://{id}/mask/{selection} (any mask get_mask names). resources/list shows the twins this session
// built, made or was given (session-twins.ts), never another client's.
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TwinsegError } from '../errors.js';
import type { Twin } from '../twin/scene-model.js';
import { detailedView } from '../twin/views.js';
import type { ToolContext } from './tool-context.js';
import { maskPayload } from './masks/mask-payload.js';
import { parseMaskSelection } from './masks/mask-uri.js';
import { MARKS_MAX_SIDE } from './picture-content.js';
import { resourceError } from './tool-errors.js';

/** Twins listed by resources/list. */
export const RECENT_TWINS_LISTED = 50;

function variable(v: string | string[] | undefined): string {
  const raw = Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new TwinsegError('INVALID_INPUT', `The twin id ${JSON.stringify(raw.slice(0, 80))} in the URI is not valid percent-encoding.`, {
      hint: 'Use the twin id exactly as build_digital_twin returned it, e.g. twin://tw_0123456789abcdef.',
    });
  }
}

// Resource reads have no tool-result channel: failures go back as JSON-RPC errors with the same text.
async function orResourceError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw resourceError(e);
  }
}

function describe(twin: Twin, source: string | undefined): string {
  const what = twin.revision ? `revision of ${twin.revision.parent}: ${twin.revision.change}` : 'built from the image';
  return `${twin.objects.length} objects, ${what}; ${source ? `image ${source}; ` : ''}${twin.createdAt}`;
}

/** The twins this session has seen that the store still holds, most recently used first. */
async function sessionList(ctx: ToolContext): Promise<{ uri: string; name: string; description: string; mimeType: string }[]> {
  const out = [];
  for (const id of ctx.session.ids()) {
    if (out.length >= RECENT_TWINS_LISTED) break;
    const twin = await ctx.twins.get(id).catch(() => undefined);
    if (twin)
      out.push({ uri: `twin://${id}`, name: id, description: describe(twin, ctx.session.sourceOf(id)), mimeType: 'application/json' });
  }
  return out;
}

export function registerResources(server: McpServer, ctx: ToolContext): void {
  server.registerResource(
    'twin',
    new ResourceTemplate('twin://{id}', {
      list: async () => ({ resources: await sessionList(ctx) }),
    }),
    {
      title: 'Digital twin (JSON)',
      description: 'A twin or revision (masks excluded): every object with outline, geometry, colour, hierarchy and labels.',
      mimeType: 'application/json',
    },
    (uri, vars) =>
      orResourceError(async () => {
        const twin = await ctx.twins.get(variable(vars.id));
        ctx.session.saw(twin.id);
        const view = {
          ...detailedView(twin, { source: ctx.session.sourceOf(twin.id) }),
          ...(twin.revision ? { revision: twin.revision } : {}),
        };
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(view) }] };
      }),
  );
  server.registerResource(
    'twin-marks',
    new ResourceTemplate('twin://{id}/marks.jpg', { list: undefined }),
    {
      title: 'Set-of-marks picture of a twin',
      description: 'The image with each object id drawn on its object (JPEG, longest side at most 1568 px).',
      mimeType: 'image/jpeg',
    },
    (uri, vars, extra) =>
      orResourceError(async () => {
        const id = variable(vars.id);
        const m = await ctx.twins.marks(id, { maxSide: MARKS_MAX_SIDE, access: ctx.session.access(id, await ctx.roots.current(extra)) });
        ctx.session.saw(id);
        return { contents: [{ uri: uri.href, mimeType: m.mime, blob: m.data.toString('base64') }] };
      }),
  );
  server.registerResource(
    'twin-photo',
    new ResourceTemplate('twin://{id}/photo.jpg', { list: undefined }),
    {
      title: 'Photo of a twin',
      description: 'The image the twin was built from, without marks (JPEG, longest side at most 1568 px).',
      mimeType: 'image/jpeg',
    },
    (uri, vars, extra) =>
      orResourceError(async () => {
        const id = variable(vars.id);
        // The marks of no objects: the photo scaled and encoded as the marks picture is.
        const p = await ctx.twins.marks(id, {
          maxSide: MARKS_MAX_SIDE,
          ids: [],
          access: ctx.session.access(id, await ctx.roots.current(extra)),
        });
        ctx.session.saw(id);
        return { contents: [{ uri: uri.href, mimeType: p.mime, blob: p.data.toString('base64') }] };
      }),
  );
  server.registerResource(
    'twin-mask',
    new ResourceTemplate('twin://{id}/mask/{selection}', { list: undefined }),
    {
      title: 'A mask of twin objects',
      description:
        'Selection {op}-{ids}[-minus-{ids}].{ext}, e.g. union-3-7.png or union-1-6-minus-70.png; ext png (binary mask), rle.json (COCO RLE), polygon.json, ' +
        'cutout.png, overlay.jpg, overlay-crop.jpg. get_mask returns these URIs.',
    },
    (uri, vars, extra) =>
      orResourceError(async () => {
        const selection = parseMaskSelection(variable(vars.id), variable(vars.selection));
        const access = ctx.session.access(selection.twinId, await ctx.roots.current(extra));
        const { mime, data } = await maskPayload(ctx.twins, selection, access);
        ctx.session.saw(selection.twinId);
        const body = typeof data === 'string' ? { text: data } : { blob: data.toString('base64') };
        return { contents: [{ uri: uri.href, mimeType: mime, ...body }] };
      }),
  );
}

// Resources: twin://{id} (the twin as JSON, masks excluded) and twin://{id}/marks.png.
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TwinsegError } from '../errors.js';
import { detailedView } from '../twin/views.js';
import type { ToolContext } from './context.js';
import { MARKS_MAX_SIDE } from './marks-reply.js';
import { resourceError } from './tool-errors.js';

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

export function registerResources(server: McpServer, ctx: ToolContext): void {
  server.registerResource(
    'twin-marks',
    new ResourceTemplate('twin://{id}/marks.png', { list: undefined }),
    {
      title: 'Set-of-marks image of a twin',
      description: 'The image with each object id drawn on its object (PNG, longest side at most 1568 px).',
      mimeType: 'image/png',
    },
    (uri, vars) =>
      orResourceError(async () => {
        const m = await ctx.twins.marks(variable(vars.id), { maxSide: MARKS_MAX_SIDE });
        return { contents: [{ uri: uri.href, mimeType: m.mime, blob: m.data.toString('base64') }] };
      }),
  );
  server.registerResource(
    'twin',
    new ResourceTemplate('twin://{id}', { list: undefined }),
    {
      title: 'Digital twin (JSON)',
      description: 'The full twin of a built image (masks excluded): every object with outline, geometry, colour, hierarchy and labels.',
      mimeType: 'application/json',
    },
    (uri, vars) =>
      orResourceError(async () => {
        const twin = await ctx.twins.get(variable(vars.id));
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(detailedView(twin)) }] };
      }),
  );
}

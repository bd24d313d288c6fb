// The set-of-marks picture the host looks at to match ids to objects. Vision hosts downscale anything
// over ~1568 px and reject very large payloads, so ask for smaller renderings until it fits.
import type { ImageContent } from '@modelcontextprotocol/sdk/types.js';
import type { MarksOutcome } from '../twin/service-types.js';
import type { ToolContext } from './context.js';

export const MARKS_MAX_SIDE = 1568;
export const MARKS_MAX_BYTES = 1_000_000;
const SIDES = [MARKS_MAX_SIDE, 1024, 768, 512];

export async function marksWithinLimits(ctx: ToolContext, twinId: string, ids?: number[]): Promise<MarksOutcome | undefined> {
  for (const maxSide of SIDES) {
    const m = await ctx.twins.marks(twinId, ids ? { maxSide, ids } : { maxSide });
    if (m.data.byteLength <= MARKS_MAX_BYTES) return m;
  }
  ctx.log(`twinseg: marks image of ${twinId} stays over ${MARKS_MAX_BYTES} bytes even at 512 px; not sent inline`);
  return undefined;
}

export function imageContent(m: MarksOutcome): ImageContent {
  return { type: 'image', data: m.data.toString('base64'), mimeType: m.mime };
}

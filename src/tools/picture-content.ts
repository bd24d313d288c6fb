// Pictures as MCP content: image blocks whose MIME type matches their bytes.
import type { ImageContent } from '@modelcontextprotocol/sdk/types.js';
import type { Picture } from '../twin/twin-service-api.js';

/** Longest side of the set-of-marks picture: what vision hosts use without downscaling (~1.15 MP). */
export const MARKS_MAX_SIDE = 1568;
/** Longest side of the small check picture a segment reply carries. */
export const CHECK_MAX_SIDE = 512;

export function imageContent(p: Picture): ImageContent {
  return { type: 'image', data: p.data.toString('base64'), mimeType: p.mime };
}

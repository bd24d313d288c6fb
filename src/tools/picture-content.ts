// Pictures as MCP content: image blocks whose MIME type matches their bytes, and the words that let a
// host map a pixel of a picture back to the image.
import type { ImageContent } from '@modelcontextprotocol/sdk/types.js';
import type { MarksPicture, Picture, PictureWindow } from '../twin/twin-service-api.js';

/** Longest side of the set-of-marks picture: what vision hosts use without downscaling (~1.15 MP). */
export const MARKS_MAX_SIDE = 1568;
/** Longest side of the small check picture a segment reply carries. */
export const CHECK_MAX_SIDE = 512;

export function imageContent(p: Picture): ImageContent {
  return { type: 'image', data: p.data.toString('base64'), mimeType: p.mime };
}

/** What a picture shows, for structuredContent: the window [x1, y1, x2, y2] in image pixels and the scale. */
export function windowFields(w: PictureWindow): { window: [number, number, number, number]; scale: number } {
  return { window: [w.x1, w.y1, w.x2, w.y2], scale: w.scale };
}

/** The mapping from picture pixels to image pixels, in words. */
export function windowSentence(w: PictureWindow): string {
  const offset = (v: number) => (v === 0 ? '' : `${v} + `);
  return `image_x = ${offset(w.x1)}picture_x / ${w.scale}, image_y = ${offset(w.y1)}picture_y / ${w.scale}`;
}

/** The overview's size and scale, and what it leaves unlabelled, for structuredContent. */
export function marksFields(m: MarksPicture): Record<string, unknown> {
  return {
    width: m.width,
    height: m.height,
    scale: m.window.scale,
    labels: m.crowded ? 'wholes' : 'all',
    ...(m.unlabelled.length > 0 ? { unlabelled: m.unlabelled } : {}),
  };
}

/** What the attached overview shows, and where to read what it leaves out. */
export function marksSentence(m: MarksPicture): string {
  const size = `The attached picture (${m.width}×${m.height}, ${windowSentence(m.window)}) shows each object id on its object`;
  const crowded = m.crowded
    ? `; the scene is crowded, so it labels whole objects only (${m.labelled.length}): call zoom on a region to read the ids of parts`
    : '';
  const left = m.unlabelled.length > 0 ? `. No room for the labels of ${m.unlabelled.join(', ')}: zoom on them` : '';
  return `${size}${crowded}${left}.`;
}

// The reasoning-segmentation prompt: the loop a host follows (build, look or zoom, choose, check one overlay of all
// candidates, refine in place, take the mask), in a few lines.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

export function reasoningSegmentationText(image: string, request: string): string {
  return [
    `Segment what this request means in the image ${image}:`,
    `"${request}"`,
    '',
    '1. Build: build_digital_twin with this image. Use the twin_id each reply gives you from then on:',
    '   label_objects and segment return a new one (a revision).',
    '2. Look: match the request to the ids on the picture and the JSON (bbox, position, colour, parent/parts).',
    '   Ids too small to read, or parts of a crowded picture: zoom on that region (its rulers are image pixels).',
    '3. Choose: label_objects the ids that matter, then filter_objects to pick by label, relation, size, colour.',
    '4. Check once: get_mask with ALL candidate ids, format "overlay", crop true — each id in its own colour.',
    '5. Fix in place: if the mask is wrong, segment with "object": its id and new clicks — a negative click',
    '   (label 0) on what leaked in, a positive one on what is missing; or take an "alternative" from the reply.',
    '   If the object is missing, segment with a click or box on it; a duplicate is answered with its id.',
    '   If a crowd came back as few merged objects (a rider and her horse as one), detail_region on its region',
    '   adds them apart in one call.',
    '   A click the mask ignores comes back with a "next" step: that call usually finishes it.',
    '6. Take: get_mask with the chosen ids and format "png" or "rle"; "exclude" takes ids away ("X without Y"),',
    '   "keep": true makes the result one new object.',
    'Answer with the ids you chose, why, and the mask resource.',
  ].join('\n');
}

export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'reasoning-segmentation',
    {
      title: 'Reasoning segmentation',
      description: 'Find and mask the object(s) a free-text request refers to, using the digital twin tools.',
      argsSchema: {
        image: z.string().describe('Image path or file:// URL inside the allowed roots.'),
        request: z.string().describe('What to segment, e.g. "the mug nearest the laptop".'),
      },
    },
    ({ image, request }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: reasoningSegmentationText(image, request) } }],
    }),
  );
}

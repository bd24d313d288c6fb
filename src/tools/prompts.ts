// The reasoning-segmentation prompt: walks a host through build → look → label → filter → get_mask.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

export function reasoningSegmentationText(image: string, request: string): string {
  return [
    `Segment what this request means in the image ${image}:`,
    `"${request}"`,
    '',
    'Work in these steps:',
    `1. Call build_digital_twin with image "${image}" (preset "balanced" unless speed matters). Note the twin_id.`,
    '2. Look at the returned marks image: every object carries its id. Read the twin JSON for bbox, position,',
    '   colour, size and parent/children (parts inside wholes).',
    '3. Call label_objects for the objects that matter to the request (names, attributes), so the twin says',
    '   what they are.',
    '4. Call filter_objects to select the objects the request refers to (by label, position, size, colour or',
    '   relations such as left-of, inside, largest). Check the result against the marks image.',
    '5. If the object is missing or cut wrongly, call segment with a point or box on it.',
    '6. Call get_mask with the chosen ids (format "overlay" to check visually, then "png" or "rle" to deliver).',
    'Answer with the ids you chose, why, and the mask file.',
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

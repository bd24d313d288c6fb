import { describe, expect, it } from 'vitest';
import { compactToolListing } from '../../src/server/tool-listing.js';
import { startHarness } from '../helpers/mcp-harness.js';

describe('tools/list', () => {
  it('drops the SDK defaults: the $schema URL, taskSupport forbidden and hints that say nothing', () => {
    const listing = {
      tools: [
        {
          name: 'a',
          inputSchema: { type: 'object', $schema: 'http://json-schema.org/draft-07/schema#' },
          execution: { taskSupport: 'forbidden' },
          annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
        },
        {
          name: 'b',
          inputSchema: { type: 'object' },
          execution: { taskSupport: 'optional' },
          annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
        },
      ],
    };
    expect(compactToolListing(listing)).toEqual({
      tools: [
        { name: 'a', inputSchema: { type: 'object' }, annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false } },
        { name: 'b', inputSchema: { type: 'object' }, execution: { taskSupport: 'optional' }, annotations: { readOnlyHint: true, openWorldHint: false } },
      ],
    });
  });

  it('is what the server lists, and the tools still validate their arguments', async () => {
    const h = await startHarness();
    try {
      const { tools } = await h.client.listTools();
      for (const t of tools) {
        expect(t.inputSchema).not.toHaveProperty('$schema');
        expect(t).not.toHaveProperty('execution');
      }
      expect(tools.find((t) => t.name === 'zoom')!.annotations).toEqual({ readOnlyHint: true, openWorldHint: false });
      const bad = await h.client.callTool({ name: 'zoom', arguments: { twin_id: 'x', region: [1, 2, 3] } });
      expect(bad.isError).toBe(true);
    } finally {
      await h.close();
    }
  });
});

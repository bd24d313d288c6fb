import { RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
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
        {
          name: 'b',
          inputSchema: { type: 'object' },
          execution: { taskSupport: 'optional' },
          annotations: { readOnlyHint: true, openWorldHint: false },
        },
      ],
    });
  });

  it('says an allOf of one schema alone and string property names the short way, leaving anything else as it was', () => {
    const schema = {
      type: 'object',
      properties: {
        where: { allOf: [{ $ref: '#/definitions/P' }] },
        described: { description: 'kept', allOf: [{ $ref: '#/definitions/P' }] },
        two: { allOf: [{ type: 'string' }, { minLength: 1 }] },
        options: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'number' } },
        pattern: { type: 'object', propertyNames: { type: 'string', pattern: '^a' } },
        // A property named like a keyword, and data, stay as they are.
        propertyNames: { type: 'string' },
        data: { type: 'object', default: { propertyNames: { type: 'string' } } },
      },
    };
    const { tools } = compactToolListing({ tools: [{ name: 'a', inputSchema: schema }] });
    expect(tools[0]!.inputSchema).toEqual({
      type: 'object',
      properties: {
        where: { $ref: '#/definitions/P' },
        described: { description: 'kept', allOf: [{ $ref: '#/definitions/P' }] },
        two: { allOf: [{ type: 'string' }, { minLength: 1 }] },
        options: { type: 'object', additionalProperties: { type: 'number' } },
        pattern: { type: 'object', propertyNames: { type: 'string', pattern: '^a' } },
        propertyNames: { type: 'string' },
        data: { type: 'object', default: { propertyNames: { type: 'string' } } },
      },
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

  it('stays within 10,000 characters for a client without MCP Apps and for one that declares them (tools then name the view)', async () => {
    const apps = { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: [RESOURCE_MIME_TYPE] } } };
    for (const capabilities of [undefined, apps]) {
      const h = await startHarness({ capabilities });
      try {
        const listed = await h.client.listTools();
        expect(listed.tools.some((t) => t._meta !== undefined)).toBe(capabilities !== undefined);
        expect(JSON.stringify(listed).length, capabilities ? 'with MCP Apps' : 'without MCP Apps').toBeLessThanOrEqual(10_000);
      } finally {
        await h.close();
      }
    }
  });
});

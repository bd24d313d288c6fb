// The twin view as the server offers it: one self-contained HTML resource, linked from the three tools
// that name a twin only for clients that declare MCP Apps; every other client sees the tools as before.
import { RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import { afterEach, describe, expect, it } from 'vitest';
import { TWIN_VIEW_URI } from '../../src/tools/twin-view.js';
import { startHarness, type Harness } from '../helpers/mcp-harness.js';

const MCP_APPS = { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: [RESOURCE_MIME_TYPE] } } };
const LINKED = ['build_digital_twin', 'get_mask', 'segment'];

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the twin view resource', () => {
  it('is one HTML page of at most 300 KB with its script and styles inside, asking nothing of the network', async () => {
    h = await startHarness();
    const { contents } = await h.client.readResource({ uri: TWIN_VIEW_URI });
    expect(contents).toHaveLength(1);
    const page = contents[0] as { uri: string; mimeType: string; text: string };
    expect(page).toMatchObject({ uri: TWIN_VIEW_URI, mimeType: 'text/html;profile=mcp-app' });
    expect(Buffer.byteLength(page.text)).toBeLessThanOrEqual(300 * 1024);
    expect(page.text).toMatch(/^<!doctype html>/i);
    // No external script, stylesheet, image or font: nothing with a src or href, no @import, no url().
    expect(page.text).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(\s*['"]?(https?:|\/\/)/i);
    expect(page.text).not.toContain('__VIEW_');
    // The SDK's App is inside: the page speaks the MCP Apps handshake itself.
    expect(page.text).toContain('ui/initialize');
  });

  it('is listed, so hosts can fetch it ahead of the first tool call', async () => {
    h = await startHarness();
    const { resources } = await h.client.listResources();
    expect(resources.find((r) => r.uri === TWIN_VIEW_URI)).toMatchObject({ mimeType: RESOURCE_MIME_TYPE });
  });
});

describe('linking the view from the tools', () => {
  it('names the view on build_digital_twin, segment and get_mask for a client that declares MCP Apps', async () => {
    h = await startHarness({ capabilities: MCP_APPS });
    const { tools } = await h.client.listTools();
    const linked = tools.filter((t) => t._meta !== undefined);
    expect(linked.map((t) => t.name).sort()).toEqual(LINKED);
    for (const t of linked) {
      expect(t._meta).toEqual({ ui: { resourceUri: TWIN_VIEW_URI } });
    }
  });

  it('leaves tools/list as it was for a client without MCP Apps', async () => {
    h = await startHarness();
    const { tools } = await h.client.listTools();
    expect(tools.filter((t) => t._meta !== undefined)).toEqual([]);
  });

  it('keeps the results themselves the same for both kinds of client', async () => {
    const results: unknown[] = [];
    for (const capabilities of [undefined, MCP_APPS]) {
      h = await startHarness({ capabilities });
      const r = await h.call('build_digital_twin', { image: 'photo.png' });
      results.push({ content: r.content.map((c) => c.type), structured: Object.keys(r.structuredContent ?? {}), meta: r._meta });
      await h.close();
      h = undefined;
    }
    expect(results[1]).toEqual(results[0]);
  });
});

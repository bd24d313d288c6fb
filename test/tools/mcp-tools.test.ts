import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from '../helpers/mcp-harness.js';
import { TINY_PNG } from '../helpers/fake-twin-service.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function buildTwin(h: Harness): Promise<string> {
  const r = await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png') });
  expect(r.isError).toBeFalsy();
  return (r.structuredContent as { twin_id: string }).twin_id;
}

describe('MCP tools over an in-memory client', () => {
  it('lists the five tools with titles, schemas and annotations', async () => {
    h = await startHarness();
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['build_digital_twin', 'filter_objects', 'get_mask', 'label_objects', 'segment']);
    for (const t of tools) {
      expect(t.title).toBeTruthy();
      expect(t.description!.length).toBeGreaterThan(80);
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type).toBe('object');
      expect(t.annotations).toBeDefined();
    }
    const filter = tools.find((t) => t.name === 'filter_objects')!;
    expect(JSON.stringify(filter.inputSchema)).toContain('left_of');
    expect(tools.find((t) => t.name === 'filter_objects')!.annotations!.readOnlyHint).toBe(true);
  });

  it('build_digital_twin returns the twin id, compact JSON and the marks image, then the cached twin', async () => {
    h = await startHarness();
    const r = await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png'), preset: 'fast' });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { twin_id: string; cached: boolean; object_count: number; image: { width: number }; twin: { objects: { id: number }[] } };
    expect(s.object_count).toBe(3);
    expect(s.image.width).toBe(20);
    expect(s.cached).toBe(false);
    expect(s.twin.objects.map((o) => o.id)).toEqual([1, 2, 3]);
    const image = r.content.find((c) => c.type === 'image');
    expect(image).toMatchObject({ type: 'image', mimeType: 'image/png', data: TINY_PNG.toString('base64') });
    expect(textOf(r)).toContain(s.twin_id);
    const marksCall = h.fake.calls.find((c) => c.method === 'marks')!.args as { maxSide: number };
    expect(marksCall.maxSide).toBe(1568);
    // The path the service receives is the real path inside the root.
    expect((h.fake.calls[0]!.args as { image: unknown }).image).toEqual({ kind: 'path', path: path.join(h.root, 'photo.png') });

    const again = await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png'), preset: 'fast' });
    expect((again.structuredContent as { cached: boolean; twin_id: string }).cached).toBe(true);
    expect((again.structuredContent as { twin_id: string }).twin_id).toBe(s.twin_id);
  });

  it('build_digital_twin accepts a relative path, a file:// URL and base64', async () => {
    h = await startHarness();
    expect((await h.call('build_digital_twin', { image: 'photo.png' })).isError).toBeFalsy();
    expect((await h.call('build_digital_twin', { image: `file://${path.join(h.root, 'photo.png')}` })).isError).toBeFalsy();
    const b64 = TINY_PNG.toString('base64');
    const r = await h.call('build_digital_twin', { image: `data:image/png;base64,${b64}` });
    expect(r.isError).toBeFalsy();
    expect((h.fake.calls.at(-2)!.args as { image: unknown }).image).toMatchObject({ kind: 'base64', base64: b64, dataUrl: true });
  });

  it('leaves out a marks image that stays over 1 MB and points to the resource instead', async () => {
    h = await startHarness({ fake: { marksBytes: 1_100_000 } });
    const r = await h.call('build_digital_twin', { image: 'photo.png' });
    expect(r.isError).toBeFalsy();
    expect(r.content.some((c) => c.type === 'image')).toBe(false);
    expect(textOf(r)).toContain('/marks.png');
    const sides = h.fake.calls.filter((c) => c.method === 'marks').map((c) => (c.args as { maxSide: number }).maxSide);
    expect(sides).toEqual([1568, 1024, 768, 512]);
  });

  it('sends notifications/progress while building when the client asks for them', async () => {
    h = await startHarness({ fake: { progressSteps: 4 } });
    const seen: { progress: number; total?: number }[] = [];
    const r = await h.call('build_digital_twin', { image: 'photo.png' }, { onprogress: (p) => seen.push(p) });
    expect(r.isError).toBeFalsy();
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4]);
    expect(seen.every((p) => p.total === 4)).toBe(true);
  });

  it('passes the client cancellation to the twin service as an aborted signal', async () => {
    h = await startHarness({ fake: { blockUntilAborted: true } });
    const ac = new AbortController();
    const pending = h.call('build_digital_twin', { image: 'photo.png' }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 20));
    ac.abort('user changed their mind');
    await expect(pending).rejects.toThrow();
    await expect.poll(() => h.fake.abortedSignal?.aborted).toBe(true);
    // The server is still serving.
    h.fake.opts.blockUntilAborted = false;
    expect((await h.call('build_digital_twin', { image: 'photo.png' })).isError).toBeFalsy();
  });

  it('filter_objects returns matching compact objects and their relations on request', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('filter_objects', { twin_id: id, query: { level: 'whole' }, relations: ['left_of'] });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { total: number; objects: { id: number }[]; relations: { subject: number; kind: string; object: number }[] };
    expect(s.total).toBe(2);
    expect(s.objects.map((o) => o.id)).toEqual([1, 2]);
    expect(s.relations).toContainEqual({ subject: 1, kind: 'left_of', object: 2 });
    const all = await h.call('filter_objects', { twin_id: id, query: {} });
    expect((all.structuredContent as { total: number }).total).toBe(3);
  });

  it('label_objects stores host labels that filter_objects can find', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('label_objects', { twin_id: id, labels: [{ id: 2, label: 'mug', attributes: ['blue'] }] });
    expect(r.isError).toBeFalsy();
    expect(h.fake.calls.find((c) => c.method === 'label')!.args).toMatchObject({ source: 'host' });
    expect((r.structuredContent as { updated: { id: number; label: string }[] }).updated).toEqual([expect.objectContaining({ id: 2, label: 'mug' })]);
    const f = await h.call('filter_objects', { twin_id: id, query: { text: 'mug' } });
    expect((f.structuredContent as { objects: { id: number }[] }).objects.map((o) => o.id)).toEqual([2]);
  });

  it('segment adds an object from a box and shows it marked', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('segment', { twin_id: id, box: [9, 1, 12, 4] });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { object: { id: number; bbox: number[] }; object_count: number };
    expect(s.object.id).toBe(4);
    expect(s.object.bbox).toEqual([9, 1, 12, 4]);
    expect(s.object_count).toBe(4);
    expect(r.content.some((c) => c.type === 'image')).toBe(true);
    expect(h.fake.calls.find((c) => c.method === 'marks' && (c.args as { ids?: number[] }).ids)?.args).toMatchObject({ ids: [4] });
  });

  it('segment without a box or a positive point is an actionable error', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('segment', { twin_id: id, points: [{ x: 3, y: 3, label: 0 }] });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/INVALID_INPUT.*label 1/);
  });

  it('get_mask writes a PNG in the output directory and returns a resource link with area and bbox', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('get_mask', { twin_id: id, ids: [1, 2], op: 'union', format: 'png' });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { area: number; bbox: number[]; file: { path: string; uri: string } };
    expect(s.area).toBe(7 * 8 + 7 * 6);
    expect(s.bbox).toEqual([1, 1, 19, 9]);
    expect(path.dirname(s.file.path)).toBe(path.join(h.root, 'out'));
    expect(await fs.readFile(s.file.path)).toEqual(TINY_PNG);
    const link = r.content.find((c) => c.type === 'resource_link');
    expect(link).toMatchObject({ type: 'resource_link', uri: s.file.uri, mimeType: 'image/png' });
    // A binary mask is not inlined.
    expect(r.content.some((c) => c.type === 'image')).toBe(false);
  });

  it('get_mask writes to an output_path inside the roots and inlines a small overlay', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('get_mask', { twin_id: id, ids: [1], format: 'overlay', output_path: 'masks/one.png' });
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { file: { path: string } }).file.path).toBe(path.join(h.root, 'masks', 'one.png'));
    expect(r.content.some((c) => c.type === 'image')).toBe(true);
  });

  it('get_mask returns small RLE and polygons inline, difference of two objects', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const rle = await h.call('get_mask', { twin_id: id, ids: [1, 3], op: 'difference', format: 'rle' });
    const s = rle.structuredContent as { area: number; rle: { counts: string }; file?: unknown };
    expect(s.area).toBe(7 * 8 - 3 * 3);
    expect(s.rle.counts).toBe('fakecounts');
    expect(s.file).toBeUndefined();
    const poly = await h.call('get_mask', { twin_id: id, ids: [3], format: 'polygon' });
    expect((poly.structuredContent as { polygons: { outer: number[][][] } }).polygons.outer).toHaveLength(1);
  });
});

describe('resources and prompt', () => {
  it('reads twin://{id} as JSON and twin://{id}/marks.png as a PNG blob', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const templates = await h.client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(['twin://{id}', 'twin://{id}/marks.png']);
    const json = await h.client.readResource({ uri: `twin://${id}` });
    const twin = JSON.parse((json.contents[0] as { text: string }).text) as { twin_id: string; objects: { outline: unknown }[] };
    expect(twin.twin_id).toBe(id);
    expect(twin.objects[0]!.outline).toBeDefined();
    const marks = await h.client.readResource({ uri: `twin://${id}/marks.png` });
    expect(marks.contents[0]).toMatchObject({ mimeType: 'image/png', blob: TINY_PNG.toString('base64') });
  });

  it('reading an unknown twin is an error that says how to get one', async () => {
    h = await startHarness();
    await expect(h.client.readResource({ uri: 'twin://nope' })).rejects.toThrow(/build_digital_twin/);
  });

  it('a twin URI with broken percent-encoding is INVALID_INPUT, not an internal error', async () => {
    h = await startHarness();
    for (const uri of ['twin://%ZZ', 'twin://%E0%A4%A']) {
      await expect(h.client.readResource({ uri })).rejects.toMatchObject({
        code: -32602,
        message: expect.stringMatching(/INVALID_INPUT: The twin id ".*" in the URI is not valid percent-encoding\. Use the twin id exactly/),
      });
    }
  });

  it('the reasoning-segmentation prompt walks through build, label, filter and get_mask', async () => {
    h = await startHarness();
    const { prompts } = await h.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['reasoning-segmentation']);
    const p = await h.client.getPrompt({ name: 'reasoning-segmentation', arguments: { image: '/x/a.jpg', request: 'the red mug' } });
    const text = (p.messages[0]!.content as { text: string }).text;
    for (const step of ['build_digital_twin', 'label_objects', 'filter_objects', 'get_mask', 'the red mug', '/x/a.jpg']) {
      expect(text).toContain(step);
    }
    expect(text.indexOf('build_digital_twin')).toBeLessThan(text.indexOf('get_mask'));
  });
});

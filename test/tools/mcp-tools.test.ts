import { promises as fs } from 'node:fs';
import os from 'node:os';
import sharp from 'sharp';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from '../helpers/mcp-harness.js';
import { decodeCocoRle } from '../../src/mask/coco-rle.js';
import { rleArea } from '../../src/mask/rle.js';
import { decodeMaskPng } from '../../src/twin/pictures/mask-png.js';
import { TINY_PNG } from '../helpers/recording-twin-service.js';

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
  it('lists the six tools with titles, schemas and annotations, in at most 10k characters', async () => {
    h = await startHarness();
    const listed = await h.client.listTools();
    const { tools } = listed;
    expect(tools.map((t) => t.name).sort()).toEqual([
      'build_digital_twin',
      'detail_region',
      'filter_objects',
      'get_mask',
      'label_objects',
      'segment',
      'zoom',
    ]);
    for (const t of tools) {
      expect(t.title).toBeTruthy();
      expect(t.description!.length).toBeGreaterThan(80);
      expect(t.inputSchema.type).toBe('object');
      // Strict: an argument the tool does not know is refused (test/tools/mcp-bad-calls.test.ts).
      expect(t.inputSchema.additionalProperties, t.name).toBe(false);
      expect(t.inputSchema, 'the SDK\'s "$schema" line is left out of tools/list').not.toHaveProperty('$schema');
      expect(t.annotations).toBeDefined();
      // Nothing the protocol's defaults say already: no taskSupport "forbidden", no readOnlyHint false.
      expect(t, t.name).not.toHaveProperty('execution');
      expect(t.annotations, t.name).not.toHaveProperty('readOnlyHint', false);
    }
    // A read-only tool's destructive and idempotent hints mean nothing; a writing tool keeps them (destructiveHint defaults to true).
    expect(tools.find((t) => t.name === 'filter_objects')!.annotations).toEqual({ readOnlyHint: true, openWorldHint: false });
    expect(tools.find((t) => t.name === 'detail_region')!.annotations).toEqual({
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    // Sent to the host model on every turn.
    expect(JSON.stringify(listed).length).toBeLessThanOrEqual(10_000);
    expect(JSON.stringify(listed)).not.toContain('9007199254740991');
    const filter = tools.find((t) => t.name === 'filter_objects')!;
    expect(JSON.stringify(filter.inputSchema)).toContain('left_of');
  });

  it('build_digital_twin returns the twin id, compact JSON and the marks image, then the cached twin', async () => {
    h = await startHarness();
    const r = await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png'), preset: 'fast' });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as {
      twin_id: string;
      cached: boolean;
      object_count: number;
      twin: { image: { width: number }; objects: { id: number }[] };
    };
    expect(s.object_count).toBe(3);
    expect(s.twin.image.width).toBe(20);
    expect(s.cached).toBe(false);
    expect(s.twin.objects.map((o) => o.id)).toEqual([1, 2, 3]);
    const image = r.content.find((c) => c.type === 'image') as { mimeType: string; data: string };
    expect(image.mimeType).toBe('image/jpeg');
    expect(Buffer.from(image.data, 'base64').subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(textOf(r)).toContain(s.twin_id);
    const marksCall = h.recording.calls.find((c) => c.method === 'marks')!.args as { maxSide: number };
    expect(marksCall.maxSide).toBe(1568);
    // The picture's size and scale, so a pixel of it maps back to the image; 20×10 is enlarged 4×.
    expect((r.structuredContent as { marks: unknown }).marks).toEqual({ width: 80, height: 40, scale: 4, labels: 'all' });
    expect(textOf(r)).toContain('(80×40, image_x = picture_x / 4, image_y = picture_y / 4)');
    // Then the photo alone, with rulers: a host given only a path has not seen it.
    const pictures = r.content.filter((c) => c.type === 'image');
    expect(pictures).toHaveLength(2);
    expect(h.recording.calls.find((c) => c.method === 'zoom')!.args).toEqual({ twinId: s.twin_id, region: [0, 0, 20, 10], only: [] });
    expect(textOf(r)).toMatch(/Then the photo alone \(\d+×\d+, rulers in image px\)/);
    // The path the service receives is the real path inside the root.
    expect((h.recording.calls[0]!.args as { image: unknown }).image).toEqual({
      kind: 'path',
      path: path.join(h.root, 'photo.png'),
      roots: [h.root],
    });

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
    const built = h.recording.calls.filter((c) => c.method === 'build').at(-1)!;
    expect((built.args as { image: unknown }).image).toMatchObject({ kind: 'base64', base64: b64, dataUrl: true });
  });

  it('sends notifications/progress while building when the client asks for them', async () => {
    h = await startHarness({ scripted: { progressSteps: 4 } });
    const seen: { progress: number; total?: number }[] = [];
    const r = await h.call('build_digital_twin', { image: 'photo.png' }, { onprogress: (p) => seen.push(p) });
    expect(r.isError).toBeFalsy();
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4]);
    expect(seen.every((p) => p.total === 4)).toBe(true);
  });

  it('passes the client cancellation to the twin service as an aborted signal', async () => {
    h = await startHarness({ scripted: { blockUntilAborted: true } });
    const ac = new AbortController();
    const pending = h.call('build_digital_twin', { image: 'photo.png' }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 20));
    ac.abort('user changed their mind');
    await expect(pending).rejects.toThrow();
    await expect.poll(() => h.recording.abortedSignal?.aborted).toBe(true);
    // The server is still serving.
    h.recording.opts.blockUntilAborted = false;
    expect((await h.call('build_digital_twin', { image: 'photo.png' })).isError).toBeFalsy();
  });

  it('filter_objects returns matching compact objects and their relations on request', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('filter_objects', { twin_id: id, query: { where: { level: 'whole' } }, relations: ['left_of'] });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as {
      total: number;
      objects: { id: number }[];
      relations: { subject: number; kind: string; object: number }[];
    };
    expect(s.total).toBe(2);
    expect(s.objects.map((o) => o.id)).toEqual([1, 2]);
    expect(s.relations).toContainEqual({ subject: 1, kind: 'left_of', object: 2 });
    const all = await h.call('filter_objects', { twin_id: id, query: {} });
    expect((all.structuredContent as { total: number }).total).toBe(3);
  });

  it('label_objects returns a new revision that filter_objects finds the labels in; the twin itself is unchanged', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('label_objects', { twin_id: id, labels: [{ id: 2, label: 'mug', attributes: ['blue'] }] });
    expect(r.isError).toBeFalsy();
    expect(h.recording.calls.find((c) => c.method === 'label')!.args).toMatchObject({ source: 'host' });
    const s = r.structuredContent as { twin_id: string; parent_twin_id: string; updated: { id: number; label: string }[] };
    expect(s.parent_twin_id).toBe(id);
    expect(s.twin_id).not.toBe(id);
    expect(textOf(r)).toContain(`Use ${s.twin_id} from now on`);
    expect(s.updated).toEqual([expect.objectContaining({ id: 2, label: 'mug' })]);
    const f = await h.call('filter_objects', { twin_id: s.twin_id, query: { where: { text: 'mug' } } });
    expect((f.structuredContent as { objects: { id: number }[] }).objects.map((o) => o.id)).toEqual([2]);
    const before = await h.call('filter_objects', { twin_id: id, query: { where: { text: 'mug' } } });
    expect((before.structuredContent as { total: number }).total).toBe(0);
  });

  it('two clients labelling the same photo keep separate revisions, and both survive', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const [a, b] = await Promise.all([
      h.call('label_objects', { twin_id: id, labels: [{ id: 1, label: 'car' }] }),
      h.call('label_objects', { twin_id: id, labels: [{ id: 1, label: 'bus' }] }),
    ]);
    const ra = (a.structuredContent as { twin_id: string }).twin_id;
    const rb = (b.structuredContent as { twin_id: string }).twin_id;
    expect(ra).not.toBe(rb);
    for (const [rev, label] of [
      [ra, 'car'],
      [rb, 'bus'],
    ] as const) {
      const f = await h.call('filter_objects', { twin_id: rev, query: { where: { ids: [1] } } });
      expect((f.structuredContent as { objects: { label?: string }[] }).objects[0]!.label).toBe(label);
    }
    const again = await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png') });
    expect((again.structuredContent as { twin: { objects: { label?: string }[] } }).twin.objects[0]!.label).toBeUndefined();
  });

  it('segment adds an object from a box in a new revision, with scores, relations and a close-up picture', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('segment', { twin_id: id, box: [9, 1, 12, 4], points: [{ x: 15, y: 5, label: 1 }] });
    expect(r.isError, textOf(r)).toBeFalsy();
    const s = r.structuredContent as {
      twin_id: string;
      action: string;
      object: { id: number; bbox: number[]; predicted_iou: number };
      missed_points: { x: number }[];
    };
    expect(s.action).toBe('added');
    expect(s.twin_id).not.toBe(id);
    expect(s.object.id).toBe(4);
    expect(s.object.bbox).toEqual([9, 1, 12, 4]);
    expect(s.object.predicted_iou).toBe(0.9);
    // The click at (15, 5) lies outside the box mask: reported, not silently dropped.
    expect(s.missed_points).toMatchObject([{ x: 15, y: 5, label: 1, next: expect.stringContaining('(15, 5)') }]);
    expect(textOf(r)).toMatch(/disagrees with 1 click/);
    const picture = r.content.find((c) => c.type === 'image') as { mimeType: string };
    expect(picture.mimeType).toBe('image/jpeg');
    expect(h.recording.calls.find((c) => c.method === 'overlay')?.args).toMatchObject({ ids: [4], crop: true });
    // The new object's mask is linked beside its close-up, and reads as get_mask's.
    const maskUri = `twin://${s.twin_id}/mask/union-4.png`;
    expect(r.structuredContent).toMatchObject({ mask_uri: maskUri });
    expect(r.content.some((c) => c.type === 'resource_link' && c.uri === maskUri)).toBe(true);
    const read = await h.client.readResource({ uri: maskUri });
    const got = await h.call('get_mask', { twin_id: s.twin_id, ids: [4] });
    expect((got.structuredContent as { uri: string }).uri).toBe(maskUri);
    const inline = got.content.find((c) => c.type === 'resource') as { resource: { blob: string } };
    expect((read.contents[0] as { blob: string }).blob).toBe(inline.resource.blob);
    // The twin it was given is unchanged.
    const f = await h.call('filter_objects', { twin_id: id, query: {} });
    expect((f.structuredContent as { total: number }).total).toBe(3);
  });

  it('segment on an object the twin has reuses its id instead of adding a near-copy', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('segment', { twin_id: id, points: [{ x: 14, y: 4, label: 1 }] });
    const s = r.structuredContent as {
      twin_id: string;
      action: string;
      object: { id: number };
      relations: { id: number; relation: string }[];
    };
    expect(s.action).toBe('matched');
    expect(s.object.id).toBe(2);
    const f = await h.call('filter_objects', { twin_id: s.twin_id, query: {} });
    expect((f.structuredContent as { total: number }).total).toBe(3);
    expect(s.relations[0]).toMatchObject({ id: 2, relation: 'duplicate', iou: 1 });
    expect(textOf(r)).toMatch(/matches existing object 2/);
  });

  it('segment without a box or a positive point is an actionable error', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('segment', { twin_id: id, points: [{ x: 3, y: 3, label: 0 }] });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/INVALID_INPUT.*label 1/);
  });

  it('get_mask links a twin:// resource that resources/read serves, embeds a small PNG and writes no file', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('get_mask', { twin_id: id, ids: [1, 2], op: 'union', format: 'png' });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { area: number; bbox: number[]; uri: string; file?: unknown };
    expect(s.area).toBe(7 * 8 + 7 * 6);
    expect(s.bbox).toEqual([1, 1, 19, 9]);
    expect(s.uri).toBe(`twin://${id}/mask/union-1-2.png`);
    expect(s.file).toBeUndefined();
    expect(r.content.find((c) => c.type === 'resource_link')).toMatchObject({ uri: s.uri, mimeType: 'image/png' });
    const embedded = r.content.find((c) => c.type === 'resource') as { resource: { blob: string } };
    const read = await h.client.readResource({ uri: s.uri });
    const blob = read.contents[0] as { blob: string; mimeType: string };
    expect(blob.mimeType).toBe('image/png');
    expect(blob.blob).toBe(embedded.resource.blob);
    expect(rleArea(await decodeMaskPng(Buffer.from(blob.blob, 'base64')))).toBe(s.area);
    await expect(fs.readdir(path.join(h.root, 'out'))).rejects.toThrow();
  });

  it('get_mask answers with a close-up of the mask on the photo, cropped to it, and says how its pixels map back', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('get_mask', { twin_id: id, ids: [1, 3], op: 'difference', format: 'rle' });
    expect(r.isError).toBeFalsy();
    const pictures = r.content.filter((c) => c.type === 'image') as { data: string; mimeType: string }[];
    expect(pictures).toHaveLength(1);
    const meta = await sharp(Buffer.from(pictures[0]!.data, 'base64')).metadata();
    expect(meta.format).toBe('jpeg');
    // The pixels of a 512-px square at most, the long side up to 1024.
    expect(meta.width! * meta.height!).toBeLessThanOrEqual(512 * 512);
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(1024);
    expect(textOf(r)).toMatch(/The picture shows it on the photo: .*image_x = /);
  });

  it('get_mask reads back the same mask as RLE through resources/read', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('get_mask', { twin_id: id, ids: [1, 3], op: 'difference', format: 'rle' });
    const s = r.structuredContent as { uri: string; area: number; rle: { size: [number, number]; counts: string } };
    const read = await h.client.readResource({ uri: s.uri });
    const text = read.contents[0] as { text: string; mimeType: string };
    expect(text.mimeType).toBe('application/json');
    const fromResource = decodeCocoRle((JSON.parse(text.text) as { rle: { size: [number, number]; counts: string } }).rle);
    expect(rleArea(fromResource)).toBe(s.area);
    expect(Array.from(fromResource.counts)).toEqual(Array.from(decodeCocoRle(s.rle).counts));
    // The payload is not repeated in the text mirror.
    expect(textOf(r)).not.toContain(s.rle.counts);
  });

  it('get_mask writes output_path only once unless overwrite is true, and inlines an overlay picture', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    await fs.writeFile(path.join(h.root, 'notes.txt'), 'keep me');
    const refused = await h.call('get_mask', { twin_id: id, ids: [1], format: 'overlay', output_path: path.join(h.root, 'notes.txt') });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/FILE_EXISTS.*overwrite/);
    expect(await fs.readFile(path.join(h.root, 'notes.txt'), 'utf8')).toBe('keep me');
    const r = await h.call('get_mask', { twin_id: id, ids: [1], format: 'overlay', output_path: 'masks/one.jpg' });
    expect(r.isError, textOf(r)).toBeFalsy();
    const file = (r.structuredContent as { file: { path: string } }).file.path;
    expect(file).toBe(path.join(h.root, 'out', 'masks', 'one.jpg'));
    expect((await fs.readFile(file)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(r.content.find((c) => c.type === 'image')).toMatchObject({ mimeType: 'image/jpeg' });
    const again = await h.call('get_mask', { twin_id: id, ids: [2], format: 'overlay', output_path: 'masks/one.jpg', overwrite: true });
    expect(again.isError, textOf(again)).toBeFalsy();
  });

  it('get_mask returns small RLE and polygons inline, difference of two objects', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const rle = await h.call('get_mask', { twin_id: id, ids: [1, 3], op: 'difference', format: 'rle' });
    const s = rle.structuredContent as { area: number; rle: { counts: string }; file?: unknown };
    expect(s.area).toBe(7 * 8 - 3 * 3);
    expect(rleArea(decodeCocoRle(s.rle as { size: [number, number]; counts: string }))).toBe(s.area);
    expect(s.file).toBeUndefined();
    const poly = await h.call('get_mask', { twin_id: id, ids: [3], format: 'polygon' });
    expect((poly.structuredContent as { polygons: { outer: number[][][] } }).polygons.outer).toHaveLength(1);
  });
});

describe('resources and prompt', () => {
  it('reads twin://{id} as JSON, twin://{id}/marks.jpg and photo.jpg as JPEGs, and lists recent twins and revisions', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const templates = await h.client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
      'twin://{id}',
      'twin://{id}/marks.jpg',
      'twin://{id}/mask/{selection}',
      'twin://{id}/photo.jpg',
    ]);
    const json = await h.client.readResource({ uri: `twin://${id}` });
    const twin = JSON.parse((json.contents[0] as { text: string }).text) as { twin_id: string; objects: { outline: unknown }[] };
    expect(twin.twin_id).toBe(id);
    expect(twin.objects[0]!.outline).toBeDefined();
    const marks = await h.client.readResource({ uri: `twin://${id}/marks.jpg` });
    expect(marks.contents[0]).toMatchObject({ mimeType: 'image/jpeg' });
    const photo = await h.client.readResource({ uri: `twin://${id}/photo.jpg` });
    expect(photo.contents[0]).toMatchObject({ mimeType: 'image/jpeg' });
    // The photo alone: the marks of no objects.
    expect(h.recording.calls.filter((c) => c.method === 'marks').at(-1)!.args).toMatchObject({ ids: [] });
    const labelled = await h.call('label_objects', { twin_id: id, labels: [{ id: 1, label: 'block' }] });
    const rev = (labelled.structuredContent as { twin_id: string }).twin_id;
    const listed = await h.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toEqual(expect.arrayContaining([`twin://${id}`, `twin://${rev}`]));
    expect(listed.resources.find((r) => r.uri === `twin://${rev}`)!.description).toMatch(/labelled object 1/);
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
        message: expect.stringMatching(
          /INVALID_INPUT: The twin id ".*" in the URI is not valid percent-encoding\. Use the twin id exactly/,
        ),
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

describe('TWINSEG_TRACE', () => {
  it('records every get_mask as a line twinseg eval reads as a prediction', async () => {
    const trace = path.join(os.tmpdir(), `twinseg-trace-${process.pid}-${Date.now()}.jsonl`);
    h = await startHarness({ env: { TWINSEG_TRACE: trace } });
    const id = await buildTwin(h);
    await h.call('get_mask', { twin_id: id, ids: [1, 2], op: 'union', format: 'rle' });
    await h.call('get_mask', { twin_id: id, ids: [3], format: 'png' });
    const lines = (await fs.readFile(trace, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { image: path.join(h.root, 'photo.png'), twin_id: id, ids: [1, 2], op: 'union' },
      { image: path.join(h.root, 'photo.png'), twin_id: id, ids: [3], op: 'union' },
    ]);
    await fs.rm(trace, { force: true });
  });
});

describe('refining an object in place', () => {
  it('refines an object with a negative click: its earlier prompt plus the click, the mask replaced in a new revision, the change reported', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    // Object 1 is the left block; its part 3 lies inside it. A negative click on the part takes it out.
    const r = await h.call('segment', { twin_id: id, object: 1, points: [{ x: 3, y: 3, label: 0 }] });
    expect(r.isError, textOf(r)).toBeFalsy();
    const s = r.structuredContent as {
      twin_id: string;
      action: string;
      object: { id: number; parts?: number };
      change: Record<string, number>;
    };
    expect(s.action).toBe('refined');
    expect(s.object.id).toBe(1);
    expect(s.change).toEqual({ areaBefore: 56, areaAfter: 47, added: 0, removed: 9, iouWithBefore: 0.839 });
    expect(s.twin_id).not.toBe(id);
    expect(textOf(r)).toMatch(/Refined object 1 .*56 → 47 px, 0 px added, 9 px removed/);
    const segmentCall = h.recording.calls.filter((c) => c.method === 'segment').at(-1)!.args as { object: number; prompt: unknown };
    expect(segmentCall).toMatchObject({ object: 1, prompt: { points: [{ x: 3, y: 3, label: 0 }] } });
    // The twin passed in keeps the old mask; the revision has the new one.
    const old = await h.call('get_mask', { twin_id: id, ids: [1], format: 'rle' });
    const refined = await h.call('get_mask', { twin_id: s.twin_id, ids: [1], format: 'rle' });
    expect((old.structuredContent as { area: number }).area).toBe(56);
    expect((refined.structuredContent as { area: number }).area).toBe(47);
    // A second refinement builds on the first: the object keeps its history of prompts.
    const twin = await h.recording.get(s.twin_id);
    expect(twin.objects.find((o) => o.id === 1)!.prompts?.length ?? 0).toBeLessThanOrEqual(2);
  });

  it('refusing: an unknown object, an alternative without an object, an object without anything new', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const unknown = await h.call('segment', { twin_id: id, object: 42, points: [{ x: 3, y: 3, label: 0 }] });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/OBJECT_NOT_FOUND.*42/);
    const alone = await h.call('segment', { twin_id: id, alternative: 2, points: [{ x: 3, y: 3, label: 1 }] });
    expect(textOf(alone)).toMatch(/INVALID_INPUT.*needs "object"/);
    const empty = await h.call('segment', { twin_id: id, object: 1 });
    expect(textOf(empty)).toMatch(/INVALID_INPUT.*needs new clicks, a box, or an alternative/);
  });

  it('shows several objects at once in distinct colours with a legend, cropped to them and enlarged', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    const r = await h.call('get_mask', { twin_id: id, ids: [2, 3], format: 'overlay', crop: true });
    expect(r.isError, textOf(r)).toBeFalsy();
    const picture = r.content.find((c) => c.type === 'image') as { mimeType: string; data: string };
    expect(picture.mimeType).toBe('image/jpeg');
    // The 20×10 scene, cropped to the two objects with a margin (here all of it) and enlarged to the pixels of a
    // 768-px square.
    const meta = await sharp(Buffer.from(picture.data, 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([1086, 543]);
    // The window it shows and its scale, for mapping a point seen on it back to the image.
    expect(r.structuredContent).toMatchObject({ window: [0, 0, 20, 10], scale: 54.3 });
    expect(textOf(r)).toContain('Picture: image_x = picture_x / 54.3, image_y = picture_y / 54.3.');
    // The picture is an answer too: the binary mask it shows is linked beside it and reads as the PNG call's.
    const maskUri = (r.structuredContent as { mask_uri: string }).mask_uri;
    expect(maskUri).toBe(`twin://${id}/mask/union-2-3.png`);
    expect(r.content.some((c) => c.type === 'resource_link' && c.uri === maskUri && c.mimeType === 'image/png')).toBe(true);
    const png = await h.call('get_mask', { twin_id: id, ids: [2, 3] });
    expect((png.structuredContent as { uri: string }).uri).toBe(maskUri);
    const read = await h.client.readResource({ uri: maskUri });
    const bits = await sharp(Buffer.from((read.contents[0] as { blob: string }).blob, 'base64'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([bits.info.width, bits.info.height]).toEqual([20, 10]);
    expect(bits.data.filter((v) => v > 0).length / bits.info.channels).toBe((png.structuredContent as { area: number }).area);
  });

  it('zoom shows a region enlarged with every object in it labelled, and the window and scale to map a click back', async () => {
    h = await startHarness();
    const id = await buildTwin(h);
    // The build's reply shows the whole photo: a zoom on all of it with nothing drawn.
    const zooms = () => h!.recording.calls.filter((c) => c.method === 'zoom').map((c) => c.args);
    expect(zooms()).toEqual([{ twinId: id, region: [0, 0, 20, 10], only: [] }]);
    const r = await h.call('zoom', { twin_id: id, region: [0, 0, 10, 10] });
    expect(r.isError, textOf(r)).toBeFalsy();
    const s = r.structuredContent as { window: number[]; scale: number; width: number; height: number; labelled: number[] };
    expect(s).toMatchObject({ twin_id: id, window: [0, 0, 20, 10], scale: 8, width: 160, height: 80 });
    expect(s.labelled).toEqual([1, 2, 3]);
    expect(textOf(r)).toContain('image_x = picture_x / 8, image_y = picture_y / 8');
    // The marks, then the photo of the same window (only: [] draws nothing on it but the rulers).
    const pictures = r.content.filter((c) => c.type === 'image') as { mimeType: string; data: string }[];
    expect(pictures).toHaveLength(2);
    for (const picture of pictures) {
      const meta = await sharp(Buffer.from(picture.data, 'base64')).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 160, 80]);
    }
    expect(textOf(r)).toContain('then the photo alone');
    expect(zooms().slice(1)).toEqual([
      { twinId: id, region: [0, 0, 10, 10], ids: undefined, only: [] },
      { twinId: id, region: [0, 0, 10, 10], ids: undefined },
    ]);

    // plain: the photo alone.
    const plain = await h.call('zoom', { twin_id: id, region: [0, 0, 10, 10], plain: true });
    expect(plain.structuredContent).toMatchObject({ window: [0, 0, 20, 10], scale: 8, labelled: [] });
    expect(textOf(plain)).toContain('The photo alone.');
    expect(plain.content.filter((c) => c.type === 'image')).toHaveLength(1);
    expect(zooms().slice(3)).toEqual([{ twinId: id, region: [0, 0, 10, 10], ids: undefined, only: [] }]);

    const byIds = await h.call('zoom', { twin_id: id, ids: [3] });
    expect(byIds.isError, textOf(byIds)).toBeFalsy();
    const both = await h.call('zoom', { twin_id: id, ids: [3], region: [0, 0, 5, 5] });
    expect(textOf(both)).toMatch(/INVALID_INPUT.*either a region or ids/);
    const outside = await h.call('zoom', { twin_id: id, region: [30, 30, 40, 40] });
    expect(textOf(outside)).toMatch(/INVALID_INPUT.*outside the 20×10 image/);
    const unknown = await h.call('zoom', { twin_id: id, ids: [42] });
    expect(textOf(unknown)).toMatch(/OBJECT_NOT_FOUND/);
  });
});

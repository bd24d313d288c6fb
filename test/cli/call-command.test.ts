import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWorkspace, type CliWorkspace } from '../helpers/cli-run.js';
import { startHarness } from '../helpers/mcp-harness.js';

let ws: CliWorkspace;
let twin: Awaited<ReturnType<CliWorkspace['build']>>;
beforeAll(async () => {
  ws = await cliWorkspace('twinseg-call-cli-');
  twin = await ws.build(6);
});
afterAll(() => ws?.remove());

describe('twinseg call runs the MCP tools from a shell against the twins in TWINSEG_HOME', () => {
  it('lists every tool the server has, with its arguments', async () => {
    const h = await startHarness();
    const { tools } = await h.client.listTools();
    await h.close();
    const r = await ws.run(['call']);
    expect(r.code, r.err).toBe(0);
    for (const t of tools) {
      const args = Object.keys(t.inputSchema.properties ?? {});
      expect(r.out).toMatch(new RegExp(`^  ${t.name} \\{${args.map((a) => `${a}\\??`).join(', ')}\\}$`, 'm'));
    }
  });

  it('walks the reasoning loop: label, filter by the label, click to segment, take the mask as a file', async () => {
    const target = twin.objects.find((o) => o.level === 'whole' && o.bbox[2] - o.bbox[0] < 300)!;
    const labelled = await ws.run([
      'call',
      'label_objects',
      JSON.stringify({ twin_id: twin.twinId, labels: [{ id: target.id, label: 'my thing' }] }),
    ]);
    expect(labelled.code, labelled.err).toBe(0);
    const revision = (JSON.parse(labelled.out) as { twin_id: string }).twin_id;
    expect(revision).not.toBe(twin.twinId);
    expect(labelled.err).toMatch(/^Labelled 1 object\(s\): revision tw_/);

    const found = await ws.run(['call', 'filter_objects', JSON.stringify({ twin_id: revision, query: { where: { text: 'thing' } } })]);
    expect(found.code, found.err).toBe(0);
    expect((JSON.parse(found.out) as { objects: { id: number; label?: string }[] }).objects).toEqual([
      expect.objectContaining({ id: target.id, label: 'my thing' }),
    ]);

    const [x1, y1, x2, y2] = target.bbox as [number, number, number, number];
    const click = { x: Math.round((x1 + x2) / 2), y: Math.round((y1 + y2) / 2), label: 1 };
    const segmented = await ws.run(['call', 'segment', JSON.stringify({ twin_id: revision, points: [click] }), '--pictures', ws.dir]);
    expect(segmented.code, segmented.err).toBe(0);
    const seg = JSON.parse(segmented.out) as { twin_id: string; object: { id: number } };
    // The close-up, and a picture of the alternatives when SAM offered any (numbered files then).
    expect(segmented.err).toMatch(/picture written to .*segment-tw_[0-9a-f]{16}(-1)?\.jpg/);

    const file = path.join(ws.dir, 'chosen.png');
    const got = await ws.run(['call', 'get_mask', JSON.stringify({ twin_id: seg.twin_id, ids: [seg.object.id], output_path: file })]);
    expect(got.code, got.err).toBe(0);
    expect((JSON.parse(got.out) as { file: { path: string } }).file.path).toBe(file);
    expect((await fs.readFile(file)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('a tool error exits 1 with its code and hint; an unknown argument is refused, not dropped', async () => {
    const unknown = await ws.run(['call', 'get_mask', JSON.stringify({ twin_id: twin.twinId, ids: [1], excludes: [3] })]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/INVALID_INPUT: .*Unknown field\(s\): excludes\. Known fields here: twin_id, ids/);
    expect(unknown.out).toBe('');
    const missing = await ws.run(['call', 'filter_objects', '{"twin_id": "tw_0000000000000000"}']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/TWIN_NOT_FOUND: .*Run `twinseg build IMAGE`/);
    const noTool = await ws.run(['call', 'frobnicate', '{}']);
    expect(noTool.err).toMatch(/There is no tool named "frobnicate"\. Run `twinseg call` for the tools/);
  });

  it('arguments that are not a JSON object are a usage error (exit 2)', async () => {
    expect((await ws.run(['call', 'filter_objects', '{twin_id: x}'])).code).toBe(2);
    expect((await ws.run(['call', 'filter_objects', '[1, 2]'])).code).toBe(2);
  });
});

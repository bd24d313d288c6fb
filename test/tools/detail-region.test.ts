// detail_region over the scripted twin service: region detail there finds the left and right half of each
// scene box inside the region (see recording-twin-service.ts), so what the tool adds and says is exact.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from '../helpers/mcp-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

interface Detailed {
  twin_id: string;
  region: number[];
  added_count: number;
  added: { id: number; level: string; parent?: number; bbox: number[] }[];
}

async function built(): Promise<string> {
  h = await startHarness();
  const r = await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png') });
  return (r.structuredContent as { twin_id: string }).twin_id;
}

describe('detail_region', () => {
  it('adds what it finds in a region as a revision, shows the region enlarged with the new ids, and finds the same revision again', async () => {
    const twinId = await built();
    const r = await h.call('detail_region', { twin_id: twinId, region: [0, 0, 10, 10] });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as unknown as Detailed;
    expect(s.twin_id).not.toBe(twinId);
    expect(s.region).toEqual([0, 0, 10, 10]);
    // Object 1 (box [1,1,8,9]) and its part 3 ([2,2,5,5]) lie in the box: their halves, as parts of 1.
    expect(s.added_count).toBe(s.added.length);
    expect(s.added.map((o) => o.id)).toEqual([4, 5, 6, 7].slice(0, s.added.length));
    expect(s.added.every((o) => o.parent === 1 || o.parent === 3)).toBe(true);
    expect(textOf(r)).toContain(`use ${s.twin_id} from now on`);
    expect(r.content.some((c) => c.type === 'image')).toBe(true);
    const zoom = h.recording.calls.filter((c) => c.method === 'zoom').at(-1)!.args as { twinId: string; region: number[]; only: number[] };
    expect(zoom).toMatchObject({ twinId: s.twin_id, region: [0, 0, 10, 10], only: s.added.map((o) => o.id) });
    // The window maps the picture back to image pixels, as zoom's does.
    const { window } = r.structuredContent as { window: number[] };
    expect(window[0]).toBeLessThanOrEqual(0);
    expect(window[1]).toBeLessThanOrEqual(0);
    expect(window[2]).toBeGreaterThanOrEqual(10);
    expect(window[3]).toBeGreaterThanOrEqual(10);
    expect(textOf(r)).toMatch(/image_x = /);

    const again = await h.call('detail_region', { twin_id: twinId, region: [0, 0, 10, 10] });
    expect((again.structuredContent as unknown as Detailed).twin_id).toBe(s.twin_id);
    expect(textOf(again)).toContain('looked at before');
    // The twin passed in is unchanged.
    expect((await h.recording.get(twinId)).objects).toHaveLength(3);
  });

  it('makes the region of objects named by id, and says so when nothing new is there', async () => {
    const twinId = await built();
    const r = await h.call('detail_region', { twin_id: twinId, ids: [2] });
    const s = r.structuredContent as unknown as Detailed;
    expect(s.region).toEqual([12, 2, 19, 8]);
    expect(s.added.map((o) => o.bbox)).toEqual([
      [15, 2, 19, 8],
      [12, 2, 15, 8],
    ]); // ids by area, largest first
    const empty = await h.call('detail_region', { twin_id: twinId, region: [9, 0, 11, 10] });
    expect((empty.structuredContent as unknown as Detailed).twin_id).toBe(twinId);
    expect(textOf(empty)).toContain('unchanged');
    expect(empty.content.some((c) => c.type === 'image')).toBe(false);
  });

  it('refuses a region named both ways or not at all, and unknown ids, with what to pass instead', async () => {
    const twinId = await built();
    for (const args of [{ twin_id: twinId }, { twin_id: twinId, region: [0, 0, 5, 5], ids: [1] }]) {
      const r = await h.call('detail_region', args);
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/"region".*"ids"/);
    }
    const unknown = await h.call('detail_region', { twin_id: twinId, ids: [42] });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/42/);
  });
});

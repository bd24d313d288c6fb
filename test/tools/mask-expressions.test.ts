// get_mask's expressions through the MCP surface: ids minus exclude, the URI that reads the same mask back,
// keep (the answer as one id in a revision), and the trace that `twinseg eval` scores.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluatePredictions } from '../../src/eval/evaluate.js';
import { loadPredictions } from '../../src/eval/predictions.js';
import { decodeCocoRle } from '../../src/mask/coco-rle.js';
import { rleArea } from '../../src/mask/rle.js';
import { decodeMaskPng } from '../../src/twin/pictures/mask-png.js';
import { startHarness, textOf, type Harness } from '../helpers/mcp-harness.js';

// The harness scene (20×10): 1 a block [1,1,8,9) (56 px) with its part 3 [2,2,5,5) (9 px); 2 a block [12,2,19,8) (42 px).
const EXPRESSION_AREA = 56 + 42 - 9;

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function built(): Promise<string> {
  const r = await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png') });
  return (r.structuredContent as { twin_id: string }).twin_id;
}

type MaskReply = {
  uri: string;
  area: number;
  exclude?: number[];
  kept?: { twin_id: string; id: number; reused?: true };
  rle?: { size: [number, number]; counts: string };
};

describe('get_mask with exclude', () => {
  it('takes the excluded objects away and names them in a URI that resources/read serves as the same mask', async () => {
    h = await startHarness();
    const id = await built();
    const r = await h.call('get_mask', { twin_id: id, ids: [1, 2], exclude: [3], format: 'png' });
    expect(r.isError, textOf(r)).toBeFalsy();
    const s = r.structuredContent as MaskReply;
    expect(s).toMatchObject({ area: EXPRESSION_AREA, exclude: [3], uri: `twin://${id}/mask/union-1-2-minus-3.png` });
    expect(textOf(r)).toContain('Mask of the union of 1, 2 minus 3: area 89 px');
    const read = await h.client.readResource({ uri: s.uri });
    expect(rleArea(await decodeMaskPng(Buffer.from((read.contents[0] as { blob: string }).blob, 'base64')))).toBe(EXPRESSION_AREA);
    // op combines ids first: the difference 1 − 3, then minus nothing more, as RLE.
    const rle = await h.call('get_mask', { twin_id: id, ids: [1, 3], op: 'difference', exclude: [], format: 'rle' });
    expect((rle.structuredContent as MaskReply).uri).toBe(`twin://${id}/mask/difference-1-3.rle.json`);
  });

  it('refuses an unknown excluded id and a malformed minus in a URI', async () => {
    h = await startHarness();
    const id = await built();
    const r = await h.call('get_mask', { twin_id: id, ids: [1], exclude: [9] });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/OBJECT_NOT_FOUND.*9/);
    await expect(h.client.readResource({ uri: `twin://${id}/mask/union-1-minus-.png` })).rejects.toThrow(/not a mask selection/);
  });
});

describe('get_mask with keep', () => {
  it('keeps the result as one new object of a revision, readable by its id, the same revision when asked again', async () => {
    h = await startHarness();
    const id = await built();
    const r = await h.call('get_mask', { twin_id: id, ids: [1, 2], exclude: [3], keep: true, format: 'rle' });
    expect(r.isError, textOf(r)).toBeFalsy();
    const s = r.structuredContent as MaskReply;
    const kept = s.kept!;
    expect(kept.id).toBe(4);
    expect(kept.twin_id).not.toBe(id);
    expect(kept.reused).toBeUndefined();
    expect(s.uri).toBe(`twin://${kept.twin_id}/mask/union-4.rle.json`);
    expect(textOf(r)).toContain(
      `Kept the union of 1, 2 minus 3 as object 4 in revision ${kept.twin_id} of ${id}; use ${kept.twin_id} from now on`,
    );
    expect(rleArea(decodeCocoRle(s.rle!))).toBe(EXPRESSION_AREA);
    const one = await h.call('get_mask', { twin_id: kept.twin_id, ids: [4], format: 'rle' });
    expect((one.structuredContent as MaskReply).rle).toEqual(s.rle);
    const f = await h.call('filter_objects', { twin_id: id, query: {} });
    expect((f.structuredContent as { total: number }).total).toBe(3);
    const again = await h.call('get_mask', { twin_id: id, ids: [1, 2], exclude: [3], keep: true });
    expect((again.structuredContent as MaskReply).kept).toEqual({ twin_id: kept.twin_id, id: 4 });
  });

  it('answers with the object that already has the mask, and refuses to keep nothing', async () => {
    h = await startHarness();
    const id = await built();
    const r = await h.call('get_mask', { twin_id: id, ids: [2], keep: true });
    expect((r.structuredContent as MaskReply).kept).toEqual({ twin_id: id, id: 2, reused: true });
    expect(textOf(r)).toContain(`The mask is exactly object 2's, so nothing was added; twin ${id} is unchanged`);
    const empty = await h.call('get_mask', { twin_id: id, ids: [3], exclude: [1], keep: true });
    expect(empty.isError).toBe(true);
    expect(textOf(empty)).toMatch(/INVALID_INPUT.*no pixels/);
  });
});

describe('TWINSEG_TRACE with exclude', () => {
  it('records the excluded ids, and twinseg eval scores the answer as the host saw it', async () => {
    const trace = path.join(os.tmpdir(), `twinseg-trace-exclude-${process.pid}-${Date.now()}.jsonl`);
    h = await startHarness({ env: { TWINSEG_TRACE: trace } });
    const id = await built();
    await h.call('get_mask', { twin_id: id, ids: [1, 2], exclude: [3], format: 'rle' });
    await h.call('get_mask', { twin_id: id, ids: [1], exclude: [3], keep: true });
    const lines = (await fs.readFile(trace, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const image = path.join(h.root, 'photo.png');
    expect(lines).toEqual([
      { image, twin_id: id, ids: [1, 2], op: 'union', exclude: [3] },
      { image, twin_id: id, ids: [1], op: 'union', exclude: [3] },
    ]);
    // The target is the left block without its part: the second (last) answer matches it exactly.
    const partless = (await h.recording.mask({ twinId: id, ids: [1], op: 'difference', exclude: [3], format: 'rle' })).rle!;
    const dataset = {
      format: 'reasonseg' as const,
      source: h.root,
      samples: [
        {
          id: 'photo.png',
          image: 'photo.png',
          imagePath: image,
          query: 'the left block without its part',
          width: 20,
          height: 10,
          target: decodeCocoRle(partless),
        },
      ],
    };
    const { rows } = await evaluatePredictions(dataset, await loadPredictions(trace), trace, { twins: (t) => h.recording.get(t) });
    expect(rows[0]).toMatchObject({ line: 2, iou: 1, intersection: 47 });
    await fs.rm(trace, { force: true });
  });
});

// segment replies that let a host finish in one more call, on drawn scenes through the real server:
// alternatives on the first reply (pictured), duplicates reused only when they keep to the clicks, a next step for
// every ignored click, and touches_border in the compact objects.
import path from 'node:path';
import sharp from 'sharp';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { rleArea, rleBbox, rleDifference, rleUnion, type Box, type Rle } from '../../src/mask/rle.js';
import { segmenterFromPredictor } from '../../src/perception/segmenter.js';
import type {
  EverythingResult,
  LoadedImage,
  Prompt,
  Proposal,
  RefineRequest,
  SegmentResult,
  Segmenter,
} from '../../src/perception/contract.js';
import { DRAWN_SHAPES, startDrawnServer, type DrawnServer } from '../helpers/drawn-twin-server.js';
import { boxMask } from '../helpers/recording-twin-service.js';
import { createFakeTokenPredictor } from '../helpers/fake-predictor.js';
import { textOf } from '../helpers/mcp-harness.js';

let s: DrawnServer;
afterEach(async () => {
  await s?.close();
});

const call = async (name: string, args: Record<string, unknown>) => (await s.client.callTool({ name, arguments: args })) as CallToolResult;

interface CompactObject {
  id: number;
  bbox: Box;
  touches_border?: true;
}
interface SegmentReply {
  twin_id: string;
  action: string;
  object: CompactObject;
  relations: { id: number; iou: number; relation: string }[];
  missed_points: { x: number; y: number; label: number; next: string }[];
  alternatives?: { alternative: number; bbox: Box }[];
}

const replyOf = (r: CallToolResult) => r.structuredContent as unknown as SegmentReply;

async function build(): Promise<{ id: string; objects: CompactObject[] }> {
  const r = await call('build_digital_twin', { image: path.join(s.root, 'photo.png') });
  expect(r.isError, textOf(r)).toBeFalsy();
  const out = r.structuredContent as { twin_id: string; twin: { objects: CompactObject[] } };
  return { id: out.twin_id, objects: out.twin.objects };
}

const byBox = (objects: CompactObject[], bbox: Box) => objects.find((o) => o.bbox.join() === bbox.join());

// DRAWN_SHAPES on 48×32: a table [0,0,26,28) with a window [6,8,14,16) in it, a disc at (37,16) r 8, a post [44,2,47,30).
describe("segment replies with SAM's four tokens", () => {
  const tokens = () => segmenterFromPredictor(createFakeTokenPredictor(DRAWN_SHAPES));

  it('marks the objects whose mask reaches the image edge', async () => {
    s = await startDrawnServer({}, tokens());
    const { objects } = await build();
    expect(byBox(objects, [0, 0, 26, 28])!.touches_border).toBe(true);
    expect(byBox(objects, [29, 8, 45, 24])!.touches_border).toBeUndefined();
    expect(byBox(objects, [44, 2, 47, 30])!.touches_border).toBeUndefined();
  });

  it('offers alternatives on a first multi-click segment, and taking one gives the mask the reply showed', async () => {
    const segmenter = tokens();
    const refines: RefineRequest[] = [];
    s = await startDrawnServer(
      {},
      { ...segmenter, refine: (image, req, control) => (refines.push(req), segmenter.refine(image, req, control)) },
    );
    const { id } = await build();
    const clicks = [
      { x: 10, y: 12, label: 1 },
      { x: 20, y: 20, label: 1 },
    ];
    const r = await call('segment', { twin_id: id, points: clicks });
    expect(r.isError, textOf(r)).toBeFalsy();
    const out = replyOf(r);
    // SAM's multi-click answer is the table; the window under the first click is the other granularity.
    expect(out.object.bbox).toEqual([0, 0, 26, 28]);
    expect(out.object.touches_border).toBe(true);
    expect(out.alternatives).toEqual([expect.objectContaining({ alternative: 1, bbox: [6, 8, 14, 16] })]);
    expect(textOf(r)).toMatch(/Alternatives: 1 \(subpart, 64 px/);
    // The alternatives are pictured after the close-up, over a window that holds the object's mask too: here
    // the window, in its own blue, and the table around it dimmed.
    const [, scale] = /the last picture shows each, numbered, over \[0, 0, 42, 32\] at scale ([\d.]+);/.exec(textOf(r)) ?? [];
    expect(scale, textOf(r)).toBeDefined();
    const pictures = r.content.filter((c) => c.type === 'image');
    expect(pictures).toHaveLength(2);
    const sheet = await sharp(Buffer.from(pictures[1]!.data, 'base64')).raw().toBuffer({ resolveWithObject: true });
    expect([sheet.info.width, sheet.info.height]).toEqual([Math.round(42 * Number(scale)), Math.round(32 * Number(scale))]);
    const at = (x: number, y: number) => {
      const i = (Math.round((y + 0.5) * Number(scale)) * sheet.info.width + Math.round((x + 0.5) * Number(scale))) * sheet.info.channels;
      return [sheet.data[i]!, sheet.data[i + 1]!, sheet.data[i + 2]!];
    };
    const near = (c: number[], t: number[]) => c.every((v, k) => Math.abs(v - t[k]!) < 30);
    expect(near(at(10, 12), [30, 60, 200]), `window: ${at(10, 12)}`).toBe(true);
    expect(near(at(20, 22), [100, 15, 15]), `table: ${at(20, 22)}`).toBe(true);
    const taken = await call('segment', { twin_id: out.twin_id, object: out.object.id, alternative: 1 });
    expect(taken.isError, textOf(taken)).toBeFalsy();
    expect(replyOf(taken).object.bbox).toEqual(out.alternatives![0]!.bbox);
    // The clicks are decoded again as the first segment decoded them: no history, no mask as mask_input.
    expect(refines).toEqual([{ history: [], mask: undefined, prompt: { points: clicks }, token: 1 }]);
  });

  it('gives an ignored click a next step that names an object covering it and a box that takes it in', async () => {
    s = await startDrawnServer({}, tokens());
    const { id, objects } = await build();
    const disc = byBox(objects, [29, 8, 45, 24])!.id;
    // The build (stuff regions on) has the table's window as an object: the smallest object under the click,
    // so it is the piece named.
    const window = byBox(objects, [6, 8, 14, 16])!.id;
    // The first click decides SAM's answer (the disc); the click on the table's window is left out.
    const r = await call('segment', {
      twin_id: id,
      points: [
        { x: 37, y: 16, label: 1 },
        { x: 10, y: 12, label: 1 },
      ],
    });
    const out = replyOf(r);
    expect(out.object.id).toBe(disc);
    expect(out.missed_points).toEqual([
      {
        x: 10,
        y: 12,
        label: 1,
        next:
          `positive click (10, 12) lies outside the mask: add object ${window}, which covers it: get_mask {"ids": [${disc}, ${window}]}; ` +
          `or refine with a box that takes it in: {"object": ${disc}, "box": [10, 8, 45, 24]}`,
      },
    ]);
    expect(textOf(r)).toContain(`The mask disagrees with 1 click(s): positive click (10, 12) lies outside the mask: add object ${window}`);
  });
});

// A drawn block A [4,4,24,24) found by everything mode; prompts near it come back as A with a 2×2 tab at
// (24..26, 10..12) when a positive click lies on the tab, and without the 2×2 square at (10..12, 10..12)
// when a negative click lies there: masks IoU ≥ 0.9 with A that A itself does not honour.
function nearDuplicates(): Segmenter {
  const W = 48;
  const H = 32;
  const a = boxMask([4, 4, 24, 24], W, H);
  const proposal = (rle: Rle, prompt: Prompt, stage: Proposal['stage']): Proposal => ({
    rle,
    area: rleArea(rle),
    bbox: rleBbox(rle),
    predictedIou: 0.9,
    stability: 0.95,
    prompt,
    stage,
  });
  const answer = (prompt: Prompt): SegmentResult => {
    let rle = a;
    const on = (x1: number, y1: number, label: 0 | 1) =>
      prompt.points?.some((p) => p.label === label && p.x >= x1 && p.x < x1 + 2 && p.y >= y1 && p.y < y1 + 2);
    if (on(24, 10, 1)) rle = rleUnion(rle, boxMask([24, 10, 26, 12], W, H));
    if (on(10, 10, 0)) rle = rleDifference(rle, boxMask([10, 10, 12, 12], W, H));
    // A negative click off the square trims its corner: a mask that differs from object 1 and that it honours too.
    if (on(2, 2, 0)) rle = rleDifference(rle, boxMask([4, 4, 6, 6], W, H));
    return { best: proposal(rle, prompt, 'user'), alternatives: [] };
  };
  return {
    modelName: 'near-duplicates',
    provider: 'cpu',
    async everything(): Promise<EverythingResult> {
      const stats = {
        prompts: 1,
        decoderCalls: 1,
        masksPerPrompt: 'single-mask' as const,
        encoderMs: 1,
        decoderMs: 1,
        postprocessMs: 1,
        totalMs: 3,
        coverage: 0.3,
        embeddingCached: false,
      };
      return { proposals: [proposal(a, { points: [{ x: 14, y: 14, label: 1 }] }, 'grid')], stats };
    },
    detail: async () => {
      throw new Error('not used');
    },
    segment: async (_image: LoadedImage, prompt: Prompt) => answer(prompt),
    refine: async (_image, req) => answer(req.prompt),
  };
}

describe('segment and the objects a mask duplicates', () => {
  it('reuses a duplicate that keeps to every click', async () => {
    s = await startDrawnServer({}, nearDuplicates());
    const { id } = await build();
    const out = replyOf(
      await call('segment', {
        twin_id: id,
        points: [
          { x: 10, y: 10, label: 1 },
          { x: 20, y: 20, label: 1 },
        ],
      }),
    );
    expect(out).toMatchObject({ action: 'matched', object: { id: 1 }, missed_points: [] });
  });

  it('gives a reused duplicate the mask and clicks of the call, the mask the reply showed', async () => {
    s = await startDrawnServer({}, nearDuplicates());
    const { id } = await build();
    const points = [
      { x: 10, y: 10, label: 1 },
      { x: 2, y: 2, label: 0 },
    ];
    const r = await call('segment', { twin_id: id, points });
    const out = replyOf(r);
    expect(out).toMatchObject({ action: 'matched', object: { id: 1 }, missed_points: [] });
    expect(out.twin_id).not.toBe(id);
    expect(textOf(r)).toContain('object 1 now has the mask and clicks of this call');
    const mask = await call('get_mask', { twin_id: out.twin_id, ids: [1], format: 'rle' });
    expect((mask.structuredContent as { area: number }).area).toBe(396);
    // The twin it was given keeps object 1 as it was.
    const before = await call('get_mask', { twin_id: id, ids: [1], format: 'rle' });
    expect((before.structuredContent as { area: number }).area).toBe(400);
  });

  it('adds a new object when the duplicate leaves out a positive click, and says why', async () => {
    s = await startDrawnServer({}, nearDuplicates());
    const { id } = await build();
    const r = await call('segment', {
      twin_id: id,
      points: [
        { x: 10, y: 10, label: 1 },
        { x: 25, y: 11, label: 1 },
      ],
    });
    const out = replyOf(r);
    expect(out).toMatchObject({ action: 'added', object: { id: 2, bbox: [4, 4, 26, 24] }, missed_points: [] });
    expect(out.relations[0]).toEqual({ id: 1, iou: 0.99, relation: 'duplicate' });
    expect(textOf(r)).toContain('Object 1 has nearly this mask (IoU 0.99) but breaks your clicks, so this is a new object.');
  });

  it('adds a new object when the duplicate covers a negative click', async () => {
    s = await startDrawnServer({}, nearDuplicates());
    const { id } = await build();
    const out = replyOf(
      await call('segment', {
        twin_id: id,
        points: [
          { x: 5, y: 5, label: 1 },
          { x: 11, y: 11, label: 0 },
        ],
      }),
    );
    expect(out).toMatchObject({ action: 'added', object: { id: 2 } });
    expect(out.relations[0]).toMatchObject({ id: 1, relation: 'duplicate' });
  });
});

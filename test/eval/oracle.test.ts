import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { EvalDataset } from '../../src/eval/dataset.js';
import { sizeBucket, summariseOracle, twinOracle, uncoveredShare } from '../../src/eval/oracle.js';
import { runOracle } from '../../src/eval/oracle-run.js';
import { rleBbox, type Box, type Rle } from '../../src/mask/rle.js';
import type { EverythingResult, PresetName, Proposal, Segmenter } from '../../src/perception/contract.js';
import { buildTwin } from '../../src/twin/build-twin.js';
import { createTwinService } from '../../src/twin/twin-service.js';
import type { Twin } from '../../src/twin/scene-model.js';
import { fakeImage } from '../helpers/fake-predictor.js';
import { boxRle, tempDir, writePng } from './eval-fixtures.js';
import { fileSource } from '../../src/perception/image-input.js';

// A 120x100 scene: left half A (6000 px, medium), top-right B and bottom-right C (3000 px each), and a
// small square D (100 px) inside A.
const W = 120;
const H = 100;
const BOXES: Record<string, Box> = { A: [0, 0, 60, 100], B: [60, 0, 120, 50], C: [60, 50, 120, 100], D: [10, 10, 20, 20] };
const mask = (b: Box) => boxRle(W, H, b);
const proposal = (rle: Rle): Proposal => ({
  rle,
  area: 0,
  bbox: rleBbox(rle),
  predictedIou: 0.9,
  stability: 0.95,
  prompt: {},
  stage: 'grid',
});

function sceneTwin(names = ['A', 'B', 'C', 'D']): { twin: Twin; id: Record<string, number> } {
  const twin = buildTwin(
    fakeImage(W, H),
    names.map((n) => proposal(mask(BOXES[n]!))),
    { model: 'scripted', params: {} },
  );
  // Object ids follow area order; find each box's id by its mask's bbox.
  const id: Record<string, number> = {};
  for (const o of twin.objects) for (const [n, b] of Object.entries(BOXES)) if (o.bbox.join() === b.join()) id[n] = o.id;
  return { twin, id };
}

describe('twin oracle on one twin', () => {
  const { twin, id } = sceneTwin();

  it('finds the exact object for a target the twin holds', () => {
    expect(twinOracle(twin, mask(BOXES.A!))).toEqual({ single: { iou: 1, id: id.A }, greedy: { iou: 1, ids: [id.A] } });
  });

  it('needs a union for a target split over objects: single 0.5, greedy 1 with both halves', () => {
    const o = twinOracle(twin, mask([60, 0, 120, 100]));
    expect(o.single.iou).toBe(0.5);
    expect(o.greedy.iou).toBe(1);
    expect([...o.greedy.ids].sort()).toEqual([id.B, id.C].sort());
  });

  it('stops the union when no object raises IoU (the whole image from A, B, C but not D twice)', () => {
    const o = twinOracle(twin, mask([0, 0, W, H]));
    expect(o.single).toEqual({ iou: 0.5, id: id.A });
    expect(o.greedy.iou).toBe(1);
    expect(o.greedy.ids).toHaveLength(3);
  });

  it('scores without the ignore pixels: B plus an ignored strip of A is met by B alone', () => {
    const target = mask([58, 0, 120, 50]);
    expect(twinOracle(twin, target, mask([58, 0, 60, 50]))).toEqual({ single: { iou: 1, id: id.B }, greedy: { iou: 1, ids: [id.B] } });
  });

  it('gives partial credit by hand: a 20x20 target over D (10x10) → 100 / 400', () => {
    expect(twinOracle(twin, mask([5, 5, 25, 25])).single).toEqual({ iou: 0.25, id: id.D });
  });

  it('meets an empty target by choosing nothing', () => {
    expect(twinOracle(twin, mask([0, 0, 0, 0]))).toEqual({ single: { iou: 1, id: null }, greedy: { iou: 1, ids: [] } });
  });

  it('counts the share of pixels no object holds: none in the full scene, the right half without B and C', () => {
    expect(uncoveredShare(twin)).toBe(0);
    expect(uncoveredShare(sceneTwin(['A', 'D']).twin)).toBe(0.5);
  });

  it('buckets targets by COCO area: small < 32², medium < 96², large', () => {
    expect([0, 1023, 1024, 9215, 9216].map(sizeBucket)).toEqual(['empty', 'small', 'medium', 'medium', 'large']);
  });
});

/** A segmenter whose proposals are the scene's boxes: all of them for balanced, no D for fast. */
function scriptedSegmenter(): Segmenter & { runs: PresetName[] } {
  const runs: PresetName[] = [];
  return {
    modelName: 'scripted',
    provider: 'cpu',
    runs,
    async everything(image, options): Promise<EverythingResult> {
      runs.push(options.preset);
      const names = options.preset === 'fast' ? ['A', 'B', 'C'] : ['A', 'B', 'C', 'D'];
      expect([image.width, image.height]).toEqual([W, H]);
      return {
        proposals: names.map((n) => proposal(mask(BOXES[n]!))),
        stats: {
          prompts: names.length,
          decoderCalls: names.length,
          masksPerPrompt: 'single-mask',
          encoderMs: 1,
          decoderMs: 1,
          postprocessMs: 1,
          totalMs: 3,
          coverage: 1,
          embeddingCached: false,
        },
      };
    },
    async segment() {
      throw new Error('not used');
    },
    async detail() {
      throw new Error('not used');
    },
    async refine() {
      throw new Error('not used');
    },
  };
}

describe('twin oracle over a dataset, per preset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    await writePng(path.join(dir, 'scene.png'), W, H);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("builds each image's twin once per preset and summarises by size bucket", async () => {
    const config = loadConfig({ TWINSEG_HOME: path.join(dir, 'home'), TWINSEG_PERSIST: '0' });
    const segmenter = scriptedSegmenter();
    const service = await createTwinService(config, { segmenter });
    const imagePath = path.join(dir, 'scene.png');
    const sample = (id: string, target: Box) => ({
      id,
      image: 'scene.png',
      imagePath,
      query: id,
      width: W,
      height: H,
      target: mask(target),
    });
    const dataset: EvalDataset = {
      format: 'coco',
      source: dir,
      samples: [sample('left', BOXES.A!), sample('right', [60, 0, 120, 100]), sample('dot', BOXES.D!), sample('all', [0, 0, W, H])],
    };
    const report = await runOracle(dataset, ['fast', 'balanced'], (image, preset) => service.build({ image: fileSource(image), preset }));
    expect(segmenter.runs).toEqual(['fast', 'balanced']);
    const [fast, balanced] = report.presets;
    expect(fast!.builds).toMatchObject([{ image: 'scene.png', cached: false, objects: 3, decoderCalls: 3 }]);
    expect(balanced!.summary.small).toMatchObject({ count: 1, single: { mean: 1, recall50: 1, recall75: 1 } });
    // fast has no object for the dot: its best is A, which holds it: 100 / 6000.
    expect(fast!.summary.small).toMatchObject({ count: 1, single: { recall50: 0 }, greedy: { recall50: 0 } });
    expect(fast!.summary.small!.single.mean).toBeCloseTo(100 / 6000, 12);
    expect(fast!.summary.small!.greedy.mean).toBeCloseTo(100 / 6000, 12);
    expect(fast!.summary.medium).toMatchObject({
      count: 2,
      single: { mean: 0.75, recall50: 1, recall75: 0.5 },
      greedy: { mean: 1, recall75: 1 },
    });
    expect(fast!.summary.large).toMatchObject({ count: 1, single: { mean: 0.5 }, greedy: { mean: 1 } });
    expect(fast!.summary.all).toMatchObject({ count: 4 });
    expect(fast!.summary.empty).toBeNull();
    expect(report.rows.filter((r) => r.preset === 'balanced' && r.sample === 'all')[0]).toMatchObject({
      bucket: 'large',
      greedy_iou: 1,
      single_iou: 0.5,
    });
  });

  it('summarises to null for a bucket without targets', () => {
    expect(summariseOracle([])).toEqual({ all: null, small: null, medium: null, large: null, empty: null });
  });
});

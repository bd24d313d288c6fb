import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalDataset } from '../../src/eval/dataset.js';
import { evaluatePredictions } from '../../src/eval/evaluate.js';
import { readMaskImage } from '../../src/eval/prediction-masks.js';
import { parsePredictions } from '../../src/eval/predictions.js';
import { TwinsegError } from '../../src/errors.js';
import { encodeRaw } from '../../src/image/codec.js';
import { encodeCocoRle } from '../../src/mask/coco-rle.js';
import { rleArea } from '../../src/mask/rle.js';
import { makeTwin } from '../helpers/recording-twin-service.js';
import { caught } from '../helpers/caught.js';
import { boxRle, tempDir } from './eval-fixtures.js';

// The hand-made twin of the tool tests: 20x10, object 1 [1,1,8,9) (56 px), 2 [12,2,19,8) (42 px),
// 3 [2,2,5,5) (9 px, inside 1).
const TWIN = makeTwin('tw_00000000000000aa');
const sources = {
  twins: async (id: string) => {
    if (id === TWIN.id) return TWIN;
    throw new TwinsegError('TWIN_NOT_FOUND', `No twin with id "${id}".`, { hint: 'Build it.' });
  },
  // Every test image is the twin's image, except other.jpg.
  imageHash: async (p: string) => (p.endsWith('other.jpg') ? 'another image' : TWIN.image.hash),
};

let dir: string;
let file: string;
let dataset: EvalDataset;

beforeAll(async () => {
  dir = await tempDir();
  file = path.join(dir, 'predictions.jsonl');
  const sample = (image: string, query: string, target: [number, number, number, number], ignore?: [number, number, number, number]) => ({
    id: image,
    image,
    imagePath: path.join(dir, image),
    query,
    width: 20,
    height: 10,
    target: boxRle(20, 10, target),
    ...(ignore ? { ignore: boxRle(20, 10, ignore) } : {}),
  });
  dataset = {
    format: 'reasonseg',
    source: dir,
    samples: [
      sample('left.jpg', 'the left block', [1, 1, 8, 9]),
      sample('both.jpg', 'both blocks', [1, 1, 8, 9], [12, 0, 20, 10]),
      sample('right.jpg', 'the right block', [12, 2, 19, 8]),
      sample('none.jpg', 'a unicorn', [0, 0, 0, 0]),
      sample('unanswered.jpg', 'the sky', [0, 0, 20, 2]),
    ],
  };
  // right.jpg's answer as a 0/255 PNG.
  const bits = new Uint8Array(200);
  for (let y = 2; y < 8; y++) for (let x = 12; x < 19; x++) bits[y * 20 + x] = 255;
  await fs.mkdir(path.join(dir, 'masks'));
  await fs.writeFile(path.join(dir, 'masks', 'right.png'), await encodeRaw({ data: bits, width: 20, height: 10, channels: 1 }, 'png'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('evaluating predictions', () => {
  it('scores every sample by its last answer, missing ones as empty, with hand-checked gIoU and cIoU', async () => {
    const lines = [
      // left.jpg: first a wrong answer, then the right one; the last counts.
      `{"image": "left.jpg", "twin_id": "${TWIN.id}", "ids": [2]}`,
      `{"image": "left.jpg", "twin_id": "${TWIN.id}", "ids": [1, 3]}`,
      // both.jpg: union of both objects, but object 2 lies in the ignore region → IoU 1.
      `{"image": "both.jpg", "twin_id": "${TWIN.id}", "ids": [1, 2], "op": "union"}`,
      `{"image": "right.jpg", "mask_path": "masks/right.png"}`,
      // none.jpg: empty target answered with no objects → IoU 1.
      `{"image": "none.jpg", "twin_id": "${TWIN.id}", "ids": []}`,
    ];
    const { summary, rows } = await evaluatePredictions(dataset, parsePredictions(lines.join('\n'), file), file, sources);
    expect(rows.map((r) => [r.sample, r.prediction, r.line, r.iou, r.intersection, r.union])).toEqual([
      ['left.jpg', 'twin', 2, 1, 56, 56],
      ['both.jpg', 'twin', 3, 1, 56, 56],
      ['right.jpg', 'mask', 4, 1, 42, 42],
      ['none.jpg', 'twin', 5, 1, 0, 0],
      ['unanswered.jpg', 'missing', null, 0, 0, 40],
    ]);
    expect(summary).toMatchObject({ count: 5, gIoU: 4 / 5, missing: 1, empty_targets: 1, superseded_lines: 1, unmatched_lines: 0 });
    expect(summary.cIoU).toBeCloseTo((56 + 56 + 42) / (56 + 56 + 42 + 40), 12);
  });

  it("combines twin objects with the line's op: difference of 1 and 3 against object 1", async () => {
    const ps = parsePredictions(`{"image": "left.jpg", "twin_id": "${TWIN.id}", "ids": [1, 3], "op": "difference"}`, file);
    const { rows } = await evaluatePredictions(dataset, ps, file, sources);
    expect(rows[0]).toMatchObject({ intersection: 47, union: 56, prediction_area: 47 });
  });

  it("takes the line's exclude away: 1 and 2 minus 3 against object 1 beside an ignored object 2", async () => {
    const ps = parsePredictions(`{"image": "both.jpg", "twin_id": "${TWIN.id}", "ids": [1, 2], "exclude": [3]}`, file);
    const { rows } = await evaluatePredictions(dataset, ps, file, sources);
    expect(rows[1]).toMatchObject({ intersection: 47, union: 56 });
  });

  it('reads RLE answers, compressed or not', async () => {
    const rle = encodeCocoRle(boxRle(20, 10, [12, 2, 19, 8]));
    const ps = parsePredictions(`{"image": "right.jpg", "rle": ${JSON.stringify(rle)}}`, file);
    expect((await evaluatePredictions(dataset, ps, file)).rows[2]!.iou).toBe(1);
  });

  it('names the line when a twin is gone, and says where twins are kept', async () => {
    const ps = parsePredictions(`{"image": "left.jpg", "twin_id": "tw_00000000000000bb", "ids": [1]}`, file);
    const e = await caught(evaluatePredictions(dataset, ps, file, sources));
    expect(e.code).toBe('TWIN_NOT_FOUND');
    expect(e.message).toBe(`${file} line 1: No twin with id "tw_00000000000000bb".`);
    expect(e.hint).toMatch(/TWINSEG_HOME/);
  });

  it("refuses a twin built from another image than the sample's", async () => {
    const other: EvalDataset = {
      ...dataset,
      samples: [{ ...dataset.samples[0]!, id: 'other.jpg', image: 'other.jpg', imagePath: path.join(dir, 'other.jpg') }],
    };
    const ps = parsePredictions(`{"image": "other.jpg", "twin_id": "${TWIN.id}", "ids": [1]}`, file);
    const e = await caught(evaluatePredictions(other, ps, file, sources));
    expect(e.message).toMatch(/line 1: twin tw_00000000000000aa was built from test\.png, not from the image of other\.jpg/);
  });

  it('names the line of an answer with an unknown object or the wrong size', async () => {
    const unknown = parsePredictions(`{"image": "left.jpg", "twin_id": "${TWIN.id}", "ids": [9]}`, file);
    expect((await caught(evaluatePredictions(dataset, unknown, file, sources))).message).toMatch(
      /line 1: twin tw_00000000000000aa has no object 9/,
    );
    const small = parsePredictions(`{"image": "left.jpg", "rle": {"size": [5, 5], "counts": [25]}}`, file);
    expect((await caught(evaluatePredictions(dataset, small, file))).message).toMatch(
      /line 1: the RLE mask is 5x5 but image left\.jpg is 20x10/,
    );
  });
});

describe('mask images', () => {
  it('reads white-on-black masks at 128 and 0/1 masks at 1', async () => {
    const bits = new Uint8Array(16);
    bits[5] = 1;
    bits[6] = 1;
    const f = path.join(dir, 'zero-one.png');
    await fs.writeFile(f, await encodeRaw({ data: bits, width: 4, height: 4, channels: 1 }, 'png'));
    expect(rleArea(await readMaskImage(f))).toBe(2);
    expect(rleArea(await readMaskImage(path.join(dir, 'masks', 'right.png')))).toBe(42);
    expect((await caught(readMaskImage(path.join(dir, 'missing.png')))).code).toBe('IO_ERROR');
  });
});

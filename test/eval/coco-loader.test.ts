import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCoco } from '../../src/eval/coco-loader.js';
import { loadDataset } from '../../src/eval/load-dataset.js';
import { encodeCocoRle } from '../../src/mask/coco-rle.js';
import { rleArea, rleContains } from '../../src/mask/rle.js';
import { caught } from '../helpers/caught.js';
import { boxRle, tempDir, writeJson, writePng } from './eval-fixtures.js';
import { COCO_SAMPLE, describeWithSampleData } from '../helpers/sample-data.js';

let dir: string;
let instances: string;

beforeAll(async () => {
  dir = await tempDir();
  await fs.mkdir(path.join(dir, 'images'));
  await writePng(path.join(dir, 'images', 'one.png'), 12, 10);
  await writePng(path.join(dir, 'images', 'two.png'), 8, 8);
  const compressed = encodeCocoRle(boxRle(12, 10, [0, 0, 4, 4])); // 16 px
  const uncompressed = { size: [10, 12], counts: Array.from(boxRle(12, 10, [6, 6, 9, 9]).counts) }; // 9 px
  instances = path.join(dir, 'instances.json');
  await writeJson(instances, {
    images: [
      { id: 1, file_name: 'one.png', width: 12, height: 10 },
      { id: 2, file_name: 'two.png', width: 8, height: 8 },
    ],
    annotations: [
      { id: 10, image_id: 1, category_id: 1, segmentation: compressed, iscrowd: 0 },
      { id: 11, image_id: 1, category_id: 2, segmentation: uncompressed, iscrowd: 0 },
      // A polygon on pixel corners 1..5 covers pixel centres 1..4: 4x4 = 16 px (pycocotools' rule).
      { id: 12, image_id: 2, category_id: 1, segmentation: [[1, 1, 5, 1, 5, 5, 1, 5]], iscrowd: 0 },
      { id: 13, image_id: 2, category_id: 2, segmentation: { size: [8, 8], counts: [0, 64] }, iscrowd: 1 },
    ],
    categories: [
      { id: 1, name: 'cup' },
      { id: 2, name: 'plate' },
    ],
  });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('COCO loader without queries', () => {
  it('makes one sample per non-crowd annotation, its query the category name', async () => {
    const ds = await loadCoco(instances, { images: path.join(dir, 'images') });
    expect(ds.samples.map((s) => [s.id, s.query, s.targetIds, rleArea(s.target)])).toEqual([
      ['one.png#10', 'cup', [10], 16],
      ['one.png#11', 'plate', [11], 9],
      ['two.png#12', 'cup', [12], 16],
    ]);
    expect(rleContains(ds.samples[2]!.target, 1, 1)).toBe(true);
    expect(rleContains(ds.samples[2]!.target, 5, 5)).toBe(false);
    expect(ds.samples[0]!.imagePath).toBe(path.join(dir, 'images', 'one.png'));
  });

  it('says where the images should be when file_name does not resolve', async () => {
    const e = await caught(loadCoco(instances));
    expect(e.message).toMatch(/one\.png.*is not at/);
    expect(e.hint).toMatch(/--images/);
  });
});

describe('COCO loader with a queries file', () => {
  it('unites the named targets and ignore regions per query, by file name or image id', async () => {
    const q = path.join(dir, 'queries.json');
    await writeJson(q, {
      queries: [
        { image: 'one.png', query: 'the tableware', targets: [10, 11] },
        { image: 1, query: 'the cup, not the plate', targets: [10], ignore: [11] },
        { image: 'two.png', query: 'a fork', targets: [] },
      ],
    });
    const ds = await loadDataset(instances, { queries: q, images: path.join(dir, 'images') });
    expect(ds.samples.map((s) => [s.id, s.query, rleArea(s.target), s.ignore ? rleArea(s.ignore) : null])).toEqual([
      ['one.png#1', 'the tableware', 25, null],
      ['one.png#2', 'the cup, not the plate', 16, 9],
      ['two.png', 'a fork', 0, null],
    ]);
  });

  it('refuses a target on another image, an unknown annotation and an unknown image, naming the entry', async () => {
    const q = path.join(dir, 'bad.json');
    const load = () => loadCoco(instances, { queries: q, images: path.join(dir, 'images') });
    await writeJson(q, { queries: [{ image: 'two.png', query: 'x', targets: [10] }] });
    expect((await caught(load())).message).toMatch(/queries\[0\]\.targets\[0\]: annotation 10 is on image 1, not on two\.png/);
    await writeJson(q, { queries: [{ image: 'two.png', query: 'x', targets: [], ignore: [99] }] });
    expect((await caught(load())).message).toMatch(/queries\[0\]\.ignore\[0\]: no annotation 99/);
    await writeJson(q, { queries: [{ image: 'three.png', query: 'x', targets: [] }] });
    expect((await caught(load())).message).toMatch(/queries\[0\]\.image: no image "three\.png"/);
    await writeJson(q, { queries: [{ image: 'one.png', text: 'x', targets: [] }] });
    const e = await caught(load());
    expect(e.message).toMatch(/bad\.json is not in the expected form: queries\[0\]/);
    expect(e.hint).toMatch(/"targets": \[annotation ids\]/);
  });

  it("refuses an RLE whose size is not its image's, and a polygon with an odd coordinate count", async () => {
    const f = path.join(dir, 'broken.json');
    const base = { images: [{ id: 1, file_name: 'one.png', width: 12, height: 10 }], categories: [] };
    await writeJson(f, { ...base, annotations: [{ id: 5, image_id: 1, segmentation: { size: [10, 10], counts: [100] } }] });
    expect((await caught(loadCoco(f, { images: path.join(dir, 'images') }))).message).toMatch(
      /annotation 5: RLE size \[10, 10\] differs from its image \(12x10\)/,
    );
    await writeJson(f, { ...base, annotations: [{ id: 6, image_id: 1, segmentation: [[1, 2, 3]] }] });
    expect((await caught(loadCoco(f, { images: path.join(dir, 'images') }))).message).toMatch(/annotation 6: polygon 0 has an odd number/);
  });
});

describeWithSampleData('coco')('COCO loader on the shared sample', () => {
  it('reads the 47 non-crowd segments at their exact COCO areas', async () => {
    const file = COCO_SAMPLE.instances;
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { annotations: { id: number; area: number; iscrowd: number }[] };
    const ds = await loadCoco(file);
    expect(ds.samples).toHaveLength(47);
    const areas = new Map(raw.annotations.map((a) => [a.id, a.area]));
    for (const s of ds.samples) expect(rleArea(s.target), s.id).toBe(areas.get(s.targetIds![0]!));
    expect(new Set(ds.samples.map((s) => `${s.image} ${s.width}x${s.height}`))).toEqual(
      new Set(['000000142238.jpg 640x427', '000000439180.jpg 640x360']),
    );
  });
});

// Region detail end to end with the real default model on a drawn crowd (riders on horses standing close,
// each rider's leg hanging over her horse's side), and the twin-side rules on hand-made twins.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { rleArea, rleBbox, rleIou, type Box } from '../../src/mask/rle.js';
import type { Proposal } from '../../src/perception/contract.js';
import { drawSpec, type Scene, type SceneItem, type SceneTexture } from '../../src/scenes/scene.js';
import { addDetailObjects, regionOf } from '../../src/twin/region-detail.js';
import { draftOf } from '../../src/twin/revision.js';
import { createTwinService, type TwinService } from '../../src/twin/twin-service.js';
import type { Twin } from '../../src/twin/scene-model.js';
import { caught } from '../helpers/caught.js';
import { boxMask, makeTwin } from '../helpers/recording-twin-service.js';
import { fileSource } from '../../src/perception/image-input.js';

const W = 640;
const H = 360;
const texture = (seed: number, amplitude = 8): SceneTexture => ({ seed, amplitude, scaleX: 20, scaleY: 20, octaves: 3, shade: -10 });

/** Four horses side on, 130 px apart (each one's head over the next one's back), a rider on each. */
function crowdItems(): SceneItem[] {
  const items: SceneItem[] = [
    {
      id: 1,
      name: 'grass',
      role: 'backdrop',
      colour: 'green',
      rgb: [100, 135, 70],
      shapes: [{ kind: 'rect', x: 0, y: 0, w: W, h: H }],
      texture: { seed: 1, amplitude: 24, scaleX: 60, scaleY: 10, octaves: 4, shade: 18 },
    },
    {
      id: 2,
      name: 'sky',
      role: 'backdrop',
      colour: 'blue',
      rgb: [160, 192, 228],
      shapes: [{ kind: 'rect', x: 0, y: 0, w: W, h: 120 }],
      texture: texture(2, 20),
    },
  ];
  for (let k = 0; k < 4; k++) {
    const x = 40 + 130 * k;
    const y = 170;
    items.push({
      id: items.length + 1,
      name: 'horse',
      role: 'whole',
      colour: 'brown',
      rgb: [125, 75, 40],
      texture: texture(10 + k),
      shapes: [
        { kind: 'ellipse', cx: x + 60, cy: y + 40, rx: 55, ry: 28 },
        {
          kind: 'polygon',
          points: [
            [x + 100, y + 30],
            [x + 120, y - 20],
            [x + 140, y - 15],
            [x + 115, y + 35],
          ],
        },
        { kind: 'ellipse', cx: x + 135, cy: y - 15, rx: 16, ry: 10, angle: 0.3 },
        ...[10, 35, 80, 100].map((dx) => ({ kind: 'rect' as const, x: x + dx, y: y + 55, w: 10, h: 70 })),
      ],
    });
    items.push({
      id: items.length + 1,
      name: 'rider',
      role: 'whole',
      colour: 'red',
      rgb: [150, 60, 50],
      texture: texture(30 + k),
      shapes: [
        { kind: 'rect', x: x + 45, y: y - 45, w: 28, h: 45 },
        { kind: 'ellipse', cx: x + 59, cy: y - 58, rx: 11, ry: 12 },
        { kind: 'rect', x: x + 50, y: y - 2, w: 14, h: 52, angle: 0.15 },
      ],
    });
  }
  return items;
}

const CROWD: Box = [20, 80, 640, 310];
const home = mkdtempSync(path.join(os.tmpdir(), 'twinseg-detail-'));
let scene: Scene;
let service: TwinService;
let built: Twin;

beforeAll(async () => {
  scene = await drawSpec({ seed: 1, width: W, height: H, theme: 'outdoor', items: crowdItems() });
  const photo = path.join(home, 'crowd.png');
  writeFileSync(photo, scene.picture.data);
  service = await createTwinService(
    loadConfig({ TWINSEG_HOME: home, TWINSEG_PROVIDERS: 'cpu', TWINSEG_THREADS: '2', TWINSEG_PERSIST: '0' }),
    { log: () => undefined },
  );
  built = (await service.build({ image: fileSource(photo), preset: 'balanced' })).twin;
});

afterAll(async () => {
  await service?.close();
  rmSync(home, { recursive: true, force: true });
});

const bestIou = (twin: Twin, mask: Scene['objects'][number]['mask']) =>
  Math.max(0, ...twin.objects.map((o) => rleIou(twin.masks.get(o.id)!, mask)));

describe('region detail on a drawn crowd (real model)', () => {
  it('takes apart riders and horses the whole-image build merged, on the same embedding', async () => {
    const figures = scene.objects.filter((o) => o.role === 'whole');
    const before = figures.map((o) => bestIou(built, o.mask));
    const merged = figures.filter((_, i) => before[i]! < 0.5);
    // The build merged at least four of the eight into masks holding several figures.
    expect(merged.length, before.map((v) => v.toFixed(2)).join(' ')).toBeGreaterThanOrEqual(4);
    const out = await service.detail(built.id, { region: CROWD });
    expect(out.stats!.embeddingCached).toBe(true);
    const after = merged.map((o) => bestIou(out.twin, o.mask));
    // Measured: each merged figure 0.62-0.90, mean 0.77.
    expect(Math.min(...after), after.map((v) => v.toFixed(2)).join(' ')).toBeGreaterThanOrEqual(0.55);
    expect(after.reduce((a, b) => a + b, 0) / after.length).toBeGreaterThanOrEqual(0.7);
    for (const [i, o] of figures.entries()) expect(bestIou(out.twin, o.mask)).toBeGreaterThanOrEqual(before[i]!);
  });

  it('adds what it finds as a revision: every object kept, the new ones after them, found again on a second call', async () => {
    const out = await service.detail(built.id, { region: CROWD });
    expect(out.cached).toBe(true);
    expect(out.twin.id).not.toBe(built.id);
    expect(out.twin.revision).toMatchObject({ parent: built.id, base: built.id });
    for (const o of built.objects) expect(out.twin.masks.get(o.id)).toBe(built.masks.get(o.id));
    const maxId = Math.max(...built.objects.map((o) => o.id));
    expect(out.added.length).toBeGreaterThan(0);
    expect(out.added.every((o) => o.id > maxId && o.origin === 'detail')).toBe(true);
    expect(out.twin.objects).toHaveLength(built.objects.length + out.added.length);
    expect((await service.get(built.id)).objects).toHaveLength(built.objects.length);
  });
});

describe('the region a request names', () => {
  const twin = makeTwin();

  it('joins the boxes of the objects named, with a margin, clipped to the image', () => {
    expect(regionOf(twin, { ids: [1, 3] })).toEqual([1, 1, 8, 9]);
    expect(regionOf(twin, { ids: [1, 2] })).toEqual([0, 1, 20, 9]);
    expect(regionOf(twin, { region: [-5, 2, 15, 30] })).toEqual([0, 2, 15, 10]);
  });

  it('refuses both, neither, unknown ids and a region outside the image, saying what to pass', async () => {
    for (const req of [{}, { region: [0, 0, 5, 5] as Box, ids: [1] }, { ids: [] }]) {
      expect((await caught((async () => regionOf(twin, req))())).message).toMatch(/either by "region".*or by "ids"/);
    }
    expect((await caught((async () => regionOf(twin, { ids: [9] }))())).message).toMatch(/9/);
    expect((await caught((async () => regionOf(twin, { region: [30, 0, 40, 5] }))())).message).toMatch(/leaves no pixels/);
  });
});

describe('adding what region detail found', () => {
  const proposal = (box: Box, score = 0.9): Proposal => {
    const rle = boxMask(box);
    return { rle, area: rleArea(rle), bbox: rleBbox(rle), predictedIou: score, stability: 1, prompt: { box }, stage: 'detail' };
  };

  it('leaves out repeats of existing objects and of each other, and places the rest in the tree', () => {
    const twin = makeTwin();
    const draft = { ...twin, ...draftOf(twin) };
    const added = addDetailObjects(
      draft,
      { hash: twin.image.hash, width: 20, height: 10, rgb: new Uint8Array(600), source: 'x', format: 'png' },
      [
        proposal([1, 1, 8, 9]), // object 1 again
        proposal([1, 1, 4, 9]), // the left part of object 1
        proposal([1, 1, 4, 9], 0.5), // the same part, scored lower
        proposal([12, 2, 15, 8]), // the left part of object 2
      ],
    );
    expect(added.map((o) => o.id)).toEqual([4, 5]);
    expect(added.map((o) => o.parent)).toEqual([1, 2]);
    expect(added.every((o) => o.origin === 'detail' && o.prompts?.[0]?.prompt.box !== undefined)).toBe(true);
  });

  it('keeps no prompt for a mask decoded from a mask input, which decoding the prompt again would not give', () => {
    const twin = makeTwin();
    const draft = { ...twin, ...draftOf(twin) };
    const image = { hash: twin.image.hash, width: 20, height: 10, rgb: new Uint8Array(600), source: 'x', format: 'png' };
    const [o] = addDetailObjects(draft, image, [{ ...proposal([12, 2, 15, 8]), fromMaskInput: true }]);
    expect(o!.prompts).toBeUndefined();
  });
});

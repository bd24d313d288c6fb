// Stuff regions on drawn backgrounds: a textured lawn with a dirt path across it, sky, a tree with sky showing
// through its branches, a rock no mask found. The proposals stand for what SAM's everything mode gives on
// such a picture (the COCO sample's lawn-and-path, trees-and-sky): one mask for the lawn with the path in it,
// one for the tree with its holes, none for the rock. Ground truth comes from the drawn scene.
import { describe, expect, it } from 'vitest';
import { rleArea, rleBbox, rleDifference, rleFromBitmap, rleIntersectionArea, rleIou, rleUnion, type Rle } from '../../../src/mask/rle.js';
import {
  colourField,
  colourSplits,
  kMeans,
  leftoverBlobs,
  sliverRadius,
  stuffProposals,
} from '../../../src/perception/everything/stuff-regions.js';
import { runEverything } from '../../../src/perception/everything/everything.js';
import { resolveEverythingOptions } from '../../../src/perception/presets.js';
import type { LoadedImage, Proposal } from '../../../src/perception/contract.js';
import { drawSpec, type SceneSpec, type SceneTexture } from '../../../src/scenes/scene.js';
import { createFakePredictor, type Shape } from '../../helpers/fake-predictor.js';

const W = 320;
const H = 240;
const flat = (seed: number, amplitude: number, shade = 0): SceneTexture => ({ seed, amplitude, scaleX: 40, scaleY: 10, octaves: 3, shade });

/** Lawn (lighter above, darker below), a dirt path across it, sky, a tree with sky holes, a crate and a rock. */
const SPEC: SceneSpec = {
  seed: 1,
  width: W,
  height: H,
  theme: 'outdoor',
  items: [
    {
      id: 1,
      name: 'grass',
      role: 'backdrop',
      colour: 'green',
      rgb: [100, 135, 70],
      shapes: [{ kind: 'rect', x: 0, y: 0, w: W, h: H }],
      texture: flat(11, 24, 20),
    },
    {
      id: 2,
      name: 'path',
      role: 'backdrop',
      colour: 'brown',
      rgb: [150, 132, 108],
      shapes: [
        {
          kind: 'polygon',
          points: [
            [40, 240],
            [110, 240],
            [230, 110],
            [200, 110],
          ],
        },
      ],
      texture: flat(12, 14),
    },
    {
      id: 3,
      name: 'sky',
      role: 'backdrop',
      colour: 'blue',
      rgb: [170, 200, 232],
      shapes: [{ kind: 'rect', x: 0, y: 0, w: W, h: 100 }],
      texture: flat(13, 10, -10),
    },
    {
      id: 4,
      name: 'tree',
      role: 'whole',
      colour: 'green',
      rgb: [40, 75, 35],
      shapes: [{ kind: 'ellipse', cx: 260, cy: 70, rx: 50, ry: 60 }],
      texture: flat(14, 10),
    },
    ...[
      [240, 40],
      [270, 55],
      [250, 85],
      [285, 95],
      [235, 110],
    ].map(([cx, cy], k) => ({
      id: 5 + k,
      name: 'sky',
      role: 'part' as const,
      parent: 4,
      colour: 'blue' as const,
      rgb: [170, 200, 232] as const,
      shapes: [{ kind: 'ellipse' as const, cx: cx!, cy: cy!, rx: 7, ry: 6 }],
      texture: flat(20 + k, 6),
    })),
    {
      id: 10,
      name: 'crate',
      role: 'whole',
      colour: 'red',
      rgb: [205, 35, 40],
      shapes: [{ kind: 'rect', x: 20, y: 130, w: 50, h: 40 }],
      texture: flat(30, 7),
    },
    {
      id: 11,
      name: 'rock',
      role: 'whole',
      colour: 'gray',
      rgb: [128, 128, 130],
      shapes: [{ kind: 'ellipse', cx: 270, cy: 200, rx: 28, ry: 18 }],
      texture: flat(31, 7),
    },
  ],
};

/** A twig of the mesh: a thin dark rect, part of the tree. */
function twig(id: number, x: number, y: number, w: number, h: number): SceneSpec['items'][number] {
  return {
    id,
    name: 'twig',
    role: 'part',
    parent: 4,
    colour: 'brown',
    rgb: [60, 50, 40],
    shapes: [{ kind: 'rect', x, y, w, h }],
    texture: flat(id, 4),
  };
}

/** The pixels of a box, as a mask. */
function painted(x1: number, y1: number, x2: number, y2: number): Rle {
  const bits = new Uint8Array(W * H);
  for (let y = y1; y < y2; y++) bits.fill(1, y * W + x1, y * W + x2);
  return rleFromBitmap(bits, W, H);
}

async function drawn() {
  const scene = await drawSpec(SPEC);
  const image: LoadedImage = { hash: 'drawn-stuff', width: W, height: H, rgb: scene.rgb, source: 'drawn', format: 'png' };
  const mask = (...ids: number[]): Rle => ids.map((id) => scene.objects.find((o) => o.id === id)!.mask).reduce(rleUnion);
  return { image, mask };
}

const proposal = (rle: Rle): Proposal => ({
  rle,
  area: rleArea(rle),
  bbox: rleBbox(rle),
  predictedIou: 0.9,
  stability: 0.9,
  prompt: {},
  stage: 'grid',
});
const best = (target: Rle, found: readonly Proposal[]) => Math.max(0, ...found.map((p) => rleIou(p.rle, target)));

describe('stuff regions on a drawn background', () => {
  it('finds the path SAM left inside the lawn, the sky through the branches and the rock no mask holds', async () => {
    const { image, mask } = await drawn();
    const lawn = rleDifference(mask(1, 2), mask(10, 11)); // ground mask holding the path, stopping at the objects
    const proposals = [proposal(lawn), proposal(mask(3)), proposal(mask(4, 5, 6, 7, 8, 9)), proposal(mask(10))];
    const stuff = stuffProposals(image, proposals);
    expect(best(mask(2), stuff)).toBeGreaterThanOrEqual(0.8);
    expect(best(mask(5, 6, 7, 8, 9), stuff)).toBeGreaterThanOrEqual(0.7);
    expect(best(mask(11), stuff)).toBeGreaterThanOrEqual(0.8);
    expect(stuff.every((p) => p.stage === 'stuff' && p.predictedIou === 0 && p.prompt.points === undefined)).toBe(true);
    // The lawn is not split into its sunny and its shaded half: nothing found is mostly lawn.
    const grass = rleDifference(mask(1), mask(2, 10, 11));
    expect(best(grass, stuff)).toBeLessThan(0.3);
  });

  it('does not find again what a smaller mask inside the large one already holds', async () => {
    const { image, mask } = await drawn();
    const lawn = rleDifference(mask(1, 2), mask(10, 11));
    const holes = mask(5, 6, 7, 8, 9);
    const stuff = stuffProposals(image, [
      proposal(lawn),
      proposal(mask(3)),
      proposal(mask(4, 5, 6, 7, 8, 9)),
      proposal(holes),
      proposal(mask(10)),
    ]);
    expect(best(holes, stuff)).toBeLessThan(0.3);
    expect(best(mask(2), stuff)).toBeGreaterThanOrEqual(0.8);
  });

  it('makes no region of sky seen through a mesh of twigs: a sieve is no region', async () => {
    // A canopy whose upper part is sky behind a mesh of twigs 4 px wide every 8 px: a sieve, which SAM's mask
    // of the tree holds whole, like the COCO photo's bare trees.
    const mesh: SceneSpec['items'] = [];
    for (let x = 200; x < 320; x += 8) mesh.push(twig(6 + mesh.length, x, 8, 4, 52));
    for (let y = 8; y < 60; y += 8) mesh.push(twig(6 + mesh.length, 200, y, 120, 4));
    const spec: SceneSpec = {
      ...SPEC,
      items: [
        ...SPEC.items.filter((i) => i.id <= 3),
        { ...SPEC.items.find((i) => i.id === 4)!, shapes: [{ kind: 'rect', x: 200, y: 8, w: 120, h: 90 }] },
        {
          id: 5,
          name: 'sky',
          role: 'part',
          parent: 4,
          colour: 'blue',
          rgb: [170, 200, 232],
          shapes: [{ kind: 'rect', x: 200, y: 8, w: 120, h: 52 }],
          texture: flat(40, 6),
        },
        ...mesh,
      ],
    };
    const scene = await drawSpec(spec);
    const image: LoadedImage = { hash: 'drawn-mesh', width: W, height: H, rgb: scene.rgb, source: 'drawn', format: 'png' };
    const of = (id: number) => scene.objects.find((o) => o.id === id)!.mask;
    const canopy = rleUnion(of(4), of(5));
    const stuff = stuffProposals(image, [proposal(rleDifference(of(1), canopy)), proposal(of(3)), proposal(canopy)]);
    const meshBox = painted(200, 8, 320, 60);
    expect(Math.max(0, ...stuff.map((p) => rleIntersectionArea(p.rle, meshBox) / p.area))).toBeLessThan(0.5);
    expect(best(of(2), stuff)).toBeGreaterThanOrEqual(0.8); // the path is still found
  });

  it("cuts a colour split where it lies in two far-apart things SAM returned as one mask (a car's wheel, a house's roof)", async () => {
    const part = (
      id: number,
      name: string,
      rgb: [number, number, number],
      shape: Shape | SceneSpec['items'][number]['shapes'][number],
    ) => ({
      id,
      name,
      role: 'whole' as const,
      colour: 'brown' as const,
      rgb,
      shapes: [shape as SceneSpec['items'][number]['shapes'][number]],
      texture: flat(50 + id, 6),
    });
    const spec: SceneSpec = {
      ...SPEC,
      items: [
        SPEC.items[0]!,
        part(2, 'car', [240, 150, 40], { kind: 'rect', x: 20, y: 150, w: 80, h: 40 }),
        part(3, 'wheel', [95, 60, 40], { kind: 'ellipse', cx: 45, cy: 190, rx: 11, ry: 11 }),
        part(4, 'house', [110, 80, 190], { kind: 'rect', x: 220, y: 120, w: 70, h: 70 }),
        part(5, 'roof', [95, 60, 40], { kind: 'rect', x: 220, y: 120, w: 70, h: 16 }),
      ],
    };
    const scene = await drawSpec(spec);
    const image: LoadedImage = { hash: 'drawn-apart', width: W, height: H, rgb: scene.rgb, source: 'drawn', format: 'png' };
    const of = (...ids: number[]) => ids.map((id) => scene.objects.find((o) => o.id === id)!.mask).reduce(rleUnion);
    const things = of(2, 3, 4, 5); // one mask of two things 120 px apart, as SAM returned a drawn car and house
    const stuff = stuffProposals(image, [proposal(rleDifference(of(1), things)), proposal(things)]);
    expect(best(of(3), stuff)).toBeGreaterThanOrEqual(0.8);
    expect(best(of(5), stuff)).toBeGreaterThanOrEqual(0.8);
    expect(stuff.some((p) => rleIntersectionArea(p.rle, of(3)) > 0 && rleIntersectionArea(p.rle, of(5)) > 0)).toBe(false);
  });

  it('leaves a lawn whose colours differ only in light and shade in one piece', async () => {
    const { image, mask } = await drawn();
    const none = new Uint8Array(W * H);
    const grassOnly = rleDifference(mask(1), mask(2, 10, 11));
    expect(colourSplits(colourField(image, none), grassOnly, none)).toEqual([]);
  });

  it('keeps a region cut into pieces by what stands on it as one object', async () => {
    const { image, mask } = await drawn();
    // A post stands on the path: the path's mask comes back in two pieces, still one stuff region.
    const post = rleFromBitmap(
      Uint8Array.from({ length: W * H }, (_, i) => (i % W >= 140 && i % W < 152 ? 1 : 0)),
      W,
      H,
    );
    const lawn = rleDifference(mask(1, 2), rleUnion(mask(10, 11), post));
    const stuff = stuffProposals(image, [
      proposal(lawn),
      proposal(post),
      proposal(mask(3)),
      proposal(mask(4, 5, 6, 7, 8, 9)),
      proposal(mask(10, 11)),
    ]);
    const path = rleDifference(mask(2), post);
    const found = stuff.filter((p) => rleIou(p.rle, path) >= 0.7);
    expect(found).toHaveLength(1);
  });

  it('makes no region of the slivers between masks that stop short of each other', () => {
    const left = new Uint8Array(W * H);
    // A 3-pixel gap all along between two masks, and a blob of 30×30.
    for (let y = 0; y < H; y++) for (let x = 159; x < 162; x++) left[y * W + x] = 1;
    for (let y = 50; y < 80; y++) for (let x = 20; x < 50; x++) left[y * W + x] = 1;
    const blobs = leftoverBlobs(left, W, H, 100);
    expect(blobs).toHaveLength(1);
    expect(blobs[0]!.box).toEqual([20, 50, 50, 80]);
    expect(blobs[0]!.area).toBe(900);
    expect(sliverRadius(640, 360)).toBe(3);
  });

  it('is off when the options say so, and after SAM proposals when on', async () => {
    const { image } = await drawn();
    const predictor = createFakePredictor([{ kind: 'rect', x1: 20, y1: 130, x2: 70, y2: 170 } satisfies Shape]);
    const off = await runEverything(predictor, image, resolveEverythingOptions('fast', { stuff: false }));
    expect(off.proposals.every((p) => p.stage !== 'stuff')).toBe(true);
    const on = await runEverything(predictor, image, resolveEverythingOptions('fast'));
    const firstStuff = on.proposals.findIndex((p) => p.stage === 'stuff');
    expect(firstStuff).toBeGreaterThan(0);
    expect(on.proposals.slice(firstStuff).every((p) => p.stage === 'stuff')).toBe(true);
    expect(on.stats.coverage).toBeGreaterThan(off.stats.coverage);
  });
});

describe('kMeans', () => {
  it('separates clusters deterministically and never invents centres for identical points', () => {
    const pts = Float32Array.from([0, 0, 0, 1, 0, 0, 0, 1, 0, 50, 50, 50, 51, 50, 50]);
    const a = kMeans(pts, 2);
    expect(kMeans(pts, 2)).toEqual(a);
    expect(a.assignment[0]).toBe(a.assignment[1]);
    expect(a.assignment[3]).toBe(a.assignment[4]);
    expect(a.assignment[0]).not.toBe(a.assignment[3]);
    expect(kMeans(Float32Array.from([5, 5, 5, 5, 5, 5]), 3).centres).toHaveLength(0);
  });
});

// Twins made in code for the picture tests: from masks given directly, from a scene drawn by src/scenes
// (its exact masks become the objects, its parts become parts), or a crowd of figures each with a head
// and legs as parts, dense enough that not every id fits on the overview; and the checks every marks
// picture must pass.
import { expect } from 'vitest';
import { rleArea, rleBbox, rleContains, rleFromBitmap, type Rle } from '../../../src/mask/rle.js';
import type { LoadedImage } from '../../../src/perception/contract.js';
import type { RenderedScene } from '../../../src/scenes/scene-spec.js';
import type { MarksImage } from '../../../src/twin/pictures/set-of-marks.js';
import { pictureToImage } from '../../../src/twin/pictures/picture-window.js';
import { SCHEMA_VERSION, type Level, type Twin, type TwinObject } from '../../../src/twin/scene-model.js';

export interface DrawnObject {
  rle: Rle;
  level?: Level;
  parent?: number;
}

export function imageOf(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): LoadedImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set(pixel(x, y), (y * width + x) * 3);
  return { hash: 'h', width, height, rgb, source: 'synthetic', format: 'raw' };
}

export function shape(w: number, h: number, inside: (x: number, y: number) => boolean): Rle {
  const bits = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(x, y)) bits[y * w + x] = 1;
  return rleFromBitmap(bits, w, h);
}

/** A twin whose object i + 1 is objects[i]. */
export function twinOf(image: LoadedImage, objects: DrawnObject[], id = 'tw_00000000000000aa'): Twin {
  const masks = new Map<number, Rle>();
  const list: TwinObject[] = objects.map(({ rle, level, parent }, i) => {
    masks.set(i + 1, rle);
    const bbox = rleBbox(rle);
    return {
      id: i + 1,
      level: level ?? 'whole',
      parent: parent ?? null,
      children: objects.flatMap((o, j) => (o.parent === i + 1 ? [j + 1] : [])),
      bbox,
      area: rleArea(rle),
      areaFraction: rleArea(rle) / (image.width * image.height),
      centroid: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
      position: 'center',
      color: { mean: '#000000', dominant: '#000000', name: 'black' },
      shape: { aspectRatio: 1, solidity: 1, circularity: 1 },
      outline: { points: [], holes: 0 },
      scores: { predictedIou: 0.9, stability: 0.9 },
      origin: 'grid',
      semantics: {},
    };
  });
  const { width, height } = image;
  return {
    id,
    schemaVersion: SCHEMA_VERSION,
    image: { hash: image.hash, width, height, source: image.source },
    model: 'test',
    params: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    objects: list,
    masks,
  };
}

/** The scene's items as a twin (backdrops and wholes as wholes, parts as parts), with the scene's pixels. */
export function twinOfScene(scene: RenderedScene): { image: LoadedImage; twin: Twin } {
  const image: LoadedImage = {
    hash: 'scene',
    width: scene.width,
    height: scene.height,
    rgb: scene.rgb,
    source: 'drawn scene',
    format: 'png',
  };
  const index = new Map(scene.objects.map((o, i) => [o.id, i + 1]));
  const twin = twinOf(
    image,
    scene.objects.map((o) => ({
      rle: o.mask,
      level: o.role === 'part' ? 'part' : 'whole',
      parent: o.parent === undefined ? undefined : index.get(o.parent),
    })),
  );
  return { image, twin };
}

/**
 * `cols` × `rows` figures on a grey field, each a body (whole) with a head and legs (parts) drawn in
 * cells of `cell` pixels: a crowd with three objects per figure.
 */
export function crowdTwin(cols: number, rows: number, cell = 24): { image: LoadedImage; twin: Twin } {
  const W = cols * cell;
  const H = rows * cell;
  const image = imageOf(W, H, (x, y) => {
    const cx = x % cell;
    const cy = y % cell;
    return cx > cell * 0.2 && cx < cell * 0.8 && cy > cell * 0.1 && cy < cell * 0.95 ? [170, 90, 60] : [110, 140, 90];
  });
  const objects: DrawnObject[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x0 = c * cell;
      const y0 = r * cell;
      const inCell = (x: number, y: number, fx1: number, fy1: number, fx2: number, fy2: number) =>
        x >= x0 + cell * fx1 && x < x0 + cell * fx2 && y >= y0 + cell * fy1 && y < y0 + cell * fy2;
      const body = objects.push({ rle: shape(W, H, (x, y) => inCell(x, y, 0.2, 0.1, 0.8, 0.95)) });
      objects.push({ rle: shape(W, H, (x, y) => inCell(x, y, 0.3, 0.1, 0.7, 0.35)), level: 'part', parent: body });
      objects.push({ rle: shape(W, H, (x, y) => inCell(x, y, 0.25, 0.65, 0.75, 0.95)), level: 'part', parent: body });
    }
  }
  return { image, twin: twinOf(image, objects) };
}

/** Label boxes at least this tall on a picture at the host's size: ids a vision model reads at a glance. */
export const MIN_LABEL_PX = 24;

/** No two label boxes overlap or touch, and every box lies inside the picture. */
export function expectLabelsApart(out: Pick<MarksImage, 'marks' | 'width' | 'height'>): void {
  for (const [i, a] of out.marks.entries()) {
    expect(a.box[0] >= 0 && a.box[1] >= 0 && a.box[2] <= out.width && a.box[3] <= out.height, `label ${a.id} inside`).toBe(true);
    for (const b of out.marks.slice(i + 1)) {
      const apart = a.box[2] <= b.box[0] || b.box[2] <= a.box[0] || a.box[3] <= b.box[1] || b.box[3] <= a.box[1];
      expect(apart, `labels ${a.id} ${JSON.stringify(a.box)} and ${b.id} ${JSON.stringify(b.box)}`).toBe(true);
    }
  }
}

/** Every leader ends on a pixel of its own object (mapped back through the picture's window). */
export function expectLeadersOnTheirObjects(out: MarksImage, twin: Twin): void {
  for (const m of out.marks) {
    if (!m.leader) continue;
    const [x, y] = pictureToImage(out.window, Math.floor(m.leader.to[0]), Math.floor(m.leader.to[1]));
    expect(rleContains(twin.masks.get(m.id)!, Math.floor(x), Math.floor(y)), `leader of ${m.id} ends on it`).toBe(true);
  }
}

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Box } from '../../../src/mask/rle.js';
import type { LoadedImage } from '../../../src/perception/contract.js';
import { drawScene } from '../../../src/scenes/scene.js';
import { numberSvg } from '../../../src/twin/pictures/digit-glyphs.js';
import { distanceTransform, interiorCandidates } from '../../../src/twin/pictures/mark-placement.js';
import { markColor } from '../../../src/twin/pictures/mask-painting.js';
import { renderMarksImage } from '../../../src/twin/pictures/set-of-marks.js';
import { HOST_MAX_PIXELS, HOST_MAX_SIDE } from '../../../src/twin/pictures/picture-window.js';
import {
  crowdTwin,
  expectLabelsApart,
  expectLeadersOnTheirObjects,
  imageOf,
  MIN_LABEL_PX,
  shape,
  twinOf,
  twinOfScene,
} from './drawn-twins.js';

async function rawOf(data: Buffer) {
  return sharp(data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
}

function pixelsIn(px: { data: Buffer; info: { width: number } }, [x1, y1, x2, y2]: Box): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      const o = (y * px.info.width + x) * 3;
      out.push([px.data[o]!, px.data[o + 1]!, px.data[o + 2]!]);
    }
  }
  return out;
}

const near = (a: number[], b: number[], tol: number) => a.every((v, k) => Math.abs(v - b[k]!) <= tol);

describe('renderMarksImage', () => {
  const W = 400;
  const H = 300;
  const grey = imageOf(W, H, () => [128, 128, 128]);
  const rects: Box[] = [
    [20, 20, 180, 140],
    [220, 20, 380, 140],
    [20, 160, 380, 280],
    [40, 40, 90, 90],
  ];
  const twin = twinOf(
    grey,
    rects.map(([x1, y1, x2, y2], i) => ({
      rle: shape(W, H, (x, y) => x >= x1 && x < x2 && y >= y1 && y < y2),
      level: i === 3 ? 'part' : 'whole',
    })),
  );

  it('draws one numbered box per object inside its mask, in the object colour with legible ink', async () => {
    const out = await renderMarksImage(grey, twin, { maxZoom: 1 });
    expect(out.mime).toBe('image/jpeg');
    expect([out.width, out.height, out.scale]).toEqual([W, H, 1]);
    const px = await rawOf(out.data);
    expect(out.marks.map((m) => m.id).sort()).toEqual([1, 2, 3, 4]);
    for (const { id, box, leader } of out.marks) {
      expect(leader, `label ${id} sits on its object`).toBeUndefined();
      const [x1, y1, x2, y2] = box;
      const r = rects[id - 1]!;
      const cx = (x1 + x2) / 2;
      const cy = (y1 + y2) / 2;
      expect(cx >= r[0] && cx < r[2] && cy >= r[1] && cy < r[3], `label ${id} centre inside its mask`).toBe(true);
      const pixels = pixelsIn(px, [x1 + 2, y1 + 2, x2 - 2, y2 - 2]);
      // JPEG at quality 85 with full chroma: colours within a few levels.
      const fill = pixels.filter((p) => near(p, markColor(id), 24)).length;
      const ink = pixels.filter((p) => near(p, [0, 0, 0], 60) || near(p, [255, 255, 255], 60)).length;
      const background = pixels.filter((p) => near(p, [128, 128, 128], 4)).length;
      expect(fill / pixels.length, `label ${id} box filled`).toBeGreaterThan(0.4);
      expect(ink / pixels.length, `label ${id} digits drawn`).toBeGreaterThan(0.08);
      expect(background, `label ${id} covers the photo`).toBe(0);
    }
  });

  it('keeps labels apart when there is room', async () => {
    expectLabelsApart(await renderMarksImage(grey, twin));
  });

  it('outlines wholes and tints their inside, leaving unmasked pixels alone', async () => {
    const px = await rawOf((await renderMarksImage(grey, twin, { maxZoom: 1 })).data);
    const at = (x: number, y: number) => Array.from(px.data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));
    const close = (a: number[], b: readonly number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);
    expect(close(at(221, 100), markColor(2), 24)).toBe(true); // left edge of object 2
    expect(close(at(200, 150), [128, 128, 128], 4)).toBe(true); // gap between objects
    expect(close(at(300, 120), [128, 128, 128], 10)).toBe(false); // inside object 2, away from its label
  });

  it('only marks the requested ids and names unknown ones', async () => {
    const out = await renderMarksImage(grey, twin, { ids: [2, 3] });
    expect(out.marks.map((m) => m.id).sort()).toEqual([2, 3]);
    await expect(renderMarksImage(grey, twin, { ids: [2, 9] })).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
  });

  it("shrinks a large photo to the host's limits and stays under maxBytes by lowering JPEG quality", async () => {
    // Noise does not compress: the PNG would be ~5 MB.
    let s = 1;
    const noisy = imageOf(2000, 1000, () => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return [s & 255, (s >> 8) & 255, (s >> 16) & 255];
    });
    const t = twinOf(noisy, [{ rle: shape(2000, 1000, (x, y) => x > 200 && x < 900 && y > 100 && y < 800) }]);
    const out = await renderMarksImage(noisy, t, { maxBytes: 400_000 });
    expect(out.mime).toBe('image/jpeg');
    expect(out.data.length).toBeLessThanOrEqual(400_000);
    // 1.15 MP binds before 1568 px: 0.75 × (2000 × 1000).
    expect([out.width, out.height]).toEqual([1500, 750]);
    expect(out.scale).toBe(0.75);
    const meta = await sharp(out.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1500, 750]);
    const small = await renderMarksImage(noisy, t, { maxSide: 500, maxBytes: 60_000 });
    expect(Math.max(small.width, small.height)).toBeLessThanOrEqual(500);
    expect(small.data.length).toBeLessThanOrEqual(60_000);
  });

  it("enlarges a small photo to the host's size: 640×427 becomes 1312×875 (scale 2.05)", async () => {
    const photo = imageOf(640, 427, (x, y) => [x % 256, y % 256, 90]);
    const out = await renderMarksImage(
      photo,
      twinOf(photo, [{ rle: shape(640, 427, (x, y) => x > 100 && x < 300 && y > 100 && y < 300) }]),
    );
    expect([out.width, out.height, out.scale]).toEqual([1312, 875, 2.05]);
    expect(out.window).toEqual({ x1: 0, y1: 0, x2: 640, y2: 427, scale: 2.05 });
    expect(Math.max(out.width, out.height)).toBeLessThanOrEqual(HOST_MAX_SIDE);
    expect(out.width * out.height).toBeLessThanOrEqual(HOST_MAX_PIXELS);
    expect(out.marks[0]!.box[3] - out.marks[0]!.box[1]).toBeGreaterThanOrEqual(MIN_LABEL_PX);
  });

  it('changes the picture under every label on a textured scene', async () => {
    const scene = await drawScene({ seed: 3, width: 800, height: 534 });
    const data = scene.rgb;
    const photo: LoadedImage = { hash: 'scene', width: scene.width, height: scene.height, rgb: data, source: 'scene 3', format: 'png' };
    const { width: w, height: h } = photo;
    const t = twinOf(photo, [
      { rle: shape(w, h, (x, y) => (x - 400) ** 2 + (y - 250) ** 2 < 150 ** 2) },
      { rle: shape(w, h, (x, y) => (x - 360) ** 2 + (y - 200) ** 2 < 30 ** 2), level: 'part' },
      { rle: shape(w, h, (_x, y) => y > 420) },
      ...Array.from({ length: 9 }, (_, k) => ({ rle: shape(w, h, (x, y) => x > 20 + k * 85 && x < 90 + k * 85 && y > 20 && y < 80) })),
    ]);
    const out = await renderMarksImage(photo, t, { maxSide: 640, maxZoom: 1 });
    expect(out.width).toBe(640);
    expect(out.marks).toHaveLength(12);
    const plain = await sharp(data, { raw: { width: w, height: h, channels: 3 } })
      .resize(out.width, out.height, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const drawn = await rawOf(out.data);
    for (const { id, box } of out.marks) {
      const a = pixelsIn(drawn, box);
      const b = pixelsIn(plain, box);
      let diff = 0;
      a.forEach((p, i) => p.forEach((v, k) => (diff += Math.abs(v - b[i]![k]!))));
      expect(diff / (a.length * 3), `label ${id}`).toBeGreaterThan(25);
    }
  });
});

describe('labels at host scale', () => {
  it('never lets two labels touch, keeps them legible and leaders on their objects, on drawn scenes', async () => {
    for (const seed of [1, 7, 23]) {
      const scene = await drawScene({ seed, width: 640, height: 427, objects: 9, occlusion: 0.6 });
      const { image, twin } = twinOfScene(scene);
      const out = await renderMarksImage(image, twin);
      expect(out.width, `seed ${seed}`).toBe(1312);
      expectLabelsApart(out);
      expectLeadersOnTheirObjects(out, twin);
      for (const m of out.marks) expect(m.box[3] - m.box[1]).toBeGreaterThanOrEqual(MIN_LABEL_PX);
      // Nothing is left out: every object of these scenes gets its id.
      expect([out.crowded, out.unlabelled]).toEqual([false, []]);
      expect(out.marks.length).toBe(twin.objects.length);
    }
  });

  it('labels whole objects only on a crowd too dense for every id, and says so', async () => {
    const { image, twin } = crowdTwin(16, 10);
    const out = await renderMarksImage(image, twin);
    expect(out.crowded).toBe(true);
    const level = new Map(twin.objects.map((o) => [o.id, o.level]));
    expect(new Set(out.marks.map((m) => level.get(m.id)))).toEqual(new Set(['whole']));
    expect(out.marks.length + out.unlabelled.length).toBe(160);
    expect(out.unlabelled).toEqual([]);
    expectLabelsApart(out);
    expectLeadersOnTheirObjects(out, twin);
    for (const m of out.marks) expect(m.box[3] - m.box[1]).toBeGreaterThanOrEqual(MIN_LABEL_PX);
  });

  it('puts the label of an object too small to hold it beside the object, with a leader line to it', async () => {
    // 3×3-pixel dots 20 px apart: at 4× they are 12 px across, less than a label.
    const image = imageOf(200, 120, () => [120, 120, 120]);
    const dots = Array.from({ length: 40 }, (_, k) => [20 + (k % 8) * 20, 20 + Math.floor(k / 8) * 20] as const);
    const twin = twinOf(
      image,
      dots.map(([cx, cy]) => ({ rle: shape(200, 120, (x, y) => Math.abs(x - cx) <= 1 && Math.abs(y - cy) <= 1) })),
    );
    const out = await renderMarksImage(image, twin);
    expect(out.scale).toBe(4);
    expect(out.unlabelled).toEqual([]);
    expect(out.marks.filter((m) => m.leader).length).toBeGreaterThan(20);
    expectLabelsApart(out);
    expectLeadersOnTheirObjects(out, twin);
    for (const m of out.marks) {
      if (!m.leader) continue;
      // The line starts on the label box's edge.
      const [fx, fy] = m.leader.from;
      const onEdge =
        (fx === m.box[0] || fx === m.box[2] || fy === m.box[1] || fy === m.box[3]) &&
        fx >= m.box[0] &&
        fx <= m.box[2] &&
        fy >= m.box[1] &&
        fy <= m.box[3];
      expect(onEdge, `leader of ${m.id} starts on its box`).toBe(true);
    }
  });

  it('leaves out labels that find no room rather than overlap them, and names them', async () => {
    // 400 dots on a 120×120 image: their labels would take twice the picture's area.
    const image = imageOf(120, 120, () => [120, 120, 120]);
    const cells = Array.from({ length: 400 }, (_, k) => k);
    const twin = twinOf(
      image,
      cells.map((k) => ({ rle: shape(120, 120, (x, y) => x % 6 < 3 && y % 6 < 3 && Math.floor(x / 6) + 20 * Math.floor(y / 6) === k) })),
    );
    const out = await renderMarksImage(image, twin);
    expect(out.unlabelled.length).toBeGreaterThan(0);
    expect(out.marks.length + out.unlabelled.length).toBe(400);
    expectLabelsApart(out);
    expectLeadersOnTheirObjects(out, twin);
  });
});

describe('mark placement', () => {
  it('measures depth inside a rectangle from its nearest edge', () => {
    const w = 21;
    const h = 11;
    const dist = distanceTransform(new Uint8Array(w * h).fill(1), w, h);
    expect(dist[5 * w + 10]).toBeCloseTo(6, 5); // 5 pixels to the edge, plus the off-grid pixel
    expect(dist[0]).toBeCloseTo(1, 5);
  });

  it('offers the deepest point first and well-separated alternatives after it', () => {
    const w = 40;
    const h = 20;
    const bits = new Uint8Array(w * h);
    for (let y = 2; y < 18; y++) for (let x = 2; x < 38; x++) bits[y * w + x] = 1;
    const c = interiorCandidates(distanceTransform(bits, w, h), w, h, 6, 5, Infinity, [20, 10]);
    expect(c[0]!.depth).toBeGreaterThanOrEqual(c[1]!.depth);
    expect(Math.abs(c[0]!.y - 9.5)).toBeLessThanOrEqual(1);
    for (let i = 0; i < c.length; i++) {
      for (let j = i + 1; j < c.length; j++) expect(Math.hypot(c[i]!.x - c[j]!.x, c[i]!.y - c[j]!.y)).toBeGreaterThanOrEqual(6);
    }
  });
});

describe('digit glyphs', () => {
  it('renders ten distinct digits without any font', async () => {
    const bitmaps: string[] = [];
    for (let d = 0; d < 10; d++) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="24"><rect width="16" height="24" fill="#fff"/>${numberSvg(String(d), 2, 2, 20, '#000')}</svg>`;
      const raw = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer();
      const ink = raw.filter((v) => v < 128).length;
      expect(ink, `digit ${d} has ink`).toBeGreaterThan(20);
      bitmaps.push(Array.from(raw, (v) => (v < 128 ? 1 : 0)).join(''));
    }
    expect(new Set(bitmaps).size).toBe(10);
  });

  it('refuses anything but digits', () => {
    expect(() => numberSvg('1a', 0, 0, 10, '#000')).toThrow(/only digits/);
  });
});

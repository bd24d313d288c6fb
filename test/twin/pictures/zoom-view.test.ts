import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rleBbox, rleContains } from '../../../src/mask/rle.js';
import { drawScene } from '../../../src/scenes/scene.js';
import { markColor } from '../../../src/twin/pictures/mask-painting.js';
import { pictureToImage } from '../../../src/twin/pictures/picture-window.js';
import { renderZoom, zoomRegion } from '../../../src/twin/pictures/zoom-view.js';
import { crowdTwin, expectLabelsApart, expectLeadersOnTheirObjects, MIN_LABEL_PX, twinOfScene } from './drawn-twins.js';
import { clickPoint, coordinateAt, readRulers } from './read-ruler.js';

describe('zoom view', () => {
  it('a click on an object as seen in the zoom, mapped back with the window and scale, lands in that object', async () => {
    // The scene's shapes on a plain grey photo: the only colours in the picture are the marks'.
    const scene = await drawScene({ seed: 11, width: 640, height: 427, objects: 6, occlusion: 0.5 });
    const { twin } = twinOfScene(scene);
    const image = { ...twinOfScene(scene).image, rgb: new Uint8Array(640 * 427 * 3).fill(128) };
    expect(twin.objects.length).toBeLessThan(20); // one palette colour per object
    const out = await renderZoom(image, twin, { region: [120, 100, 520, 380] });
    expect(out.window.scale).toBeGreaterThan(2);
    const { data } = await sharp(out.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const near = (x: number, y: number, c: readonly number[]) => {
      const o = (y * out.width + x) * 3;
      return Math.abs(data[o]! - c[0]!) + Math.abs(data[o + 1]! - c[1]!) + Math.abs(data[o + 2]! - c[2]!) < 40;
    };
    const underLabel = (x: number, y: number) =>
      out.marks.some(({ box }) => x >= box[0] - 8 && x < box[2] + 8 && y >= box[1] - 8 && y < box[3] + 8);
    let clicks = 0;
    for (const { id } of out.marks) {
      const colour = markColor(id);
      // A pixel of the object's outline as the picture shows it: its colour all around, away from any label.
      let seen: [number, number] | undefined;
      for (let y = 40; y < out.height - 20 && !seen; y += 2) {
        for (let x = 60; x < out.width - 20 && !seen; x += 1) {
          if (underLabel(x, y)) continue;
          if (!near(x, y, colour)) continue;
          // Along the outline one way or the other, so not a stray JPEG pixel.
          if ((near(x - 1, y, colour) && near(x + 1, y, colour)) || (near(x, y - 1, colour) && near(x, y + 1, colour))) seen = [x, y];
        }
      }
      if (!seen) continue;
      const [ix, iy] = pictureToImage(out.window, seen[0], seen[1]);
      expect(
        rleContains(twin.masks.get(id)!, Math.floor(ix), Math.floor(iy)),
        `click on ${id} at picture ${seen} → image ${[ix, iy]}`,
      ).toBe(true);
      clicks++;
    }
    expect(clicks).toBe(out.marks.length);
  });

  it('a click where an id is read, its image pixel read off the rulers, lands in that object', async () => {
    const scene = await drawScene({ seed: 11, width: 640, height: 427, objects: 6, occlusion: 0.5 });
    const { image, twin } = twinOfScene(scene);
    for (const region of [
      [120, 100, 520, 380],
      [300, 200, 340, 230],
    ] as const) {
      const out = await renderZoom(image, twin, { region: [...region] });
      const rulers = await readRulers(out.data);
      // Enough numbered ticks on both rulers to read any point between them.
      expect(rulers.top.length, `top ruler of ${region}`).toBeGreaterThanOrEqual(3);
      expect(rulers.left.length, `left ruler of ${region}`).toBeGreaterThanOrEqual(3);
      expect(out.marks.length).toBeGreaterThan(0);
      for (const m of out.marks) {
        const [px, py] = clickPoint(m);
        const [x, y] = [coordinateAt(rulers.top, px), coordinateAt(rulers.left, py)];
        expect(rleContains(twin.masks.get(m.id)!, Math.floor(x), Math.floor(y)), `${m.id} at picture ${[px, py]} → image ${[x, y]}`).toBe(
          true,
        );
      }
    }
  });

  it('labels every object in the region, parts included, apart and legible', async () => {
    const { image, twin } = crowdTwin(16, 10);
    const out = await renderZoom(image, twin, { region: [0, 0, 96, 72] });
    const inView = twin.objects.filter((o) => {
      const b = rleBbox(twin.masks.get(o.id)!);
      return b[0] < out.window.x2 - 2 && b[2] > out.window.x1 + 2 && b[1] < out.window.y2 - 2 && b[3] > out.window.y1 + 2;
    });
    expect(inView.some((o) => o.level === 'part')).toBe(true);
    const ids = new Set(out.marks.map((m) => m.id));
    for (const o of inView) expect(ids.has(o.id) || out.unlabelled.includes(o.id), `object ${o.id}`).toBe(true);
    expect(out.unlabelled).toEqual([]);
    expect(out.crowded).toBe(false);
    expectLabelsApart(out);
    expectLeadersOnTheirObjects(out, twin);
    for (const m of out.marks) expect(m.box[3] - m.box[1]).toBeGreaterThanOrEqual(MIN_LABEL_PX);
  });

  it('draws nothing on the photo when asked for it plain, and keeps the window and rulers', async () => {
    const scene = await drawScene({ seed: 11, width: 640, height: 427, objects: 6, occlusion: 0.5 });
    const { image, twin } = twinOfScene(scene);
    const marked = await renderZoom(image, twin, { region: [120, 100, 520, 380] });
    const plain = await renderZoom(image, twin, { region: [120, 100, 520, 380], only: [] });
    expect(plain.marks).toEqual([]);
    expect(plain.window).toEqual(marked.window);
    expect((await readRulers(plain.data)).top.length).toBeGreaterThanOrEqual(3);
    // Inside the rulers, every picture pixel is the photo's pixel under it (JPEG and resampling aside), where
    // the marked zoom differs at its outlines and labels.
    const differing = async (picture: typeof plain) => {
      const { data, info } = await sharp(picture.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      let off = 0;
      let seen = 0;
      for (let py = 60; py < info.height - 20; py += 3) {
        for (let px = 80; px < info.width - 20; px += 3) {
          const [ix, iy] = pictureToImage(picture.window, px, py).map(Math.floor) as [number, number];
          const o = (py * info.width + px) * 3;
          const i = (iy * image.width + ix) * 3;
          seen++;
          if (Math.max(...[0, 1, 2].map((c) => Math.abs(data[o + c]! - image.rgb[i + c]!))) > 60) off++; // edges blur when enlarged
        }
      }
      return off / seen;
    };
    const [plainOff, markedOff] = [await differing(plain), await differing(marked)];
    expect(plainOff, `plain ${plainOff}, marked ${markedOff}`).toBeLessThan(0.02);
    expect(markedOff).toBeGreaterThan(2 * plainOff);
  });

  it('zooms on named objects with room around them', async () => {
    const { twin } = crowdTwin(16, 10);
    const region = zoomRegion(twin, { ids: [4, 7] });
    expect(region).toEqual([29, 3, 68, 23]); // bodies of the second and third figures
  });

  it('refuses a region that is empty, outside the image, or given together with ids', () => {
    const { twin } = crowdTwin(4, 4);
    expect(() => zoomRegion(twin, { region: [50, 50, 40, 60] })).toThrow(/is empty/);
    expect(() => zoomRegion(twin, { region: [500, 500, 600, 600] })).toThrow(/outside the 96×96 image/);
    expect(() => zoomRegion(twin, { region: [0, 0, 10, 10], ids: [1] })).toThrow(/either a region or ids/);
    expect(() => zoomRegion(twin, {})).toThrow(/either a region or ids/);
    expect(() => zoomRegion(twin, { ids: [999] })).toThrow(/999/);
  });
});

// The marks picture and the zoom on the two COCO sample photos, with the twins the host gets (default
// preset, real model): labels apart and legible at the delivered size, pictures within the hosts' caps,
// and clicks taken from the zoom landing in their objects. Prints the figures the issue asks for.
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { rleContains } from '../../../src/mask/rle.js';
import { fileSource, loadImage } from '../../../src/perception/image-input.js';
import type { LoadedImage } from '../../../src/perception/contract.js';
import { DEFAULT_MARKS_MAX_BYTES, renderMarksImage, type MarksImage } from '../../../src/twin/pictures/set-of-marks.js';
import { HOST_MAX_PIXELS, HOST_MAX_SIDE, pictureToImage } from '../../../src/twin/pictures/picture-window.js';
import { createTwinService, type TwinService } from '../../../src/twin/twin-service.js';
import type { Twin } from '../../../src/twin/scene-model.js';
import { renderZoom } from '../../../src/twin/pictures/zoom-view.js';
import { COCO_SAMPLE, describeWithSampleData } from '../../helpers/sample-data.js';
import { expectLabelsApart, expectLeadersOnTheirObjects, MIN_LABEL_PX } from './drawn-twins.js';
import { clickPoint, coordinateAt, readRulers } from './read-ruler.js';

let home: string;
let twins: TwinService;
const photos: Record<string, { image: LoadedImage; twin: Twin }> = {};

/** One line of figures: size, bytes, labels, smallest label height, leaders. */
function figures(name: string, out: MarksImage): string {
  const minH = Math.min(...out.marks.map((m) => m.box[3] - m.box[1]));
  const leaders = out.marks.filter((m) => m.leader).length;
  return `${name}: ${out.width}×${out.height} px, ${out.data.length} bytes, ${out.marks.length} labels (${out.crowded ? 'wholes only' : 'all objects'}), smallest label ${minH} px tall, ${leaders} leaders, ${out.unlabelled.length} without room`;
}

describeWithSampleData('coco')('marks and zoom on the COCO sample photos', () => {
  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'twinseg-marks-coco-'));
    twins = await createTwinService(loadConfig({ TWINSEG_HOME: home, TWINSEG_PROVIDERS: 'cpu' }));
    for (const file of [COCO_SAMPLE.photoA, COCO_SAMPLE.photoB]) {
      const { twin } = await twins.build({ image: fileSource(file) });
      photos[path.basename(file)] = { image: await loadImage(fileSource(file), { maxBytes: 50e6, maxPixels: 64e6 }), twin };
    }
  });
  afterAll(async () => {
    await twins?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('labels every photo at host scale: apart, legible, leaders on their objects, within the byte cap', async () => {
    for (const [name, { image, twin }] of Object.entries(photos)) {
      const out = await renderMarksImage(image, twin);
      console.log(figures(name, out));
      expect(Math.max(out.width, out.height)).toBeLessThanOrEqual(HOST_MAX_SIDE);
      expect(out.width * out.height).toBeLessThanOrEqual(HOST_MAX_PIXELS);
      expect(Math.max(out.width, out.height)).toBeGreaterThan(1200); // enlarged from 640
      expect(out.data.length).toBeLessThanOrEqual(DEFAULT_MARKS_MAX_BYTES);
      expectLabelsApart(out);
      expectLeadersOnTheirObjects(out, twin);
      for (const m of out.marks) expect(m.box[3] - m.box[1]).toBeGreaterThanOrEqual(MIN_LABEL_PX);
      const labelled = out.crowded ? twin.objects.filter((o) => o.level === 'whole') : twin.objects;
      expect(out.marks.length + out.unlabelled.length).toBe(labelled.filter((o) => o.area > 0).length);
    }
  });

  it('zooms on the riders of 000000439180: every object labelled, clicks at the labels, read off the rulers, land in their objects', async () => {
    const { image, twin } = photos['000000439180.jpg']!;
    const out = await renderZoom(image, twin, { region: [80, 135, 640, 345] });
    console.log(figures('zoom 000000439180 [80,135,640,345]', out), `window ${JSON.stringify(out.window)}`);
    expectLabelsApart(out);
    expectLeadersOnTheirObjects(out, twin);
    for (const m of out.marks) expect(m.box[3] - m.box[1]).toBeGreaterThanOrEqual(MIN_LABEL_PX);
    // A host clicks where it reads an id (the leader's dot, or the middle of a label on its object) and reads
    // that point's image pixel off the rulers, or computes it from the window and scale in the reply.
    const rulers = await readRulers(out.data);
    expect(Math.min(rulers.top.length, rulers.left.length)).toBeGreaterThanOrEqual(3);
    for (const m of out.marks) {
      const [px, py] = clickPoint(m);
      const byRuler = [coordinateAt(rulers.top, px), coordinateAt(rulers.left, py)];
      const byWindow = pictureToImage(out.window, px, py);
      for (const [x, y] of [byRuler, byWindow]) {
        expect(rleContains(twin.masks.get(m.id)!, Math.floor(x!), Math.floor(y!)), `${m.id} at picture ${[px, py]} → image ${[x, y]}`).toBe(
          true,
        );
      }
    }
  });
});

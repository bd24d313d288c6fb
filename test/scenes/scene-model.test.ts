// Drawn scenes are worth having only if the model sees what was drawn. On the first four seeds (every
// default template appears in them), minisam's everything mode must propose a mask close to nearly every
// big object's exact ground truth, and a point on each big object must give that object back.
import { beforeAll, describe, expect, it } from 'vitest';
import { rleIou } from '../../src/mask/rle.js';
import { bytesSource, loadImage } from '../../src/perception/image-input.js';
import { resolveEverythingOptions } from '../../src/perception/presets.js';
import { drawScene, type SceneObject } from '../../src/scenes/scene.js';
import { sharedMinisam, type SharedSegmenter } from '../helpers/shared-minisam.js';

const SEEDS = [1, 2, 3, 4];
/** Big: the backdrop and every whole object covering ≥ 1% of the picture with ≥ 80% of it in view. */
const isBig = (o: SceneObject, pixels: number): boolean => o.role !== 'part' && o.area >= 0.01 * pixels && o.visibleFraction >= 0.8;

interface Seen {
  seed: number;
  name: string;
  /** Best IoU of any everything-mode proposal with the object's exact mask. */
  proposed: number;
  /** IoU of the mask from one positive point on the object's anchor. */
  pointed: number;
}

let segmenter: SharedSegmenter;
const seen: Seen[] = [];

beforeAll(async () => {
  segmenter = await sharedMinisam();
  for (const seed of SEEDS) {
    const scene = await drawScene({ seed });
    const image = await loadImage(bytesSource(scene.picture.data), { maxBytes: 50e6, maxPixels: 64e6 });
    const { proposals } = await segmenter.everything(image, resolveEverythingOptions('balanced'));
    const line: string[] = [];
    for (const o of scene.objects.filter((x) => isBig(x, scene.width * scene.height))) {
      const proposed = Math.max(0, ...proposals.map((p) => rleIou(p.rle, o.mask)));
      const [x, y] = o.anchor;
      const pointed = rleIou((await segmenter.segment(image, { points: [{ x: x + 0.5, y: y + 0.5, label: 1 }] })).best.rle, o.mask);
      seen.push({ seed, name: o.name, proposed, pointed });
      line.push(`${o.name} ${proposed.toFixed(2)}/${pointed.toFixed(2)}`);
    }
    console.log(`scene ${seed} (${scene.spec.theme}), best proposal IoU / point IoU: ${line.join(', ')}`);
  }
});

describe('minisam on drawn scenes', () => {
  it('covers every default template among the big objects checked', () => {
    expect(new Set(seen.map((s) => s.name))).toEqual(
      new Set(['grass', 'sky', 'wall', 'floor', 'house', 'car', 'sign', 'ball', 'star', 'crate']),
    );
  });

  it('proposes a mask at IoU ≥ 0.8 for nearly every big object', () => {
    const found = seen.filter((s) => s.proposed >= 0.8);
    // Measured 25 of 26, mean 0.96: the one miss is seed 3's yellow car at 0.78 (its body without the
    // wheels; one point on it gives 0.63). Before part points were asked alone and object-sized gaps
    // prompted past the coverage target, 22 of 26: cars and a crate cut in half by part prompts whose
    // negatives fell on the same object, and a ball no prompt reached.
    expect(found.length / seen.length, JSON.stringify(seen.filter((s) => s.proposed < 0.8))).toBeGreaterThanOrEqual(0.85);
    expect(seen.reduce((sum, s) => sum + s.proposed, 0) / seen.length).toBeGreaterThanOrEqual(0.85);
  });

  it('gives a big object back from one point on it', () => {
    const found = seen.filter((s) => s.pointed >= 0.8);
    // Measured 25 of 26 (the same car, 0.63).
    expect(found.length / seen.length, JSON.stringify(seen.filter((s) => s.pointed < 0.8))).toBeGreaterThanOrEqual(0.85);
  });
});

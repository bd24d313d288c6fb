import { describe, expect, it } from 'vitest';
import { decodeToRgb } from '../../src/image/codec.js';
import { cropMask } from '../../src/mask/crop.js';
import { rleArea, rleBbox, rleContains, rleIntersectionArea, rleToBitmap } from '../../src/mask/rle.js';
import {
  DEFAULT_TEMPLATES,
  drawScene,
  drawSpec,
  OBJECT_SWATCHES,
  planScene,
  renderScene,
  SCENE_COLOUR_NAMES,
  THEMES,
  type SceneSpec,
  type SceneTexture,
} from '../../src/scenes/scene.js';
import { colorName, COLOR_NAMES, maskColor } from '../../src/twin/colour.js';

const FLAT: SceneTexture = { seed: 1, amplitude: 0, scaleX: 10, scaleY: 10, octaves: 1, shade: 0 };

/** A 40×30 grey field; a red whole (20×10 at 5,5) with a blue part inside; a green square over its corner. */
function handMade(): SceneSpec {
  return {
    seed: 0,
    width: 40,
    height: 30,
    theme: 'indoor',
    items: [
      {
        id: 1,
        name: 'floor',
        role: 'backdrop',
        colour: 'gray',
        rgb: [128, 128, 128],
        shapes: [{ kind: 'rect', x: 0, y: 0, w: 40, h: 30 }],
        texture: FLAT,
      },
      {
        id: 2,
        name: 'box',
        role: 'whole',
        colour: 'red',
        rgb: [205, 35, 40],
        shapes: [{ kind: 'rect', x: 5, y: 5, w: 20, h: 10 }],
        texture: FLAT,
      },
      {
        id: 3,
        name: 'label',
        role: 'part',
        parent: 2,
        colour: 'blue',
        rgb: [40, 75, 195],
        shapes: [{ kind: 'rect', x: 8, y: 7, w: 4, h: 4 }],
        texture: FLAT,
      },
      {
        id: 4,
        name: 'lid',
        role: 'whole',
        colour: 'green',
        rgb: [45, 150, 65],
        shapes: [{ kind: 'rect', x: 20, y: 10, w: 10, h: 10 }],
        texture: FLAT,
      },
    ],
  };
}

describe('renderScene on a plan written by hand', () => {
  const scene = renderScene(handMade());
  const [floor, box, label, lid] = scene.objects;

  it('gives each item exactly the pixels that show it, parts counted in their whole', () => {
    expect(label!.area).toBe(16);
    expect(label!.bbox).toEqual([8, 7, 12, 11]);
    // 200 pixels of box, 25 hidden under the lid; its part's 16 pixels are inside it.
    expect(box!.area).toBe(175);
    expect(rleIntersectionArea(box!.mask, label!.mask)).toBe(16);
    expect(lid!.area).toBe(100);
    expect(floor!.area).toBe(40 * 30 - 175 - 100);
  });

  it('records what hides what and how much of each item shows', () => {
    expect(box!.drawnArea).toBe(200);
    expect(box!.visibleFraction).toBeCloseTo(0.875, 10);
    expect(box!.occludedBy).toEqual([4]);
    expect(lid!.occludedBy).toEqual([]);
    expect(floor!.occludedBy).toEqual([2, 4]);
    expect(box!.children).toEqual([3]);
    expect(label!.parent).toBe(2);
  });

  it('paints every pixel in the colour of the item whose mask holds it', () => {
    const bits = scene.objects.map((o) => rleToBitmap(o.mask));
    for (let p = 0; p < 40 * 30; p++) {
      // The deepest item holding the pixel (a part before its whole) owns its colour.
      const owner = [label, box, lid, floor].find((o) => bits[o!.id - 1]![p])!;
      expect(Array.from(scene.rgb.subarray(p * 3, p * 3 + 3))).toEqual([...handMade().items[owner.id - 1]!.rgb]);
    }
  });

  it('points at a whole on its own paint, not on its part', () => {
    const [x, y] = box!.anchor;
    expect(rleContains(box!.mask, x, y)).toBe(true);
    expect(rleContains(label!.mask, x, y)).toBe(false);
  });

  it('refuses a plan whose ids are not 1..N or whose parent comes later', () => {
    const spec = handMade();
    expect(() => renderScene({ ...spec, items: spec.items.slice(1) })).toThrow(/ids run 1\.\.N/);
    const bad = handMade();
    bad.items[2] = { ...bad.items[2]!, parent: 4 };
    expect(() => renderScene(bad)).toThrow(/not a whole painted before it/);
  });
});

describe('planned scenes', () => {
  it('draws the same scene from the same seed, and another from another seed', () => {
    const a = renderScene(planScene({ seed: 11 }));
    const b = renderScene(planScene({ seed: 11 }));
    const c = renderScene(planScene({ seed: 12 }));
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(a.objects.map((o) => Array.from(o.mask.counts))).toEqual(b.objects.map((o) => Array.from(o.mask.counts)));
    expect(Buffer.from(a.rgb).equals(Buffer.from(c.rgb))).toBe(false);
  });

  it('splits every pixel among the backdrop and the wholes, and keeps parts inside their whole', () => {
    for (const seed of [1, 2, 3, 4]) {
      const scene = renderScene(planScene({ seed }));
      const W = scene.width;
      const H = scene.height;
      const owners = new Uint8Array(W * H);
      for (const o of scene.objects.filter((x) => x.role !== 'part')) rleToBitmap(o.mask).forEach((v, i) => (owners[i]! += v));
      expect(
        owners.every((n) => n === 1),
        `seed ${seed}`,
      ).toBe(true);
      for (const part of scene.objects.filter((x) => x.role === 'part')) {
        const whole = scene.objects[part.parent! - 1]!;
        expect(rleIntersectionArea(part.mask, whole.mask)).toBe(part.area);
        expect(whole.children).toContain(part.id);
      }
      for (const o of scene.objects) {
        expect(o.area).toBe(rleArea(o.mask));
        expect(o.bbox).toEqual(rleBbox(o.mask));
        if (o.area > 0) expect(rleContains(o.mask, ...o.anchor)).toBe(true);
      }
    }
  });

  it('places the asked number of wholes from the default templates, in distinct colours that differ from the backdrop', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const spec = planScene({ seed, objects: 5 });
      const wholes = spec.items.filter((i) => i.role === 'whole');
      expect(wholes).toHaveLength(5);
      for (const w of wholes) expect(DEFAULT_TEMPLATES as readonly string[]).toContain(w.name);
      expect(new Set(wholes.map((w) => w.colour)).size).toBe(5);
      const { upper, lower } = THEMES[spec.theme];
      for (const w of wholes) expect([upper.colour, lower.colour]).not.toContain(w.colour);
    }
  });

  it('has some objects partly hidden behind others, and parts inside wholes', () => {
    const scenes = [1, 2, 3, 4, 5, 6].map((seed) => renderScene(planScene({ seed })));
    const wholes = scenes.flatMap((s) => s.objects.filter((o) => o.role === 'whole'));
    expect(wholes.some((o) => o.occludedBy.length > 0 && o.visibleFraction < 1)).toBe(true);
    expect(wholes.every((o) => o.visibleFraction > 0.5)).toBe(true);
    const parts = new Set(scenes.flatMap((s) => s.objects.filter((o) => o.role === 'part').map((o) => o.name)));
    expect([...parts].sort()).toEqual(['door', 'pole', 'roof', 'wheel', 'window']);
  });

  it('draws only the templates asked for, rings included when asked', () => {
    const spec = planScene({ seed: 3, templates: ['ring'], objects: 3 });
    expect(spec.items.filter((i) => i.role === 'whole').map((i) => i.name)).toEqual(['ring', 'ring', 'ring']);
    const rings = renderScene(spec).objects.filter((o) => o.name === 'ring');
    // The hole shows what is behind: less area than the filled ellipse.
    for (const r of rings) expect(r.drawnArea).toBeLessThan(0.6 * (r.bbox[2] - r.bbox[0]) * (r.bbox[3] - r.bbox[1]));
  });
});

describe('scene colours', () => {
  it('names every swatch as the twin names it', () => {
    for (const name of SCENE_COLOUR_NAMES) {
      expect(COLOR_NAMES).toContain(name);
      expect(colorName([...OBJECT_SWATCHES[name]]), name).toBe(name);
    }
    for (const { upper, lower } of Object.values(THEMES)) {
      expect(colorName([...upper.rgb]), upper.name).toBe(upper.colour);
      expect(colorName([...lower.rgb]), lower.name).toBe(lower.colour);
    }
  });

  it('keeps each textured object the colour it was given, as the twin measures it', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const scene = renderScene(planScene({ seed }));
      for (const o of scene.objects.filter((x) => x.area >= 300)) {
        expect(maskColor(scene.rgb, scene.width, cropMask(o.mask, o.bbox)).name, `seed ${seed} ${o.name} #${o.id}`).toBe(o.colour);
      }
    }
  });
});

describe('drawScene', () => {
  it('encodes PNG losslessly, so the picture holds exactly the pixels the masks describe', async () => {
    const scene = await drawScene({ seed: 5, width: 320, height: 240 });
    expect(scene.picture.mime).toBe('image/png');
    const decoded = await decodeToRgb(scene.picture.data, { maxPixels: 1e7, background: { r: 255, g: 255, b: 255 } });
    expect([decoded.width, decoded.height]).toEqual([320, 240]);
    expect(Buffer.from(decoded.data).equals(Buffer.from(scene.rgb))).toBe(true);
  });

  it('encodes JPEG on request, at the scene size', async () => {
    const spec = planScene({ seed: 5, width: 300, height: 200 });
    const scene = await drawSpec(spec, 'jpeg');
    expect(scene.picture.mime).toBe('image/jpeg');
    expect(scene.picture.data.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const decoded = await decodeToRgb(scene.picture.data, { maxPixels: 1e7, background: { r: 255, g: 255, b: 255 } });
    expect([decoded.width, decoded.height]).toEqual([300, 200]);
  });
});

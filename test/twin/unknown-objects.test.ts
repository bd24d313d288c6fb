import { describe, expect, it } from 'vitest';
import { buildTwin } from '../../src/twin/build-twin.js';
import { describeIds, unknownObjects } from '../../src/twin/unknown-objects.js';
import { standardScene } from './scene-fixture.js';

const fresh = () => {
  const { scene, proposals } = standardScene();
  return buildTwin(scene.image(), proposals, { model: 'm', params: {} });
};

describe('unknownObjects', () => {
  it('says which ids to use instead', () => {
    const e = unknownObjects(fresh(), [9]);
    expect(e.code).toBe('OBJECT_NOT_FOUND');
    expect(e.fullMessage).toMatch(
      /^No object with id 9 in twin tw_[0-9a-f]{16}\. Use ids the twin has: 1–5 \(.*marks image.*filter_objects\)\.$/,
    );
  });

  it('on a twin without objects, says how to get some', () => {
    const twin = fresh();
    twin.objects = [];
    expect(unknownObjects(twin, [1]).hint).toBe(
      'The twin has no objects: add one with segment (a point or box on it), or build again with preset "thorough".',
    );
  });

  it('lists at most ten missing ids, however many were asked for', () => {
    const missing = Array.from({ length: 1000 }, (_, i) => 100 + i);
    const e = unknownObjects(fresh(), missing);
    expect(e.message).toContain('100, 101, 102, 103, 104, 105, 106, 107, 108, 109 and 990 more');
    expect(e.fullMessage.length).toBeLessThan(300);
    expect(e.details).toEqual({ missing });
  });

  it('lists at most ten ranges of a twin with scattered ids', () => {
    const twin = fresh();
    const template = twin.objects[0]!;
    twin.objects = Array.from({ length: 30 }, (_, i) => ({ ...template, id: 2 * i + 1 }));
    expect(describeIds(twin)).toBe('1, 3, 5, 7, 9, 11, 13, 15, 17, 19 and 20 more');
  });
});

import { describe, expect, it } from 'vitest';
import { buildTwin } from '../../src/twin/build-twin.js';
import { setSemantics } from '../../src/twin/semantics.js';
import { describeIds } from '../../src/twin/unknown-objects.js';
import { standardScene } from './scene-fixture.js';

const fresh = () => {
  const { scene, proposals } = standardScene();
  return buildTwin(scene.image(), proposals, { model: 'm', params: {} });
};

describe('setSemantics', () => {
  it('sets trimmed slots with their source and clears them with empty values', () => {
    const twin = fresh();
    const o = setSemantics(twin, 2, { label: '  mug ', description: 'green', attributes: ['round', 'round', ' '] }, 'host');
    expect(o.semantics).toEqual({
      label: { value: 'mug', source: 'host' },
      description: { value: 'green', source: 'host' },
      attributes: { value: ['round'], source: 'host' },
    });
    setSemantics(twin, 2, { label: '', attributes: null }, 'user');
    expect(o.semantics).toEqual({ description: { value: 'green', source: 'host' } });
  });

  it('refuses unknown ids and over-long values with actionable errors', () => {
    const twin = fresh();
    expect(() => setSemantics(twin, 6, { label: 'x' }, 'host')).toThrow(
      expect.objectContaining({ code: 'OBJECT_NOT_FOUND', hint: expect.stringContaining('Use ids the twin has: 1–5') }),
    );
    expect(() => setSemantics(twin, 1, { label: 'x'.repeat(201) }, 'host')).toThrow(/limit is 200/);
  });

  it('describes id ranges with gaps', () => {
    const twin = fresh();
    twin.objects = twin.objects.filter((o) => o.id !== 3);
    expect(describeIds(twin)).toBe('1–2, 4–5');
  });
});

// The view reads the server's JSON defensively: what it understands from the twin resource and the
// tools' replies, and what it does with fields that are missing, renamed or malformed.
import { describe, expect, it } from 'vitest';
import { errorText, parseToolResult, parseTwin } from '../../src/view/twin-model.js';

const detailed = {
  twin_id: 'tw_b',
  image: { width: 100, height: 50, source: '/x.png' },
  objects: [
    {
      id: 1,
      level: 'whole',
      parent: null,
      children: [2],
      bbox: [0, 0, 60, 50],
      area: 2500,
      area_fraction: 0.5,
      outline: {
        points: [
          [0, 0],
          [60, 0],
          [60, 50],
          [0, 50],
        ],
        holes: 0,
      },
      semantics: { label: { value: 'table', source: 'host' } },
    },
    {
      id: 2,
      level: 'part',
      parent: 1,
      children: [],
      bbox: [10, 10, 20, 20],
      area: 100,
      area_fraction: 0.02,
      outline: { points: [], holes: 0 },
    },
    { id: 'three', bbox: [0, 0, 1, 1] },
    { id: 4 },
  ],
  revision: { base: 'tw_a', parent: 'tw_a', change: 'labelled object 1', masksOf: 'tw_a' },
};

describe('parseTwin', () => {
  it('reads objects with outlines, levels, labels and the revision', () => {
    const twin = parseTwin(detailed);
    expect(twin).toMatchObject({ id: 'tw_b', width: 100, height: 50, base: 'tw_a', parent: 'tw_a', change: 'labelled object 1' });
    expect(twin.objects.map((o) => o.id)).toEqual([1, 2]);
    expect(twin.objects[0]).toMatchObject({ level: 'whole', label: 'table', children: [2], area: 2500, areaFraction: 0.5 });
    expect(twin.objects[1]).toMatchObject({ level: 'part', parent: 1 });
  });

  it('outlines an object the server sent no outline for with its bounding box', () => {
    expect(parseTwin(detailed).objects[1]!.outline).toEqual([
      [10, 10],
      [20, 10],
      [20, 20],
      [10, 20],
    ]);
  });

  it('reads the compact view of a build reply: area from area_pct, label at the top level', () => {
    const twin = parseTwin({
      twin_id: 'tw_c',
      image: { width: 10, height: 10 },
      objects: [{ id: 3, level: 'whole', bbox: [0, 0, 5, 5], area_pct: 25, label: 'cup' }],
    });
    expect(twin.objects[0]).toMatchObject({ id: 3, area: 25, areaFraction: 0.25, label: 'cup', parent: null });
    expect(twin.base).toBe('tw_c');
  });

  it('refuses a twin without an id or an image size', () => {
    expect(() => parseTwin({ image: { width: 1, height: 1 } })).toThrow(/no id or image size/);
    expect(() => parseTwin({ twin_id: 'tw_x' })).toThrow(/no id or image size/);
    expect(() => parseTwin('tw_x')).toThrow(/not a JSON object/);
  });
});

describe('parseToolResult', () => {
  it('takes the object and alternatives of a segment reply, in either spelling of predicted IoU', () => {
    const news = parseToolResult({
      content: [{ type: 'text', text: 'Added object 4.' }],
      structuredContent: {
        twin_id: 'tw_r',
        action: 'added',
        object: { id: 4 },
        alternatives: [
          { alternative: 3, granularity: 'whole', area: 900, predictedIou: 0.8 },
          { alternative: 1, granularity: 'part', area: 90, predicted_iou: 0.7 },
          { granularity: 'no token' },
        ],
      },
    });
    expect(news).toEqual({
      twinId: 'tw_r',
      ids: [4],
      object: 4,
      action: 'added',
      alternatives: [
        { alternative: 3, granularity: 'whole', area: 900, predictedIou: 0.8 },
        { alternative: 1, granularity: 'part', area: 90, predictedIou: 0.7 },
      ],
      headline: 'Added object 4.',
    });
  });

  it('takes the ids of a get_mask reply and only the twin of a build reply', () => {
    expect(parseToolResult({ content: [], structuredContent: { twin_id: 'tw_m', ids: [2, 3, -1, 'x'] } })).toMatchObject({
      ids: [2, 3],
      object: undefined,
    });
    expect(parseToolResult({ content: [], structuredContent: { twin_id: 'tw_b', twin: {} } })).toMatchObject({
      twinId: 'tw_b',
      ids: [],
      alternatives: [],
    });
  });

  it('shows the revision a get_mask with keep made, and the object it kept', () => {
    const news = parseToolResult({
      content: [{ type: 'text', text: 'Kept objects 2, 3 as object 9.' }],
      structuredContent: { twin_id: 'tw_m', ids: [2, 3], op: 'union', kept: { twin_id: 'tw_k', id: 9 } },
    });
    expect(news).toEqual({ twinId: 'tw_k', ids: [9], alternatives: [], headline: 'Kept objects 2, 3 as object 9.' });
  });

  it('has nothing to show for an error or a result that names no twin', () => {
    expect(parseToolResult({ isError: true, content: [{ type: 'text', text: 'TWIN_NOT_FOUND' }] })).toBeUndefined();
    expect(parseToolResult({ content: [], structuredContent: { ids: [1] } })).toBeUndefined();
    expect(errorText({ isError: true, content: [{ type: 'text', text: 'INVALID_INPUT: no.' }, { type: 'image' }] })).toBe(
      'INVALID_INPUT: no.',
    );
    expect(errorText(undefined)).toBe('The call failed.');
  });
});

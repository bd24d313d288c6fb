// The person's choices in words and sets: which objects each level outlines, what hovering says, how
// clicks change the selection, and the message that hands a selection to the conversation.
import { describe, expect, it } from 'vitest';
import { describeObject, nextSelection, objectsAtLevel, selectionContext, selectionMessage } from '../../src/view/choices.js';
import type { ViewObject, ViewTwin } from '../../src/view/twin-model.js';

function object(id: number, over: Partial<ViewObject> = {}): ViewObject {
  return {
    id,
    level: 'whole',
    parent: null,
    children: [],
    bbox: [0, 0, 1, 1],
    area: 100 * id,
    areaFraction: id / 100,
    outline: [],
    ...over,
  };
}

const twin: ViewTwin = {
  id: 'tw_t',
  width: 100,
  height: 100,
  base: 'tw_t',
  objects: [
    object(1, { children: [4], label: 'table' }),
    object(2),
    object(3, { area: 300 }),
    object(4, { level: 'part', parent: 1, area: 50 }),
  ],
};

describe('objectsAtLevel', () => {
  it('wholes: the whole objects, largest first so smaller ones are drawn on top', () => {
    expect(objectsAtLevel(twin, 'wholes').map((o) => o.id)).toEqual([3, 2, 1]);
  });

  it('parts: the finest objects, parts and the wholes that have none', () => {
    expect(objectsAtLevel(twin, 'parts').map((o) => o.id)).toEqual([3, 2, 4]);
  });

  it('always shows the objects asked for, whatever their level', () => {
    expect(objectsAtLevel(twin, 'wholes', new Set([4])).map((o) => o.id)).toEqual([3, 2, 1, 4]);
  });
});

describe('describeObject', () => {
  it('says id, level, label and size', () => {
    expect(describeObject(object(1, { label: 'table', area: 12345, areaFraction: 0.123 }))).toBe('#1 whole · "table" · 12,345 px (12%)');
    expect(describeObject(object(4, { level: 'part', parent: 1, area: 50, areaFraction: 0.005 }))).toBe('#4 part of #1 · 50 px (0.50%)');
    expect(describeObject(object(5, { area: 0, areaFraction: 0.034 }))).toBe('#5 whole · 3.4%');
  });
});

describe('nextSelection', () => {
  it('a click selects one object, again deselects it; with the modifier it adds or removes', () => {
    expect([...nextSelection(new Set([1, 2]), 3, false)]).toEqual([3]);
    expect([...nextSelection(new Set([3]), 3, false)]).toEqual([]);
    expect([...nextSelection(new Set([1]), 3, true)]).toEqual([1, 3]);
    expect([...nextSelection(new Set([1, 3]), 1, true)]).toEqual([3]);
  });
});

describe('the selection for the conversation', () => {
  it('names the objects, the twin and the call that takes their mask', () => {
    expect(selectionMessage(twin, [1, 4])).toBe(
      'In the twin view I picked object 1 ("table", whole) and object 4 (a part of object 1) of twin tw_t. ' +
        'Continue with these objects, e.g. get_mask {"twin_id": "tw_t", "ids": [1, 4]}.',
    );
  });

  it('gives the model context the same choice as data', () => {
    expect(selectionContext(twin, [4, 9])).toEqual({
      twin_id: 'tw_t',
      selected: [{ id: 4, level: 'part', bbox: [0, 0, 1, 1], area: 50 }, { id: 9 }],
    });
  });
});

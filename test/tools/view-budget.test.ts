import { expect, it } from 'vitest';
import { fitCompactView } from '../../src/tools/view-budget.js';
import { makeTwin } from '../helpers/scripted-twin-service.js';

it('keeps the whole compact view when it fits the budget', () => {
  const twin = makeTwin();
  const { view, note } = fitCompactView(twin);
  expect(view.objects.map((o) => o.id)).toEqual([1, 2, 3]);
  expect(note).toBeUndefined();
});

it('lists only the leading objects that fit, and says how to page the rest', () => {
  const twin = makeTwin();
  const full = JSON.stringify(fitCompactView(twin).view).length;
  const { view, note } = fitCompactView(twin, twin.objects, full - 10);
  expect(view.objects.map((o) => o.id)).toEqual([1, 2]);
  expect(view.object_count).toBe(3);
  expect(JSON.stringify(view).length).toBeLessThanOrEqual(full - 10);
  expect(note).toMatch(/2 of 3.*filter_objects/);
});

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { fitCompactView, fitResult, RESULT_MAX_CHARS, RESULT_TEXT_MAX_CHARS } from '../../src/tools/view-budget.js';
import { makeTwin } from '../helpers/recording-twin-service.js';
import { startHarness, textOf } from '../helpers/mcp-harness.js';

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

/** What a model reads of a result: its text blocks and structuredContent as JSON. */
const chars = (r: CallToolResult) =>
  r.content.reduce((n, c) => n + (c.type === 'text' ? c.text.length : 0), 0) + JSON.stringify(r.structuredContent ?? {}).length;

describe('every tool result stays within what hosts accept', () => {
  it('label_objects with 1,000 long labels answers under 100,000 characters, saying what it cut', async () => {
    const h = await startHarness();
    try {
      const built = await h.call('build_digital_twin', { image: 'photo.png' });
      const twinId = (built.structuredContent as { twin_id: string }).twin_id;
      const labels = Array.from({ length: 1000 }, (_, i) => ({
        id: 1 + (i % 3),
        label: `${i} ${'x'.repeat(190)}`,
        description: 'd'.repeat(2000),
      }));
      const r = await h.call('label_objects', { twin_id: twinId, labels });
      expect(r.isError, textOf(r)).toBeFalsy();
      expect(chars(r)).toBeLessThanOrEqual(RESULT_TEXT_MAX_CHARS);
      const s = r.structuredContent as { twin_id: string; updated: unknown[]; truncated: Record<string, { shown: number; total: number }> };
      expect(s.twin_id).toMatch(/^tw_/);
      expect(s.truncated.updated).toEqual({ shown: s.updated.length, total: 1000 });
      expect(s.updated.length).toBeGreaterThan(100);
      expect(textOf(r)).toMatch(/Cut to stay within the result size hosts accept: updated lists \d+ of 1000/);
      // The text copy of structuredContent is the cut one.
      expect(r.content.some((c) => c.type === 'text' && c.text === JSON.stringify(s))).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe('fitResult', () => {
  it('returns a result that fits as it is', () => {
    const r: CallToolResult = { content: [{ type: 'text', text: 'ok' }], structuredContent: { a: [1, 2] } };
    expect(fitResult(r)).toBe(r);
  });

  it('cuts the longest lists first, one level down too, and keeps the scalars', () => {
    const s = {
      id: 'x',
      big: Array.from({ length: 5000 }, (_, i) => ({ i, pad: 'p'.repeat(40) })),
      inner: { rows: Array.from({ length: 100 }, (_, i) => i) },
    };
    const r = fitResult({
      content: [
        { type: 'text', text: 'lead' },
        { type: 'text', text: JSON.stringify(s) },
      ],
      structuredContent: s,
    });
    const out = r.structuredContent as typeof s & { truncated: Record<string, { shown: number; total: number }> };
    expect(out.id).toBe('x');
    expect(out.truncated.big!.total).toBe(5000);
    expect(out.big).toHaveLength(out.truncated.big!.shown);
    expect(out.inner.rows).toHaveLength(100);
    expect(chars(r)).toBeLessThanOrEqual(RESULT_TEXT_MAX_CHARS);
  });

  it('leaves out pictures past a million characters, saying so', () => {
    const picture = { type: 'image' as const, data: 'A'.repeat(600_000), mimeType: 'image/jpeg' };
    const r = fitResult({ content: [{ type: 'text', text: 'lead' }, picture, picture] });
    expect(r.content.filter((c) => c.type === 'image')).toHaveLength(1);
    expect(JSON.stringify(r).length).toBeLessThanOrEqual(RESULT_MAX_CHARS);
    expect(textOf(r)).toMatch(/1 picture\(s\) left out/);
  });
});

// Keeps what tools send back within the result budget (~25k tokens; the JSON goes out twice, as
// structuredContent and as its text copy): the twin view is fitted by whole objects, and every result
// passes fitResult last (tool-errors.ts). The views themselves belong to the twin layer.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { compactView, type CompactTwinView } from '../twin/views.js';
import type { Twin, TwinObject } from '../twin/scene-model.js';

/** Characters of JSON per copy; two copies stay well under 25k tokens at ~4 characters a token. */
export const VIEW_BUDGET_CHARS = 40_000;

/**
 * The compact view of `objects`; when it is over budget, only as many leading objects as fit (ids and
 * default order are by area, so these are the largest), with a note saying how to page the rest.
 */
export function fitCompactView(
  twin: Twin,
  objects: readonly TwinObject[] = twin.objects,
  budget = VIEW_BUDGET_CHARS,
): { view: CompactTwinView; note?: string } {
  const view = compactView(twin, objects);
  if (JSON.stringify(view).length <= budget) return { view };
  let size = JSON.stringify({ ...view, objects: [] }).length;
  let n = 0;
  for (const o of view.objects) {
    const s = JSON.stringify(o).length + 1;
    if (size + s > budget) break;
    size += s;
    n++;
  }
  return {
    view: { ...view, objects: view.objects.slice(0, n) },
    note: `Listed ${n} of ${objects.length} objects to stay within the result size; page the rest with filter_objects (limit/offset) or read twin://${twin.id}. `,
  };
}

/**
 * Characters of text a model reads from one result: the text blocks plus structuredContent as JSON (some
 * hosts feed both to the model). Claude Code stops at about 25,000 tokens, ~100,000 characters.
 */
export const RESULT_TEXT_MAX_CHARS = 100_000;
/** Characters of a whole result as JSON, pictures included: Claude Desktop refuses one over 1,048,576. */
export const RESULT_MAX_CHARS = 1_000_000;

type Json = Record<string, unknown>;

const textChars = (r: CallToolResult): number =>
  r.content.reduce((n, c) => n + (c.type === 'text' ? c.text.length : 0), 0) +
  (r.structuredContent ? JSON.stringify(r.structuredContent).length : 0);

const fits = (r: CallToolResult): boolean => textChars(r) <= RESULT_TEXT_MAX_CHARS && JSON.stringify(r).length <= RESULT_MAX_CHARS;

/** The arrays of a structured result, at the top or one level down, longest (as JSON) first. */
function arraysOf(s: Json): { path: [string] | [string, string]; length: number; chars: number }[] {
  const out: { path: [string] | [string, string]; length: number; chars: number }[] = [];
  for (const [k, v] of Object.entries(s)) {
    if (Array.isArray(v)) out.push({ path: [k], length: v.length, chars: JSON.stringify(v).length });
    else if (v && typeof v === 'object') {
      for (const [k2, v2] of Object.entries(v as Json)) {
        if (Array.isArray(v2)) out.push({ path: [k, k2], length: v2.length, chars: JSON.stringify(v2).length });
      }
    }
  }
  return out.sort((a, b) => b.chars - a.chars);
}

function withArrayCut(s: Json, path: [string] | [string, string], n: number): Json {
  if (path.length === 1) return { ...s, [path[0]]: (s[path[0]] as unknown[]).slice(0, n) };
  const inner = s[path[0]] as Json;
  return { ...s, [path[0]]: { ...inner, [path[1]]: (inner[path[1]] as unknown[]).slice(0, n) } };
}

/** The result with its structuredContent (and the text copy of it) replaced by `s`, and a note added to the lead. */
function restructured(r: CallToolResult, s: Json, note: string): CallToolResult {
  const mirror = JSON.stringify(r.structuredContent);
  let noted = false;
  const content = r.content.map((c) => {
    if (c.type !== 'text') return c;
    if (c.text === mirror) return { ...c, text: JSON.stringify(s) };
    if (noted) return c;
    noted = true;
    return { ...c, text: `${c.text} ${note}` };
  });
  return { ...r, content, structuredContent: s };
}

/**
 * Keeps a tool result within what hosts accept (RESULT_TEXT_MAX_CHARS of text, RESULT_MAX_CHARS in all):
 * the longest lists in structuredContent are cut to their leading items, with a `truncated` record and a
 * note saying so; pictures beyond the budget are left out, with a note. A result that fits is returned as is.
 */
export function fitResult(r: CallToolResult): CallToolResult {
  if (fits(r)) return r;
  let out = r;
  const s = r.structuredContent as Json | undefined;
  if (s && textChars(r) > RESULT_TEXT_MAX_CHARS) {
    let cut: Json = s;
    const truncated: Record<string, { shown: number; total: number }> = {};
    for (const a of arraysOf(s)) {
      if (textChars(restructured(r, cut, '')) <= RESULT_TEXT_MAX_CHARS) break;
      // The most items that fit, by bisection (the JSON grows with every item).
      let [lo, hi] = [0, a.length];
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (textChars(restructured(r, { ...withArrayCut(cut, a.path, mid), truncated }, '')) <= RESULT_TEXT_MAX_CHARS * 0.95) lo = mid;
        else hi = mid - 1;
      }
      cut = withArrayCut(cut, a.path, lo);
      truncated[a.path.join('.')] = { shown: lo, total: a.length };
    }
    const listed = Object.entries(truncated).map(([k, v]) => `${k} lists ${v.shown} of ${v.total}`);
    out = restructured(
      r,
      { ...cut, truncated },
      `Cut to stay within the result size hosts accept: ${listed.join('; ')}. Ask for fewer at a time (filter_objects takes limit and offset).`,
    );
    if (textChars(out) > RESULT_TEXT_MAX_CHARS) {
      const scalars = Object.fromEntries(Object.entries(s).filter(([, v]) => v === null || typeof v !== 'object'));
      out = restructured(
        r,
        { ...scalars, truncated: 'all lists' },
        'The lists were left out to stay within the result size hosts accept; ask for fewer at a time.',
      );
    }
  }
  const content = [...out.content];
  let dropped = 0;
  while (JSON.stringify({ ...out, content }).length > RESULT_MAX_CHARS) {
    const i = content.map((c) => c.type).lastIndexOf('image');
    const j = i >= 0 ? i : content.map((c) => c.type).lastIndexOf('resource');
    if (j < 0) break;
    content.splice(j, 1);
    dropped++;
  }
  if (dropped > 0) {
    const first = content.findIndex((c) => c.type === 'text');
    if (first >= 0) {
      const c = content[first] as { type: 'text'; text: string };
      content[first] = {
        ...c,
        text: `${c.text} ${dropped} picture(s) left out to stay within the result size hosts accept; read them as resources.`,
      };
    }
  }
  return { ...out, content };
}

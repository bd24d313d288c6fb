// Keeps what tools send back within the result budget (~25k tokens; the JSON goes out twice, as
// structuredContent and as its text copy). The views themselves belong to the twin layer.
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

// The person's choices in words and sets: which objects the current level shows, what hovering says
// about an object, and the message that hands a selection back to the conversation. Pure functions
// (no DOM), tested in Node.
import type { ViewObject, ViewTwin } from './twin-model.js';

/** wholes: whole objects; parts: the finest objects (parts, and wholes that have none). */
export type LevelMode = 'wholes' | 'parts';

/** The objects outlined at this level, largest first so that smaller ones lie on top and win the pointer. */
export function objectsAtLevel(twin: ViewTwin, mode: LevelMode, alsoShow: ReadonlySet<number> = new Set()): ViewObject[] {
  const known = new Set(twin.objects.map((o) => o.id));
  const atLevel = (o: ViewObject) =>
    mode === 'wholes' ? o.level === 'whole' : o.level === 'part' || !o.children.some((c) => known.has(c));
  return twin.objects.filter((o) => atLevel(o) || alsoShow.has(o.id)).sort((a, b) => b.area - a.area || a.id - b.id);
}

function percent(fraction: number): string {
  const p = fraction * 100;
  return p >= 10 ? `${p.toFixed(0)}%` : p >= 1 ? `${p.toFixed(1)}%` : `${Math.max(p, 0.01).toFixed(2)}%`;
}

/** "#7 part of #2 · "handle" · 1,234 px (0.4%)": what hovering over an object shows. */
export function describeObject(o: ViewObject): string {
  const level = o.level === 'part' && o.parent !== null ? `part of #${o.parent}` : o.level;
  const label = o.label ? ` · "${o.label}"` : '';
  const size = o.area > 0 ? `${o.area.toLocaleString('en-US')} px (${percent(o.areaFraction)})` : percent(o.areaFraction);
  return `#${o.id} ${level}${label} · ${size}`;
}

/** A click selects one object; with the modifier it adds or removes it. */
export function nextSelection(selected: ReadonlySet<number>, id: number, additive: boolean): Set<number> {
  if (!additive) return new Set(selected.size === 1 && selected.has(id) ? [] : [id]);
  const next = new Set(selected);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

function named(o: ViewObject | undefined, id: number): string {
  if (!o) return `object ${id}`;
  const what = [o.label ? `"${o.label}"` : undefined, o.level === 'part' && o.parent !== null ? `a part of object ${o.parent}` : o.level]
    .filter(Boolean)
    .join(', ');
  return `object ${id} (${what})`;
}

/**
 * The message the view sends to the conversation: ids the model can pass on as they are, and the call
 * that takes their mask, so the model continues from the person's choice without asking again.
 */
export function selectionMessage(twin: ViewTwin, ids: readonly number[]): string {
  const byId = new Map(twin.objects.map((o) => [o.id, o]));
  const list = ids.map((id) => named(byId.get(id), id));
  const these = ids.length === 1 ? 'this object' : 'these objects';
  return (
    `In the twin view I picked ${list.join(' and ')} of twin ${twin.id}. Continue with ${these}, ` +
    `e.g. get_mask {"twin_id": "${twin.id}", "ids": [${ids.join(', ')}]}.`
  );
}

/** The same choice as data, for the host's model context (ui/update-model-context). */
export function selectionContext(twin: ViewTwin, ids: readonly number[]): Record<string, unknown> {
  const byId = new Map(twin.objects.map((o) => [o.id, o]));
  return {
    twin_id: twin.id,
    selected: ids.map((id) => {
      const o = byId.get(id);
      return o ? { id, level: o.level, ...(o.label ? { label: o.label } : {}), bbox: o.bbox, area: o.area } : { id };
    }),
  };
}

// Evaluates a FilterQuery against a twin. The query is compiled once into plain closures; mask
// relations (inside, overlaps, touches) go through the twin's cached scene index, so repeated
// queries on the same twin cost microseconds.
import { rleContains } from '../../mask/rle.js';
import { TwinsegError } from '../../errors.js';
import type { FilterPredicate, FilterQuery, FilterSort } from './filter-schema.js';
import { holds, nearestTo, DEFAULT_NEAR_K, sceneIndex } from '../relations.js';
import { unknownObjects } from '../unknown-objects.js';
import type { Twin, TwinObject } from '../scene-model.js';

type Test = (o: TwinObject) => boolean;

const RELATION_FIELDS = ['left_of', 'right_of', 'above', 'below', 'inside', 'contains', 'overlaps', 'touches'] as const;

function referencedIds(q: FilterQuery): number[] {
  const out: number[] = [];
  const leaf = (p: FilterPredicate): void => {
    if (p.ids) out.push(...p.ids);
    if (p.parent !== undefined) out.push(p.parent);
    for (const f of RELATION_FIELDS) if (p[f] !== undefined) out.push(p[f]);
    if (p.near !== undefined) out.push(typeof p.near === 'number' ? p.near : p.near.id);
  };
  leaf(q);
  for (const p of [...(q.and ?? []), ...(q.or ?? []), ...(q.not ?? [])]) leaf(p);
  if (q.sort?.object !== undefined) out.push(q.sort.object);
  return out;
}

function checkIds(twin: Twin, q: FilterQuery): void {
  const byId = sceneIndex(twin).byId;
  const missing = [...new Set(referencedIds(q).filter((id) => !byId.has(id)))];
  if (missing.length) throw unknownObjects(twin, missing);
}

function compileLeaf(twin: Twin, p: FilterPredicate): Test[] {
  const tests: Test[] = [];
  const mask = (id: number) => twin.masks.get(id)!;
  if (p.ids) {
    const set = new Set(p.ids);
    tests.push((o) => set.has(o.id));
  }
  if (p.text !== undefined) {
    const needle = p.text.toLowerCase();
    tests.push((o) => {
      const s = o.semantics;
      return (
        !!s.label?.value.toLowerCase().includes(needle) ||
        !!s.description?.value.toLowerCase().includes(needle) ||
        !!s.attributes?.value.some((a) => a.toLowerCase().includes(needle))
      );
    });
  }
  if (p.level !== undefined) tests.push((o) => o.level === p.level);
  if (p.parent !== undefined) tests.push((o) => o.parent === p.parent);
  if (p.color !== undefined) {
    const names = new Set<string>(typeof p.color === 'string' ? [p.color] : p.color);
    tests.push((o) => names.has(o.color.name));
  }
  if (p.area_pct) {
    // Percent, as the compact view reports area_pct.
    const { min = 0, max = Infinity } = p.area_pct;
    tests.push((o) => o.areaFraction * 100 >= min && o.areaFraction * 100 <= max);
  }
  if (p.area_px) {
    const { min = 0, max = Infinity } = p.area_px;
    tests.push((o) => o.area >= min && o.area <= max);
  }
  if (p.region !== undefined) {
    const r = p.region;
    if (typeof r === 'string') tests.push((o) => o.position === r);
    else {
      const [x1, y1, x2, y2] = r.box as [number, number, number, number];
      const mode = r.mode ?? 'centroid';
      if (mode === 'centroid') {
        tests.push(({ centroid: [cx, cy] }) => cx >= x1 && cx < x2 && cy >= y1 && cy < y2);
      } else if (mode === 'within') {
        tests.push(({ bbox: b }) => b[0] >= x1 && b[1] >= y1 && b[2] <= x2 && b[3] <= y2);
      } else {
        tests.push(({ bbox: b }) => b[0] < x2 && b[2] > x1 && b[1] < y2 && b[3] > y1);
      }
    }
  }
  for (const f of RELATION_FIELDS) {
    const target = p[f];
    if (target !== undefined) tests.push((o) => o.id !== target && holds(twin, f, o.id, target));
  }
  if (p.near !== undefined) {
    const { id, k = DEFAULT_NEAR_K } = typeof p.near === 'number' ? { id: p.near } : p.near;
    const set = new Set(nearestTo(twin, id, k).map((n) => n.id));
    tests.push((o) => set.has(o.id));
  }
  if (p.contains_point) {
    const [px, py] = p.contains_point.map(Math.floor) as [number, number];
    tests.push((o) => px >= o.bbox[0] && px < o.bbox[2] && py >= o.bbox[1] && py < o.bbox[3] && rleContains(mask(o.id), px, py));
  }
  return tests;
}

const all =
  (tests: Test[]): Test =>
  (o) =>
    tests.every((t) => t(o));

function compile(twin: Twin, q: FilterQuery): Test {
  const must = compileLeaf(twin, q);
  for (const p of q.and ?? []) must.push(all(compileLeaf(twin, p)));
  if (q.or) {
    const any = q.or.map((p) => all(compileLeaf(twin, p)));
    must.push((o) => any.some((t) => t(o)));
  }
  if (q.not) {
    const none = q.not.map((p) => all(compileLeaf(twin, p)));
    must.push((o) => !none.some((t) => t(o)));
  }
  return all(must);
}

function sorter(twin: Twin, sort: FilterSort | undefined): (a: TwinObject, b: TwinObject) => number {
  if (!sort) return (a, b) => a.id - b.id;
  const sign = (sort.order ?? (sort.by === 'area' ? 'desc' : 'asc')) === 'asc' ? 1 : -1;
  let key: (o: TwinObject) => number;
  switch (sort.by) {
    case 'id':
      key = (o) => o.id;
      break;
    case 'area':
      key = (o) => o.area;
      break;
    case 'x':
      key = (o) => o.centroid[0];
      break;
    case 'y':
      key = (o) => o.centroid[1];
      break;
    case 'distance': {
      if ((sort.point === undefined) === (sort.object === undefined)) {
        throw new TwinsegError('INVALID_INPUT', 'Sorting by distance needs exactly one of `point` or `object`.', {
          hint: 'Example: {"by": "distance", "point": [320, 200]} or {"by": "distance", "object": 3}.',
        });
      }
      const [px, py] = (sort.point ?? sceneIndex(twin).byId.get(sort.object!)!.centroid) as [number, number];
      key = (o) => Math.hypot(o.centroid[0] - px, o.centroid[1] - py);
      break;
    }
  }
  return (a, b) => sign * (key(a) - key(b)) || a.id - b.id;
}

/** Objects matching `query` after sort/offset/limit; `total` counts every match. */
export function filterObjects(twin: Twin, query: FilterQuery): { objects: TwinObject[]; total: number } {
  checkIds(twin, query);
  const test = compile(twin, query);
  const cmp = sorter(twin, query.sort);
  const matches = twin.objects.filter(test).sort(cmp);
  const offset = query.offset ?? 0;
  const end = query.limit === undefined ? undefined : offset + query.limit;
  return { objects: matches.slice(offset, end), total: matches.length };
}

// What the view knows of a twin and of a tool's reply, read from the JSON the server sends. Every field
// is read defensively: the view ships inside hosts that may run a newer or older server than the one it
// was built with, so an unknown or missing field degrades the view (no label, a box for an outline)
// instead of breaking it. Pure functions only (no DOM), so Node tests can run them.

export type Level = 'whole' | 'part';

export interface ViewObject {
  id: number;
  level: Level;
  parent: number | null;
  children: number[];
  /** [x1, y1, x2, y2] in image pixels, x2/y2 exclusive. */
  bbox: [number, number, number, number];
  /** Pixels; 0 when the server did not say. */
  area: number;
  /** Share of the image, 0..1. */
  areaFraction: number;
  /** Outer boundary in image pixels; the bbox's corners when the server sent no outline. */
  outline: [number, number][];
  label?: string;
}

export interface ViewTwin {
  id: string;
  width: number;
  height: number;
  objects: ViewObject[];
  /** The perception twin the revision descends from (the twin itself for a perception twin). */
  base: string;
  /** What made this revision, for a person ("added object 35"); absent for a perception twin. */
  change?: string;
  /** The twin this revision was made from. */
  parent?: string;
}

/** Another mask a `segment` reply offers for its object, to take with {object, alternative}. */
export interface Alternative {
  alternative: number;
  granularity: string;
  area: number;
  predictedIou?: number;
}

/** What a tool result tells the view: which twin to show and what to point at in it. */
export interface ToolNews {
  twinId: string;
  /** Objects the reply is about (get_mask's ids, segment's object). */
  ids: number[];
  /** segment: the object that was added or refined, which further clicks refine. */
  object?: number;
  action?: string;
  alternatives: Alternative[];
  /** The reply's first text block: the server's own sentence about what happened. */
  headline?: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const ids = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x) && x > 0) : []);

function box(v: unknown): [number, number, number, number] | undefined {
  if (!Array.isArray(v) || v.length !== 4) return undefined;
  const b = v.map(num);
  return b.every((x) => x !== undefined) ? (b as [number, number, number, number]) : undefined;
}

function outlineOf(v: unknown, bbox: [number, number, number, number]): [number, number][] {
  // The detailed view sends {points: [[x, y], …], holes}; a bare array is accepted too.
  const raw = isObject(v) ? v.points : v;
  const points = Array.isArray(raw)
    ? raw.filter((p): p is [number, number] => Array.isArray(p) && num(p[0]) !== undefined && num(p[1]) !== undefined)
    : [];
  if (points.length >= 3) return points.map(([x, y]) => [x, y]);
  const [x1, y1, x2, y2] = bbox;
  return [
    [x1, y1],
    [x2, y1],
    [x2, y2],
    [x1, y2],
  ];
}

function labelOf(o: Json): string | undefined {
  // Detailed view: semantics.label.value; compact view: label.
  const sem = isObject(o.semantics) ? o.semantics : undefined;
  const slot = sem && isObject(sem.label) ? sem.label : undefined;
  return str(slot?.value) ?? str(o.label);
}

/** One object of the detailed (twin://{id}) or compact (build reply) view; undefined when unusable. */
export function parseObject(v: unknown, imageArea: number): ViewObject | undefined {
  if (!isObject(v)) return undefined;
  const id = num(v.id);
  const bbox = box(v.bbox);
  if (id === undefined || !Number.isInteger(id) || bbox === undefined) return undefined;
  const pct = num(v.area_pct);
  const areaFraction = num(v.area_fraction) ?? (pct !== undefined ? pct / 100 : 0);
  const area = num(v.area) ?? Math.round(areaFraction * imageArea);
  const parent = num(v.parent) ?? null;
  return {
    id,
    level: v.level === 'part' ? 'part' : 'whole',
    parent,
    children: ids(v.children),
    bbox,
    area,
    areaFraction: areaFraction || (imageArea > 0 ? area / imageArea : 0),
    outline: outlineOf(v.outline, bbox),
    label: labelOf(v),
  };
}

/** A twin from the twin://{id} resource (or a build reply's compact `twin`); throws when it has no id or size. */
export function parseTwin(v: unknown): ViewTwin {
  if (!isObject(v)) throw new Error('The twin is not a JSON object.');
  const id = str(v.twin_id) ?? str(v.id);
  const image = isObject(v.image) ? v.image : {};
  const width = num(image.width);
  const height = num(image.height);
  if (!id || !width || !height) throw new Error('The twin has no id or image size.');
  const objects = (Array.isArray(v.objects) ? v.objects : [])
    .map((o) => parseObject(o, width * height))
    .filter((o): o is ViewObject => o !== undefined);
  const revision = isObject(v.revision) ? v.revision : undefined;
  return {
    id,
    width,
    height,
    objects,
    base: str(revision?.base) ?? id,
    change: str(revision?.change),
    parent: str(revision?.parent),
  };
}

function parseAlternative(v: unknown): Alternative | undefined {
  if (!isObject(v)) return undefined;
  const alternative = num(v.alternative);
  if (alternative === undefined) return undefined;
  return {
    alternative,
    granularity: str(v.granularity) ?? 'mask',
    area: num(v.area) ?? 0,
    predictedIou: num(v.predictedIou) ?? num(v.predicted_iou),
  };
}

/** What a build_digital_twin, segment or get_mask result says; undefined when it names no twin (an error). */
export function parseToolResult(result: unknown): ToolNews | undefined {
  if (!isObject(result) || result.isError === true) return undefined;
  const s = isObject(result.structuredContent) ? result.structuredContent : undefined;
  const twinId = str(s?.twin_id);
  if (!s || !twinId) return undefined;
  // get_mask with keep made a revision holding the mask as one object: show that.
  const kept = isObject(s.kept) ? { twinId: str(s.kept.twin_id), id: num(s.kept.id) } : undefined;
  if (kept?.twinId && kept.id !== undefined) return { twinId: kept.twinId, ids: [kept.id], alternatives: [], headline: headlineOf(result) };
  const object = isObject(s.object) ? num(s.object.id) : undefined;
  return {
    twinId,
    ids: object !== undefined ? [object] : ids(s.ids),
    object,
    action: str(s.action),
    alternatives: (Array.isArray(s.alternatives) ? s.alternatives : [])
      .map(parseAlternative)
      .filter((a): a is Alternative => a !== undefined),
    headline: headlineOf(result),
  };
}

/** The reply's first text block: the server's own sentence about what happened. */
function headlineOf(result: Json): string | undefined {
  const content = Array.isArray(result.content) ? result.content : [];
  const first = content.find((c): c is Json => isObject(c) && c.type === 'text');
  return str(first?.text);
}

/** The text of an error result, for the status line. */
export function errorText(result: unknown): string {
  if (!isObject(result)) return 'The call failed.';
  const content = Array.isArray(result.content) ? result.content : [];
  const texts = content.filter((c): c is Json => isObject(c) && c.type === 'text').map((c) => String(c.text));
  return texts.join(' ') || 'The call failed.';
}

// JSON views of a twin for the host model. The compact view is sized for a prompt (about 100–130
// bytes per object, so 60 objects stay under ~4k tokens): integers for pixels, no outlines,
// children only as a count, absent fields instead of nulls. The detailed view carries everything.
import type { Semantics, Twin, TwinObject } from './scene-model.js';

export const COMPACT_LEGEND =
  'bbox: [x1,y1,x2,y2] px, x2/y2 exclusive; center: mask centroid [x,y] px; area_pct: % of image area; ' +
  'parent: id of the object this is a part of; parts: number of direct parts; touches_border: the mask reaches the image edge; ' +
  'ids are ordered by area, largest first (later additions take the next id).';

export interface CompactObject {
  id: number;
  level: 'whole' | 'part';
  parent?: number;
  parts?: number;
  bbox: [number, number, number, number];
  area_pct: number;
  center: [number, number];
  position: string;
  color: string;
  /** Present (true) when the mask reaches the image's edge: the frame may cut the object off. */
  touches_border?: true;
  label?: string;
}

export interface ViewHeader {
  schema_version: number;
  twin_id: string;
  image: { width: number; height: number };
  /** Objects in the twin (the view may list fewer). */
  object_count: number;
}

export interface CompactTwinView extends ViewHeader {
  legend: string;
  objects: CompactObject[];
}

export interface DetailedObject {
  id: number;
  level: 'whole' | 'part';
  parent: number | null;
  children: number[];
  bbox: [number, number, number, number];
  area: number;
  area_fraction: number;
  centroid: [number, number];
  position: string;
  color: { mean: string; dominant: string; name: string };
  shape: { aspect_ratio: number; solidity: number; circularity: number };
  outline: { points: [number, number][]; holes: number };
  scores: { predicted_iou: number; stability: number };
  occluded_by?: number[];
  origin: string;
  semantics: Semantics;
}

export interface DetailedTwinView extends Omit<ViewHeader, 'image'> {
  image: { width: number; height: number; source: string };
  model: string;
  params: Record<string, unknown>;
  created_at: string;
  objects: DetailedObject[];
}

const round = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

function header(twin: Twin): ViewHeader {
  return {
    schema_version: twin.schemaVersion,
    twin_id: twin.id,
    image: { width: twin.image.width, height: twin.image.height },
    object_count: twin.objects.length,
  };
}

/** Whether a mask with this bbox (x2/y2 exclusive, tight) has a pixel on the image's edge. */
export function touchesBorder([x1, y1, x2, y2]: readonly number[], image: { width: number; height: number }): boolean {
  return x1 <= 0 || y1 <= 0 || x2 >= image.width || y2 >= image.height;
}

export function compactObject(o: TwinObject, image: { width: number; height: number }): CompactObject {
  const c: CompactObject = { id: o.id, level: o.level } as CompactObject;
  if (o.parent !== null) c.parent = o.parent;
  if (o.children.length) c.parts = o.children.length;
  c.bbox = [o.bbox[0], o.bbox[1], o.bbox[2], o.bbox[3]];
  // Two decimals of a percent, but never 0 for a non-empty mask (tiny objects would read as nothing).
  c.area_pct = Math.max(round(o.areaFraction * 100, 2), o.area > 0 ? 0.01 : 0);
  c.center = [Math.round(o.centroid[0]), Math.round(o.centroid[1])];
  c.position = o.position;
  c.color = o.color.name;
  if (o.area > 0 && touchesBorder(o.bbox, image)) c.touches_border = true;
  if (o.semantics.label) c.label = o.semantics.label.value;
  return c;
}

export function compactView(twin: Twin, objects: readonly TwinObject[] = twin.objects): CompactTwinView {
  return { ...header(twin), legend: COMPACT_LEGEND, objects: objects.map((o) => compactObject(o, twin.image)) };
}

export function detailedObject(o: TwinObject): DetailedObject {
  const d: DetailedObject = {
    id: o.id,
    level: o.level,
    parent: o.parent,
    children: [...o.children],
    bbox: [o.bbox[0], o.bbox[1], o.bbox[2], o.bbox[3]],
    area: o.area,
    area_fraction: round(o.areaFraction, 5),
    centroid: [round(o.centroid[0], 1), round(o.centroid[1], 1)],
    position: o.position,
    color: { ...o.color },
    shape: {
      aspect_ratio: round(o.shape.aspectRatio, 3),
      solidity: round(o.shape.solidity, 3),
      circularity: round(o.shape.circularity, 3),
    },
    outline: { points: o.outline.points.map(([x, y]) => [Math.round(x), Math.round(y)]), holes: o.outline.holes },
    scores: { predicted_iou: round(o.scores.predictedIou, 3), stability: round(o.scores.stability, 3) },
    origin: o.origin,
    semantics: structuredClone(o.semantics),
  };
  if (o.occludedBy?.length) d.occluded_by = [...o.occludedBy];
  return d;
}

export function detailedView(twin: Twin, objects: readonly TwinObject[] = twin.objects): DetailedTwinView {
  return {
    ...header(twin),
    image: { width: twin.image.width, height: twin.image.height, source: twin.image.source },
    model: twin.model,
    params: twin.params,
    created_at: twin.createdAt,
    objects: objects.map(detailedObject),
  };
}

/** Rough token estimate for JSON sent to a model (≈ 4 bytes per token). */
export function estimateTokens(json: string): number {
  return Math.ceil(Buffer.byteLength(json, 'utf8') / 4);
}

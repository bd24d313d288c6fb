// A mask's boundary as polygons (outer rings and holes) for vector consumers and COCO-style exports.
import { rleBbox, type Rle } from './rle.js';
import { signedArea, simplifyRing, traceContours, type Ring } from './contours.js';
import { cropMask } from './crop.js';

export interface Polygons {
  /** Outer boundaries, clockwise on screen (y down), vertices on pixel corners, in image pixels. */
  outer: [number, number][][];
  /** Hole boundaries, counter-clockwise on screen. */
  holes: [number, number][][];
}

export interface PolygonOptions {
  /** Upper bound on vertices over all rings together (default: no bound). */
  maxPoints?: number;
  /** Douglas–Peucker tolerance in pixels (default 0: exact pixel-corner boundary; 1 removes the staircase). */
  tolerance?: number;
}

/**
 * The mask's boundary as polygons. Without maxPoints the rings are exact; with it, the budget is
 * shared among rings by perimeter (at least 3 each), and when it cannot give every ring 3 vertices
 * the smallest rings (by area) are dropped first.
 */
export function maskToPolygons(rle: Rle, opts: PolygonOptions = {}): Polygons {
  const [x1, y1, x2, y2] = rleBbox(rle);
  if (x2 <= x1 || y2 <= y1) return { outer: [], holes: [] };
  const cw = x2 - x1;
  const traced = traceContours(cropMask(rle, [x1, y1, x2, y2]).bits, cw, y2 - y1);
  const shift = (r: Ring): [number, number][] => r.map(([x, y]) => [x + x1, y + y1]);
  const rings = [...traced.outer.map((r) => ({ r, hole: false })), ...traced.holes.map((r) => ({ r, hole: true }))].map((e) => ({
    ...e,
    area: Math.abs(signedArea(e.r)),
  }));
  const tolerance = opts.tolerance ?? 0;
  let kept = rings;
  const budget = opts.maxPoints === undefined ? Infinity : Math.max(3, Math.floor(opts.maxPoints));
  if (Number.isFinite(budget) && kept.length * 3 > budget) {
    kept = [...kept].sort((a, b) => b.area - a.area).slice(0, Math.floor(budget / 3));
  }
  const totalLen = kept.reduce((s, e) => s + e.r.length, 0);
  const out: Polygons = { outer: [], holes: [] };
  for (const e of kept) {
    const share = Number.isFinite(budget)
      ? Math.max(3, Math.floor(3 + ((budget - 3 * kept.length) * e.r.length) / Math.max(1, totalLen)))
      : e.r.length;
    const simplified = simplifyRing(e.r, { tolerance, maxPoints: share });
    (e.hole ? out.holes : out.outer).push(shift(simplified));
  }
  return out;
}

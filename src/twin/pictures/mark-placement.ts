// Where a numbered mark goes: deep inside its mask (the maximum of the distance transform, the
// "pole of inaccessibility" on the pixel grid), and, among good interior spots, one whose label box
// does not cover a label already placed. Pure functions on small bitmaps.
import type { Box } from '../../mask/rle.js';
import { boxIntersectionArea } from '../../mask/boxes.js';

/**
 * Chamfer (3-4) distance to the nearest background pixel, in pixels (approximately Euclidean),
 * for a row-major 0/1 bitmap. Pixels off the grid count as background, so distances also respect
 * the grid's border.
 */
export function distanceTransform(bits: Uint8Array, w: number, h: number): Float32Array {
  const INF = 1e9;
  const d = new Float64Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = bits[i] ? INF : 0;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= w || y >= h ? 0 : d[y * w + x]!);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (d[i] === 0) continue;
      d[i] = Math.min(d[i]!, at(x - 1, y) + 3, at(x, y - 1) + 3, at(x - 1, y - 1) + 4, at(x + 1, y - 1) + 4);
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (d[i] === 0) continue;
      d[i] = Math.min(d[i]!, at(x + 1, y) + 3, at(x, y + 1) + 3, at(x + 1, y + 1) + 4, at(x - 1, y + 1) + 4);
    }
  }
  const out = new Float32Array(w * h);
  for (let i = 0; i < d.length; i++) out[i] = d[i]! / 3;
  return out;
}

export interface Candidate {
  x: number;
  y: number;
  /** Distance to the mask's edge at this point, in pixels. */
  depth: number;
}

/**
 * Up to `max` well-separated interior points, best first: the best pixel, then the best pixel at
 * least `spacing` away from every one chosen so far, and so on. "Best" is deepest, where depth
 * beyond `enough` counts no more and ties go to the point nearest `centre`.
 */
export function interiorCandidates(
  dist: Float32Array,
  w: number,
  h: number,
  spacing: number,
  max = 12,
  enough = Infinity,
  centre?: readonly [number, number],
): Candidate[] {
  const step = Math.max(1, Math.floor(spacing / 3));
  const pool: Candidate[] = [];
  for (let y = 0; y < h; y += step) {
    for (let x = 0; x < w; x += step) {
      const v = dist[y * w + x]!;
      if (v > 0) pool.push({ x, y, depth: v });
    }
  }
  // Always consider the true maximum even when the sampling step skips it.
  let best = -1;
  for (let i = 0; i < dist.length; i++) if (best < 0 || dist[i]! > dist[best]!) best = i;
  if (best >= 0 && dist[best]! > 0) pool.push({ x: best % w, y: Math.floor(best / w), depth: dist[best]! });
  const off = (c: Candidate) => (centre ? Math.hypot(c.x - centre[0], c.y - centre[1]) : 0);
  pool.sort((a, b) => Math.min(b.depth, enough) - Math.min(a.depth, enough) || off(a) - off(b));
  const chosen: Candidate[] = [];
  const s2 = spacing * spacing;
  for (const c of pool) {
    if (chosen.length >= max) break;
    if (chosen.every((o) => (o.x - c.x) ** 2 + (o.y - c.y) ** 2 >= s2)) chosen.push(c);
  }
  return chosen;
}

/** A box of size bw x bh centred on (cx, cy), moved inside the W x H frame. */
export function boxAround(cx: number, cy: number, bw: number, bh: number, W: number, H: number): Box {
  const x1 = Math.round(Math.min(Math.max(0, cx - bw / 2), Math.max(0, W - bw)));
  const y1 = Math.round(Math.min(Math.max(0, cy - bh / 2), Math.max(0, H - bh)));
  return [x1, y1, x1 + bw, y1 + bh];
}

/**
 * Picks the label box for one mask. Preference: no overlap with `placed`, then how well the box
 * fits inside the mask (depth up to half the box's larger side), then nearness to `centre`. When every interior
 * spot collides, boxes shifted around the deepest spot are tried too and the least overlap wins.
 */
export function chooseLabelBox(
  candidates: readonly Candidate[],
  bw: number,
  bh: number,
  W: number,
  H: number,
  placed: readonly Box[],
  centre?: readonly [number, number],
): Box {
  const need = Math.max(bw, bh) / 2;
  const options: { box: Box; overlap: number; fit: number; off: number }[] = [];
  const consider = (cx: number, cy: number, depth: number) => {
    const box = boxAround(cx, cy, bw, bh, W, H);
    let overlap = 0;
    for (const p of placed) overlap += boxIntersectionArea(box, p);
    // Among spots deep enough for the box, the one nearest the mask's centre reads best (a label at
    // the far end of a wide band looks like it belongs to something else).
    const off = centre ? Math.hypot(cx - centre[0], cy - centre[1]) : 0;
    options.push({ box, overlap, fit: Math.min(depth, need), off });
  };
  for (const c of candidates) consider(c.x, c.y, c.depth);
  if (!options.some((o) => o.overlap === 0) && candidates[0]) {
    const { x, y } = candidates[0];
    for (const [dx, dy] of [[0, -1], [0, 1], [-1, 0], [1, 0], [-1, -1], [1, -1], [-1, 1], [1, 1]] as const) {
      consider(x + dx * (bw + 2), y + dy * (bh + 2), 0);
    }
  }
  if (options.length === 0) return boxAround(W / 2, H / 2, bw, bh, W, H);
  options.sort((a, b) => a.overlap - b.overlap || b.fit - a.fit || a.off - b.off);
  return options[0]!.box;
}

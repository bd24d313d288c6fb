// Where a numbered mark can go: deep inside its mask (the maximum of the distance transform, the
// "pole of inaccessibility" on the pixel grid) and at well-separated interior spots after it, for
// label-layout.ts to choose among. Pure functions on small bitmaps.

/**
 * Chamfer (3-4) distance to the nearest background pixel, in pixels (approximately Euclidean),
 * for a row-major 0/1 bitmap. Pixels off the grid count as background, so distances also respect
 * the grid's border.
 */
export function distanceTransform(bits: Uint8Array, w: number, h: number): Float32Array {
  // Integer chamfer weights on a grid with a one-pixel background border, so no pixel needs a bounds check.
  const W = w + 2;
  const INF = 1 << 29;
  const d = new Int32Array(W * (h + 2));
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = (y + 1) * W + 1, j = y * w; x < w; x++, i++, j++) d[i] = bits[j] ? INF : 0;
  }
  for (let y = 1; y <= h; y++) {
    for (let i = y * W + 1, end = y * W + w; i <= end; i++) {
      const v = d[i]!;
      if (v === 0) continue;
      d[i] = Math.min(v, d[i - 1]! + 3, d[i - W]! + 3, d[i - W - 1]! + 4, d[i - W + 1]! + 4);
    }
  }
  for (let y = h; y >= 1; y--) {
    for (let i = y * W + w, end = y * W + 1; i >= end; i--) {
      const v = d[i]!;
      if (v === 0) continue;
      d[i] = Math.min(v, d[i + 1]! + 3, d[i + W]! + 3, d[i + W + 1]! + 4, d[i + W - 1]! + 4);
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = (y + 1) * W + 1, j = y * w; x < w; x++, i++, j++) out[j] = d[i]! / 3;
  }
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

// Where to prompt next, decided on a coarse grid of cells (about 64 on the long side, the size of
// SAM's embedding): gaps that no accepted mask covers get a prompt at their deepest cell, and large
// masks get part-seeking prompts (a positive point with negatives at the mask's other far points).
import type { Rle } from './rle.js';
import type { Prompt, PromptPoint } from './types.js';

export interface CellGrid {
  readonly cols: number;
  readonly rows: number;
  /** Cell size in pixels. */
  readonly cell: number;
  readonly width: number;
  readonly height: number;
}

export function makeCellGrid(width: number, height: number, longSide = 64): CellGrid {
  const cell = Math.max(1, Math.max(width, height) / longSide);
  return { cols: Math.max(1, Math.ceil(width / cell)), rows: Math.max(1, Math.ceil(height / cell)), cell, width, height };
}

/** Pixel at the centre of cell (cx, cy), clamped into the image. */
export function cellCentre(g: CellGrid, cx: number, cy: number): [number, number] {
  return [Math.min(g.width - 1, Math.floor((cx + 0.5) * g.cell)), Math.min(g.height - 1, Math.floor((cy + 0.5) * g.cell))];
}

/** 1 for each cell (row-major cols×rows) whose centre pixel lies in the mask; one walk over the runs. */
export function rleCells(rle: Rle, g: CellGrid): Uint8Array {
  const out = new Uint8Array(g.cols * g.rows);
  const { height, counts } = rle;
  let k = 0; // current run
  let runEnd = counts[0] ?? 0; // exclusive column-major end of run k
  for (let cx = 0; cx < g.cols; cx++) {
    for (let cy = 0; cy < g.rows; cy++) {
      const [px, py] = cellCentre(g, cx, cy);
      const pos = px * height + py; // increases along this loop order
      while (pos >= runEnd && k < counts.length - 1) runEnd += counts[++k]!;
      if (k % 2 === 1 && pos < runEnd) out[cy * g.cols + cx] = 1;
    }
  }
  return out;
}

/**
 * 4-neighbour distance (in cells) from each cell inside `region` to the nearest cell outside it or
 * to the image border (the border counts as outside, so deepest cells sit away from edges too).
 */
export function depthMap(region: Uint8Array, g: CellGrid): Int32Array {
  const { cols, rows } = g;
  const depth = new Int32Array(cols * rows);
  const queue: number[] = [];
  for (let i = 0; i < region.length; i++) {
    if (!region[i]) continue;
    const x = i % cols;
    const y = (i - x) / cols;
    const edge =
      x === 0 || y === 0 || x === cols - 1 || y === rows - 1 ||
      !region[i - 1] || !region[i + 1] || !region[i - cols] || !region[i + cols];
    if (edge) {
      depth[i] = 1;
      queue.push(i);
    }
  }
  for (let q = 0; q < queue.length; q++) {
    const i = queue[q]!;
    const x = i % cols;
    const next = [x > 0 ? i - 1 : -1, x < cols - 1 ? i + 1 : -1, i - cols, i + cols];
    for (const j of next) {
      if (j < 0 || j >= region.length || !region[j] || depth[j] !== 0) continue;
      depth[j] = depth[i]! + 1;
      queue.push(j);
    }
  }
  return depth;
}

/** 4-connected components of `region`: per-cell label (0 = outside) and each label's cell list. */
export function components(region: Uint8Array, g: CellGrid): { labels: Int32Array; cells: number[][] } {
  const { cols } = g;
  const labels = new Int32Array(region.length);
  const cells: number[][] = [[]];
  for (let s = 0; s < region.length; s++) {
    if (!region[s] || labels[s] !== 0) continue;
    const label = cells.length;
    const list = [s];
    labels[s] = label;
    for (let q = 0; q < list.length; q++) {
      const i = list[q]!;
      const x = i % cols;
      const next = [x > 0 ? i - 1 : -1, x < cols - 1 ? i + 1 : -1, i - cols, i + cols];
      for (const j of next) {
        if (j < 0 || j >= region.length || !region[j] || labels[j] !== 0) continue;
        labels[j] = label;
        list.push(j);
      }
    }
    cells.push(list);
  }
  return { labels, cells };
}

export interface GapPrompt {
  x: number;
  y: number;
  /** Cells in the gap it was placed in. */
  gapCells: number;
}

/**
 * One prompt per uncovered gap (cells that are neither covered nor already tried), at the gap's
 * deepest cell, largest gaps first; gaps smaller than minCells are left alone.
 */
export function gapPrompts(blocked: Uint8Array, g: CellGrid, maxPrompts: number, minCells: number): GapPrompt[] {
  const free = new Uint8Array(blocked.length);
  for (let i = 0; i < free.length; i++) free[i] = blocked[i] ? 0 : 1;
  const depth = depthMap(free, g);
  const { cells } = components(free, g);
  const gaps = cells.slice(1).filter((c) => c.length >= minCells).sort((a, b) => b.length - a.length);
  const out: GapPrompt[] = [];
  for (const gap of gaps.slice(0, maxPrompts)) {
    let best = gap[0]!;
    for (const i of gap) if (depth[i]! > depth[best]!) best = i;
    const [x, y] = cellCentre(g, best % g.cols, Math.floor(best / g.cols));
    out.push({ x, y, gapCells: gap.length });
  }
  return out;
}

/** Marks cells within `radius` cells (Chebyshev) of pixel (x, y). */
export function markTried(tried: Uint8Array, g: CellGrid, x: number, y: number, radius: number): void {
  const cx = Math.min(g.cols - 1, Math.floor(x / g.cell));
  const cy = Math.min(g.rows - 1, Math.floor(y / g.cell));
  for (let yy = Math.max(0, cy - radius); yy <= Math.min(g.rows - 1, cy + radius); yy++) {
    for (let xx = Math.max(0, cx - radius); xx <= Math.min(g.cols - 1, cx + radius); xx++) tried[yy * g.cols + xx] = 1;
  }
}

/**
 * Part-seeking prompts inside one mask's cells: `n` interior points spread by farthest-point
 * sampling (starting from the deepest cell); prompt i is point i positive and the others negative,
 * asking the decoder for the piece around point i rather than the whole. Cells in `exclude`
 * (already explained by smaller masks) are avoided when other interior cells remain.
 */
export function partPrompts(maskCells: Uint8Array, exclude: Uint8Array | undefined, g: CellGrid, n: number): Prompt[] {
  const depth = depthMap(maskCells, g);
  let candidates: number[] = [];
  for (let i = 0; i < maskCells.length; i++) if (depth[i]! >= 2 && !exclude?.[i]) candidates.push(i);
  if (candidates.length < n) {
    candidates = [];
    for (let i = 0; i < maskCells.length; i++) if (depth[i]! >= 1) candidates.push(i);
  }
  if (candidates.length < 2) return [];
  const xy = (i: number): [number, number] => [i % g.cols, Math.floor(i / g.cols)];
  let first = candidates[0]!;
  for (const i of candidates) if (depth[i]! > depth[first]!) first = i;
  const chosen = [first];
  const dist = candidates.map(() => Infinity);
  while (chosen.length < Math.min(n, candidates.length)) {
    const [lx, ly] = xy(chosen[chosen.length - 1]!);
    let bestK = -1;
    for (let k = 0; k < candidates.length; k++) {
      const [x, y] = xy(candidates[k]!);
      dist[k] = Math.min(dist[k]!, (x - lx) ** 2 + (y - ly) ** 2);
      if (bestK < 0 || dist[k]! > dist[bestK]!) bestK = k;
    }
    if (dist[bestK]! < 4) break; // the remaining cells all sit next to a chosen point
    chosen.push(candidates[bestK]!);
  }
  // Drop the deepest (central) point as a positive: the whole object already answers it.
  const points: PromptPoint[] = chosen.map((i) => {
    const [x, y] = cellCentre(g, i % g.cols, Math.floor(i / g.cols));
    return { x, y, label: 1 };
  });
  return points.slice(1).map((p, k) => ({
    points: [p, ...points.filter((_, j) => j !== k + 1).map((q) => ({ x: q.x, y: q.y, label: 0 as const }))],
  }));
}

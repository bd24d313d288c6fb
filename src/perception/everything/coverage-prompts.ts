// Where to prompt next, decided on a coarse grid of cells (about 64 on the long side, the size of
// SAM's embedding): gaps that no accepted mask covers get a prompt at their deepest cell, and large
// masks get part-seeking prompts at points spread over them (lone points where the decoder proposes
// every granularity, else a positive point with negatives at the mask's other far points).
import type { Rle } from '../../mask/rle.js';
import type { Prompt, PromptPoint } from '../contract.js';

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
      x === 0 || y === 0 || x === cols - 1 || y === rows - 1 || !region[i - 1] || !region[i + 1] || !region[i - cols] || !region[i + cols];
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
 * deepest cell, largest gaps first; gaps smaller than minCells, or whose deepest cell is less than
 * minDepth cells from the nearest blocked cell or image border (slivers), are left alone.
 */
export function gapPrompts(blocked: Uint8Array, g: CellGrid, maxPrompts: number, minCells: number, minDepth = 1): GapPrompt[] {
  const free = new Uint8Array(blocked.length);
  for (let i = 0; i < free.length; i++) free[i] = blocked[i] ? 0 : 1;
  const depth = depthMap(free, g);
  const { cells } = components(free, g);
  const out: GapPrompt[] = [];
  for (const gap of cells
    .slice(1)
    .filter((c) => c.length >= minCells)
    .sort((a, b) => b.length - a.length)) {
    if (out.length >= maxPrompts) break;
    let best = gap[0]!;
    for (const i of gap) if (depth[i]! > depth[best]!) best = i;
    if (depth[best]! < minDepth) continue;
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
 * How a part-seeking point is asked. `lone`: the point alone, for decoders that propose all three
 * granularities of a lone point (sub-part, part, whole), one of which is usually the piece around it.
 * `contrast`: the point positive and the other points negative, asking a single-mask decoder for the
 * piece around the point, not the whole; but where the unexplained cells are one object, the negatives
 * land on that object too and cut it apart.
 */
export type PartPromptForm = 'lone' | 'contrast';

/**
 * Part-seeking prompts inside one mask's cells: the interior cells (away from the edge, and outside
 * `exclude`, the cells already explained by smaller masks, while enough remain) are split into up to
 * `n` compact groups by k-means on their positions, which cuts an elongated or grouped mask into
 * pieces along its extent; each group's cell nearest its mean becomes a point, asked as `form` says.
 */
export function partPrompts(
  maskCells: Uint8Array,
  exclude: Uint8Array | undefined,
  g: CellGrid,
  n: number,
  form: PartPromptForm = 'contrast',
): Prompt[] {
  const depth = depthMap(maskCells, g);
  let cells: number[] = [];
  for (let i = 0; i < maskCells.length; i++) if (depth[i]! >= 2 && !exclude?.[i]) cells.push(i);
  if (cells.length < 2 * n) {
    cells = [];
    for (let i = 0; i < maskCells.length; i++) if (depth[i]! >= 1) cells.push(i);
  }
  const centres = kMeansCells(cells, g.cols, n);
  if (centres.length < 2) return [];
  const points: PromptPoint[] = centres.map((i) => {
    const [x, y] = cellCentre(g, i % g.cols, Math.floor(i / g.cols));
    return { x, y, label: 1 };
  });
  if (form === 'lone') return points.map((p) => ({ points: [p] }));
  return points.map((p, k) => ({
    points: [p, ...points.filter((_, j) => j !== k).map((q) => ({ x: q.x, y: q.y, label: 0 as const }))],
  }));
}

/** k-means (Lloyd, farthest-point start) on cell positions; returns the member cell nearest each mean. */
export function kMeansCells(cells: number[], cols: number, k: number): number[] {
  if (cells.length === 0) return [];
  const xs = cells.map((i) => i % cols);
  const ys = cells.map((i) => Math.floor(i / cols));
  const d2 = (j: number, mx: number, my: number) => (xs[j]! - mx) ** 2 + (ys[j]! - my) ** 2;
  const means: Array<[number, number]> = [[xs[0]!, ys[0]!]];
  // Start from the cell farthest from the first, then keep adding the farthest from all chosen.
  let far = 0;
  for (let j = 0; j < cells.length; j++) if (d2(j, xs[0]!, ys[0]!) > d2(far, xs[0]!, ys[0]!)) far = j;
  means[0] = [xs[far]!, ys[far]!];
  while (means.length < k) {
    let best = -1;
    let bestD = 0;
    for (let j = 0; j < cells.length; j++) {
      const d = Math.min(...means.map(([mx, my]) => d2(j, mx, my)));
      if (d > bestD) {
        bestD = d;
        best = j;
      }
    }
    if (best < 0 || bestD < 4) break; // every cell sits next to a chosen one: no more pieces
    means.push([xs[best]!, ys[best]!]);
  }
  const assign = new Int32Array(cells.length);
  for (let iter = 0; iter < 8; iter++) {
    for (let j = 0; j < cells.length; j++) {
      let m = 0;
      for (let q = 1; q < means.length; q++) if (d2(j, ...means[q]!) < d2(j, ...means[m]!)) m = q;
      assign[j] = m;
    }
    for (let q = 0; q < means.length; q++) {
      let sx = 0;
      let sy = 0;
      let c = 0;
      for (let j = 0; j < cells.length; j++) {
        if (assign[j] !== q) continue;
        sx += xs[j]!;
        sy += ys[j]!;
        c++;
      }
      if (c > 0) means[q] = [sx / c, sy / c];
    }
  }
  return means
    .map(([mx, my], q) => {
      let best = -1;
      for (let j = 0; j < cells.length; j++) if (assign[j] === q && (best < 0 || d2(j, mx, my) < d2(best, mx, my))) best = j;
      return best < 0 ? -1 : cells[best]!;
    })
    .filter((c) => c >= 0);
}

/**
 * Prompts at the pieces of a mask that no smaller mask explains: `leftover` (the mask's cells outside
 * every smaller mask inside it, and not yet prompted) split into 4-connected components of at least
 * `minCells` (and at most `maxCells`), largest first, one point each at the component's deepest cell (depth within the component,
 * so a one-cell-wide pole still gets its middle). A sign's pole under its board, a wheel below a car's
 * body: thin or edge pieces that the deep-cell part points never land on.
 */
export function leftoverPoints(leftover: Uint8Array, g: CellGrid, minCells: number, maxCells = Infinity): PromptPoint[] {
  const depth = depthMap(leftover, g);
  const { cells } = components(leftover, g);
  return cells
    .slice(1)
    .filter((c) => c.length >= minCells && c.length <= maxCells)
    .sort((a, b) => b.length - a.length)
    .map((c) => {
      // Deepest cell; among equals the one nearest the component's mean, so a bar gets its middle.
      const mx = c.reduce((t, i) => t + (i % g.cols), 0) / c.length;
      const my = c.reduce((t, i) => t + Math.floor(i / g.cols), 0) / c.length;
      const d2 = (i: number) => ((i % g.cols) - mx) ** 2 + (Math.floor(i / g.cols) - my) ** 2;
      let best = c[0]!;
      for (const i of c) if (depth[i]! > depth[best]! || (depth[i] === depth[best] && d2(i) < d2(best))) best = i;
      const [x, y] = cellCentre(g, best % g.cols, Math.floor(best / g.cols));
      return { x, y, label: 1 as const };
    });
}

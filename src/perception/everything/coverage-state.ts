// What adaptive prompting knows about the image so far, on the coarse cell grid of coverage-prompts.ts:
// how often each cell is covered by an accepted mask, which cells were already prompted, which lie deep
// inside an accepted mask, and each accepted mask's cells.
import { depthMap, makeCellGrid, markTried, rleCells, type CellGrid } from './coverage-prompts.js';
import type { Proposal } from '../contract.js';

/** A point this many cells deep inside an accepted mask is not worth a prompt of its own. */
const INTERIOR_DEPTH = 2;

export interface Coverage {
  readonly grid: CellGrid;
  readonly covered: Uint16Array;
  readonly tried: Uint8Array;
  readonly interior: Uint8Array;
  readonly cellsOf: Map<Proposal, Uint8Array>;
}

export function createCoverage(width: number, height: number): Coverage {
  const grid = makeCellGrid(width, height);
  const n = grid.cols * grid.rows;
  return { grid, covered: new Uint16Array(n), tried: new Uint8Array(n), interior: new Uint8Array(n), cellsOf: new Map() };
}

export function acceptIntoCoverage(c: Coverage, p: Proposal): void {
  const cells = rleCells(p.rle, c.grid);
  c.cellsOf.set(p, cells);
  for (let i = 0; i < cells.length; i++) c.covered[i]! += cells[i]!;
  const depth = depthMap(cells, c.grid);
  for (let i = 0; i < depth.length; i++) if (depth[i]! >= INTERIOR_DEPTH) c.interior[i] = 1;
}

export function markPrompted(c: Coverage, x: number, y: number, radius: number): void {
  markTried(c.tried, c.grid, x, y, radius);
}

export function cellIndex(g: CellGrid, x: number, y: number): number {
  return Math.min(g.rows - 1, Math.floor(y / g.cell)) * g.cols + Math.min(g.cols - 1, Math.floor(x / g.cell));
}

export function isInterior(c: Coverage, x: number, y: number): boolean {
  return c.interior[cellIndex(c.grid, x, y)] === 1;
}

export function coveredFraction(c: Coverage): number {
  let n = 0;
  for (const v of c.covered) if (v > 0) n++;
  return n / c.covered.length;
}

/** Cells that are covered or already prompted: where gap prompts should not go. */
export function blockedCells(c: Coverage): Uint8Array {
  const out = new Uint8Array(c.covered.length);
  for (let i = 0; i < out.length; i++) out[i] = c.covered[i]! > 0 || c.tried[i]! > 0 ? 1 : 0;
  return out;
}

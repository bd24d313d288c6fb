import { randomBits } from '../../helpers/random-bits.js';
import { describe, expect, it } from 'vitest';
import {
  cellCentre,
  components,
  depthMap,
  gapPrompts,
  leftoverPoints,
  makeCellGrid,
  markTried,
  partPrompts,
  rleCells,
} from '../../../src/perception/everything/coverage-prompts.js';
import { rleContains, rleFromBitmap } from '../../../src/mask/rle.js';

describe('cell grid', () => {
  it('uses about 64 cells on the long side and maps cells to pixel centres', () => {
    const g = makeCellGrid(640, 427);
    expect(g.cols).toBe(64);
    expect(g.rows).toBe(43);
    expect(cellCentre(g, 0, 0)).toEqual([5, 5]);
    expect(cellCentre(g, 63, 42)).toEqual([635, 425]);
    expect(cellCentre(makeCellGrid(10, 1, 2), 1, 0)).toEqual([7, 0]); // clamped into the image
  });

  it('samples a mask at cell centres exactly like rleContains', () => {
    const w = 97;
    const h = 61;
    const bits = randomBits(w, h, 7);
    const rle = rleFromBitmap(bits, w, h);
    const g = makeCellGrid(w, h, 16);
    const cells = rleCells(rle, g);
    for (let cy = 0; cy < g.rows; cy++) {
      for (let cx = 0; cx < g.cols; cx++) {
        const [x, y] = cellCentre(g, cx, cy);
        expect(cells[cy * g.cols + cx]).toBe(rleContains(rle, x, y) ? 1 : 0);
      }
    }
  });
});

describe('depth and components', () => {
  const g = makeCellGrid(5, 5, 5);
  it('measures 4-neighbour depth with the image border as outside', () => {
    const all = new Uint8Array(25).fill(1);
    const d = depthMap(all, g);
    expect(d[12]).toBe(3); // centre of a 5x5 block
    expect(d[0]).toBe(1);
    expect(d[6]).toBe(2);
  });

  it('finds 4-connected components', () => {
    const region = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0]);
    const { cells } = components(region, g);
    expect(
      cells
        .slice(1)
        .map((c) => c.length)
        .sort(),
    ).toEqual([2, 4, 1].sort());
  });
});

describe('gapPrompts', () => {
  it('prompts the deepest cell of each uncovered gap, largest gap first, skipping tiny gaps', () => {
    const g = makeCellGrid(100, 100, 10); // 10x10 cells of 10 px
    const blocked = new Uint8Array(100);
    for (let y = 0; y < 10; y++) blocked[y * 10 + 3] = 1; // wall at column 3: gaps of 30 and 60 cells
    for (let y = 0; y < 10; y++) for (let x = 4; x < 10; x++) if (y >= 9) blocked[y * 10 + x] = 1; // bottom row of the right gap
    const prompts = gapPrompts(blocked, g, 5, 4);
    expect(prompts).toHaveLength(2);
    expect(prompts[0]!.gapCells).toBe(54);
    expect(prompts[1]!.gapCells).toBe(30);
    // The right gap spans columns 4..9 and rows 0..8: its deepest cells are in the middle.
    expect(prompts[0]!.x).toBeGreaterThanOrEqual(60);
    expect(prompts[0]!.x).toBeLessThan(80);
    expect(gapPrompts(blocked, g, 5, 55)).toEqual([]);
  });

  it('leaves slivers alone when asked for gaps deep enough to hold an object', () => {
    const g = makeCellGrid(100, 100, 10);
    const blocked = new Uint8Array(100).fill(1);
    for (let x = 0; x < 10; x++) blocked[5 * 10 + x] = 0; // a one-cell-high sliver across the middle
    expect(gapPrompts(blocked, g, 5, 4, 1)).toHaveLength(1);
    expect(gapPrompts(blocked, g, 5, 4, 3)).toEqual([]);
    for (let y = 2; y < 7; y++) for (let x = 3; x < 8; x++) blocked[y * 10 + x] = 0; // a 5x5 gap on the sliver
    expect(gapPrompts(blocked, g, 5, 4, 3)).toEqual([{ x: 55, y: 45, gapCells: 30 }]);
  });

  it('stops prompting cells marked as tried', () => {
    const g = makeCellGrid(50, 50, 5);
    const blocked = new Uint8Array(25);
    markTried(blocked, g, 25, 25, 2);
    expect(gapPrompts(blocked, g, 5, 1)).toEqual([]);
  });
});

describe('partPrompts', () => {
  it('spreads points inside the mask and asks for each one with the others as negatives', () => {
    const g = makeCellGrid(200, 100, 20); // cells of 10 px
    const mask = new Uint8Array(g.cols * g.rows);
    for (let y = 1; y < 9; y++) for (let x = 1; x < 19; x++) mask[y * g.cols + x] = 1; // 18x8 cells
    const prompts = partPrompts(mask, undefined, g, 3);
    expect(prompts).toHaveLength(3);
    for (const p of prompts) {
      const pts = p.points!;
      expect(pts.filter((q) => q.label === 1)).toHaveLength(1);
      expect(pts.filter((q) => q.label === 0)).toHaveLength(2);
      for (const q of pts) expect(mask[Math.floor(q.y / 10) * g.cols + Math.floor(q.x / 10)]).toBe(1);
    }
    const xs = prompts.map((p) => p.points![0]!.x).sort((a, b) => a - b);
    expect(xs[2]! - xs[0]!).toBeGreaterThan(100); // spread along the long side
  });

  it('asks each point alone in the lone form', () => {
    const g = makeCellGrid(200, 100, 20);
    const mask = new Uint8Array(g.cols * g.rows);
    for (let y = 1; y < 9; y++) for (let x = 1; x < 19; x++) mask[y * g.cols + x] = 1;
    const contrast = partPrompts(mask, undefined, g, 3, 'contrast');
    const lone = partPrompts(mask, undefined, g, 3, 'lone');
    expect(lone).toEqual(contrast.map((p) => ({ points: [p.points![0]] })));
    expect(lone.every((p) => p.points!.length === 1 && p.points![0]!.label === 1)).toBe(true);
  });

  it('gives nothing for a mask too thin to hold two interior points', () => {
    const g = makeCellGrid(50, 50, 5);
    const mask = new Uint8Array(25);
    mask[12] = 1;
    expect(partPrompts(mask, undefined, g, 3)).toEqual([]);
  });
});

describe('leftoverPoints', () => {
  // A 20x20-cell grid (one pixel per cell): a sign's board explained by its own mask, the pole not.
  const g = makeCellGrid(20, 20, 20);
  const cellsOf = (x0: number, y0: number, x1: number, y1: number) => {
    const out = new Uint8Array(400);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[y * 20 + x] = 1;
    return out;
  };

  it('puts one point in the middle of each unexplained piece, largest first, even one cell wide', () => {
    const pole = cellsOf(9, 8, 10, 17); // 1 cell wide, 9 tall
    const wheel = cellsOf(2, 15, 5, 18); // 3x3
    const leftover = pole.map((v, i) => v | wheel[i]!);
    expect(leftoverPoints(leftover, g, 3)).toEqual([
      { x: 9, y: 12, label: 1 },
      { x: 3, y: 16, label: 1 },
    ]);
  });

  it('leaves pieces smaller than minCells or larger than maxCells alone', () => {
    expect(leftoverPoints(cellsOf(4, 4, 6, 5), g, 3)).toEqual([]);
    expect(leftoverPoints(cellsOf(4, 4, 10, 10), g, 3, 35)).toEqual([]);
    expect(leftoverPoints(cellsOf(4, 4, 10, 10), g, 3, 36)).toHaveLength(1);
  });
});

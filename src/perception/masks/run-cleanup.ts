// SAM's min_mask_region_area cleanup (region-cleanup.ts) on a finished mask's runs instead of its pixels:
// the regions are unions of column segments, 8-connected where segments of neighbouring columns overlap or
// touch diagonally. It gives region-cleanup.ts's result exactly (holes filled first, then islands, over the
// same windows, with the same tie-break for the island kept), for a fraction of the work: a mask of a few
// hundred segments instead of a box of tens of thousands of pixels (the pixel labelling was a quarter of a
// balanced build's post-processing).
import { rleFromSpans, type Rle } from '../../mask/rle.js';

/** [y0, y1) segments per column x. */
type Columns = Array<Array<[number, number]>>;

interface Region {
  size: number;
  /** Raster order of its first pixel (row-major): which island the pixel labelling would number first. */
  first: number;
  onMargin: boolean;
}

/** The cleaned mask, or undefined when nothing changes. */
export function cleanupRuns(rle: Rle, minArea: number): Rle | undefined {
  if (minArea <= 0) return undefined;
  const { width, height } = rle;
  const fg = columnsOf(rle);
  const box = boxOf(fg, height);
  if (!box) return undefined;
  const holes = fillHoles(fg, box, width, height, minArea);
  const islands = dropIslands(holes ?? fg, box, width, minArea);
  const out = islands ?? holes;
  return out ? rleOf(out, width, height) : undefined;
}

function columnsOf(rle: Rle): Columns {
  const cols: Columns = Array.from({ length: rle.width }, () => []);
  let pos = 0;
  for (let k = 0; k < rle.counts.length; k++) {
    const n = rle.counts[k]!;
    if (k % 2 === 1) {
      let p = pos;
      let left = n;
      while (left > 0) {
        const x = Math.floor(p / rle.height);
        const y = p - x * rle.height;
        const len = Math.min(left, rle.height - y);
        cols[x]!.push([y, y + len]);
        p += len;
        left -= len;
      }
    }
    pos += n;
  }
  return cols;
}

function boxOf(cols: Columns, height: number): [number, number, number, number] | undefined {
  let x0 = -1;
  let x1 = -1;
  let y0 = height;
  let y1 = -1;
  cols.forEach((segs, x) => {
    if (segs.length === 0) return;
    if (x0 < 0) x0 = x;
    x1 = x + 1;
    y0 = Math.min(y0, segs[0]![0]);
    y1 = Math.max(y1, segs[segs.length - 1]![1]);
  });
  return x0 < 0 ? undefined : [x0, y0, x1, y1];
}

/** Background segments inside rows [y0, y1) of a column: the gaps between its foreground segments. */
function gaps(segs: Array<[number, number]>, y0: number, y1: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = y0;
  for (const [a, b] of segs) {
    if (b <= y0 || a >= y1) continue;
    if (a > at) out.push([at, a]);
    at = Math.max(at, b);
  }
  if (at < y1) out.push([at, y1]);
  return out;
}

/**
 * Labels 8-connected regions of per-column segments over columns [x0, x1): union-find over segments, joining
 * those of neighbouring columns whose rows overlap or touch at a corner. Returns each segment's region and
 * the regions.
 */
function label(
  segsOf: (x: number) => Array<[number, number]>,
  x0: number,
  x1: number,
  describe: (x: number, seg: [number, number]) => { first: number; onMargin: boolean },
): { regionOf: number[][]; regions: Region[]; segs: Array<Array<[number, number]>> } {
  const segs = Array.from({ length: x1 - x0 }, (_, i) => segsOf(x0 + i));
  const ids: number[][] = [];
  const parent: number[] = [];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  for (let i = 0; i < segs.length; i++) {
    ids.push(segs[i]!.map(() => parent.push(parent.length) - 1));
    if (i === 0) continue;
    const prev = segs[i - 1]!;
    const cur = segs[i]!;
    let j = 0;
    for (let k = 0; k < cur.length; k++) {
      const [c0, c1] = cur[k]!;
      while (j < prev.length && prev[j]![1] < c0) j++; // ends more than a corner above
      for (let m = j; m < prev.length && prev[m]![0] <= c1; m++) {
        const a = find(ids[i - 1]![m]!);
        const b = find(ids[i]![k]!);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const index = new Map<number, number>();
  const regions: Region[] = [];
  const regionOf = ids.map((row, i) =>
    row.map((id, k) => {
      const root = find(id);
      let r = index.get(root);
      if (r === undefined) {
        r = regions.length;
        index.set(root, r);
        regions.push({ size: 0, first: Infinity, onMargin: false });
      }
      const seg = segs[i]![k]!;
      const d = describe(x0 + i, seg);
      const region = regions[r]!;
      region.size += seg[1] - seg[0];
      region.first = Math.min(region.first, d.first);
      region.onMargin ||= d.onMargin;
      return r;
    }),
  );
  return { regionOf, regions, segs };
}

/** Holes under minArea filled, in the box grown by one pixel; background reaching a grown side continues outside. */
function fillHoles(
  fg: Columns,
  box: [number, number, number, number],
  width: number,
  height: number,
  minArea: number,
): Columns | undefined {
  const [bx0, by0, bx1, by1] = box;
  const wx0 = Math.max(0, bx0 - 1);
  const wy0 = Math.max(0, by0 - 1);
  const wx1 = Math.min(width, bx1 + 1);
  const wy1 = Math.min(height, by1 + 1);
  const { regionOf, regions, segs } = label(
    (x) => gaps(fg[x]!, wy0, wy1),
    wx0,
    wx1,
    (x, [a, b]) => ({
      first: a * width + x,
      // As region-cleanup.ts: a side counts where the window's side lies inside the image.
      onMargin: (a === wy0 && wy0 > 0) || (b === wy1 && wy1 < height) || (x === wx0 && wx0 > 0) || (x === wx1 - 1 && wx1 < width),
    }),
  );
  const fill = regions.map((r) => !r.onMargin && r.size < minArea);
  if (!fill.some(Boolean)) return undefined;
  const out = fg.map((s) => s.slice());
  segs.forEach((row, i) => {
    const added = row.filter((_, k) => fill[regionOf[i]![k]!]);
    if (added.length) out[wx0 + i] = merge([...out[wx0 + i]!, ...added]);
  });
  return out;
}

/**
 * Islands under minArea removed, in the box (the tight box of the mask before its holes were filled, which holds
 * every segment); where all are small the largest stays (the first of equals).
 */
function dropIslands(fg: Columns, box: [number, number, number, number], width: number, minArea: number): Columns | undefined {
  const [bx0, , bx1] = box;
  const { regionOf, regions } = label(
    (x) => fg[x]!,
    bx0,
    bx1,
    (x, [a]) => ({ first: a * width + x, onMargin: false }),
  );
  const drop = regions.map((r) => r.size < minArea);
  if (!drop.some(Boolean)) return undefined;
  if (drop.every(Boolean)) {
    let keep = 0;
    regions.forEach((r, i) => {
      const k = regions[keep]!;
      if (r.size > k.size || (r.size === k.size && r.first < k.first)) keep = i;
    });
    drop[keep] = false;
    if (!drop.some(Boolean)) return undefined;
  }
  const out = fg.slice();
  for (let i = 0; i < regionOf.length; i++) out[bx0 + i] = fg[bx0 + i]!.filter((_, k) => !drop[regionOf[i]![k]!]);
  return out;
}

/** Sorted, with touching or overlapping segments joined. */
function merge(segs: Array<[number, number]>): Array<[number, number]> {
  const sorted = segs.slice().sort((p, q) => p[0] - q[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function rleOf(cols: Columns, width: number, height: number): Rle {
  const spans: number[] = [];
  cols.forEach((segs, x) => {
    for (const [a, b] of segs) spans.push(x * height + a, b - a);
  });
  return rleFromSpans(width, height, spans);
}

// Polygons to masks, pixel for pixel as the datasets' own tools draw them, so that a ground truth read
// here has exactly the pixels its authors scored against. Two rules, because two tools are in use:
//
// - COCO (pycocotools' rleFrPoly): each vertex is scaled by 5 and rounded, the outline is walked in that
//   finer grid, and every place where it crosses the sampling line of a pixel column (x + 0.5 - 0.1 in
//   the fine grid) toggles inside/outside for the rest of that column. So one polygon fills by the
//   even-odd rule (a self-intersection makes a hole), and a COCO segmentation made of several polygons is
//   their union (pycocotools merges one mask per polygon).
// - OpenCV (cv2.fillPoly after cv2.polylines, 8-connected, thickness 1), which LISA's ReasonSeg loader
//   uses: vertices are cut to integers (numpy's int32 cast truncates), every edge is drawn as an
//   8-connected Bresenham line, and each row is filled between pairs of edge crossings (even-odd) from
//   the crossing rounded up to the crossing rounded down, in 16.16 fixed point. Edges leaving the image
//   are clipped as OpenCV clips them.
import { rleFromBitmap, rleUnion, type Box, type Rle } from './rle.js';

/** pycocotools' rasterisation of one polygon given as [x1, y1, x2, y2, ...] in pixels. */
export function fillPolygonCoco(xy: ArrayLike<number>, width: number, height: number): Rle {
  const k = Math.floor(xy.length / 2);
  const total = width * height;
  if (k === 0 || total === 0) return { width, height, counts: Uint32Array.of(total) };
  const scale = 5;
  // C's (int) cast truncates toward zero; Math.trunc does the same.
  const x: number[] = [];
  const y: number[] = [];
  for (let j = 0; j < k; j++) {
    x.push(Math.trunc(scale * xy[2 * j]! + 0.5));
    y.push(Math.trunc(scale * xy[2 * j + 1]! + 0.5));
  }
  x.push(x[0]!);
  y.push(y[0]!);

  // Every fine-grid point along the closed outline.
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j]!;
    let xe = x[j + 1]!;
    let ys = y[j]!;
    let ye = y[j + 1]!;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    if (dx >= dy) {
      const s = dx === 0 ? 0 : (ye - ys) / dx;
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + s * t + 0.5));
      }
    } else {
      const s = (xe - xs) / dy;
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + s * t + 0.5));
      }
    }
  }

  // Where the outline crosses a column's sampling line: a toggle at (column, first row below it).
  const toggles: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / scale - 0.5;
    yd = Math.ceil(yd < 0 ? 0 : yd > height ? height : yd);
    toggles.push(xd * height + yd);
  }
  toggles.push(total);
  toggles.sort((a, b) => a - b);

  // Toggle positions to run lengths; two toggles at one place cancel (a zero-length run is merged away).
  const runs: number[] = [];
  let prev = 0;
  const gaps = toggles.map((t) => {
    const g = t - prev;
    prev = t;
    return g;
  });
  runs.push(gaps[0]!);
  for (let j = 1; j < gaps.length;) {
    if (gaps[j]! > 0) runs.push(gaps[j++]!);
    else {
      j++;
      if (j < gaps.length) runs[runs.length - 1]! += gaps[j++]!;
    }
  }
  return { width, height, counts: Uint32Array.from(runs) };
}

/** A COCO polygon segmentation (a list of polygons): the union of each polygon's fill. */
export function fillPolygonsCoco(polygons: readonly ArrayLike<number>[], width: number, height: number): Rle {
  const empty: Rle = { width, height, counts: Uint32Array.of(width * height) };
  return polygons.map((p) => fillPolygonCoco(p, width, height)).reduce(rleUnion, empty);
}

// ---- OpenCV ----

const XY_SHIFT = 16;
const XY_ONE = 1 << XY_SHIFT;

interface Pt {
  x: number;
  y: number;
}

/**
 * OpenCV's fillPoly (with the 1-px outline polylines adds, which fillPoly draws anyway) of one polygon
 * given as [[x, y], ...], painted as 1 into a row-major bitmap. Returns the painted pixels' bounds.
 */
export function paintPolygonOpenCv(
  bits: Uint8Array,
  width: number,
  height: number,
  points: readonly (readonly [number, number])[],
  value = 1,
): Box {
  const pts = points.map(([px, py]) => ({ x: Math.trunc(px), y: Math.trunc(py) }));
  const bounds: Box = [width, height, 0, 0];
  const put = (px: number, py: number) => {
    bits[py * width + px] = value;
    if (px < bounds[0]) bounds[0] = px;
    if (py < bounds[1]) bounds[1] = py;
    if (px + 1 > bounds[2]) bounds[2] = px + 1;
    if (py + 1 > bounds[3]) bounds[3] = py + 1;
  };
  if (pts.length === 0 || width <= 0 || height <= 0) return [0, 0, 0, 0];
  const edges: Edge[] = [];
  let p0 = pts[pts.length - 1]!;
  for (const p1 of pts) {
    line8(width, height, p0, p1, put);
    const edge = polyEdge(width, height, p0, p1);
    if (edge) edges.push(edge);
    p0 = p1;
  }
  fillEdges(width, height, edges, put);
  return bounds[2] > bounds[0] ? bounds : [0, 0, 0, 0];
}

/** One polygon drawn the OpenCV way (LISA's ReasonSeg ground truth), as a mask. */
export function fillPolygonOpenCv(points: readonly (readonly [number, number])[], width: number, height: number): Rle {
  const bits = new Uint8Array(width * height);
  const box = paintPolygonOpenCv(bits, width, height, points);
  return rleFromBitmap(bits, width, height, box);
}

interface Edge {
  y0: number;
  y1: number;
  /** x at row y0, 16.16 fixed point. */
  x: number;
  dx: number;
}

/** An edge for the scanline fill, from the (clipped) integer line, or undefined when horizontal. */
function polyEdge(width: number, height: number, a: Pt, b: Pt): Edge | undefined {
  const t0 = { ...a };
  const t1 = { ...b };
  let y0c = a.y;
  let y1c = b.y;
  if (outside(t0, width, height) || outside(t1, width, height)) {
    clipLine(width, height, t0, t1);
    if (t0.y !== t1.y) {
      y0c = t0.y;
      y1c = t1.y;
    }
  }
  if (a.y === b.y) return undefined;
  const x0c = t0.x * XY_ONE;
  const x1c = t1.x * XY_ONE;
  const dx = Math.trunc((x1c - x0c) / (y1c - y0c)); // int64 division truncates toward zero
  return a.y < b.y ? { y0: a.y, y1: b.y, x: x0c + (a.y - y0c) * dx, dx } : { y0: b.y, y1: a.y, x: x1c + (b.y - y1c) * dx, dx };
}

/** Rows filled between pairs of edge crossings: from the left crossing rounded up to the right one rounded down. */
function fillEdges(width: number, height: number, edges: Edge[], put: (x: number, y: number) => void): void {
  if (edges.length < 2) return;
  let yMin = Infinity;
  let yMax = -Infinity;
  let xMin = Infinity;
  let xMax = -Infinity;
  for (const e of edges) {
    const xEnd = e.x + (e.y1 - e.y0) * e.dx;
    yMin = Math.min(yMin, e.y0);
    yMax = Math.max(yMax, e.y1);
    xMin = Math.min(xMin, e.x, xEnd);
    xMax = Math.max(xMax, e.x, xEnd);
  }
  if (yMax < 0 || yMin >= height || xMax < 0 || xMin >= width * XY_ONE) return;
  const last = Math.min(yMax, height);
  const xs: number[] = [];
  for (let y = Math.max(0, yMin); y < last; y++) {
    xs.length = 0;
    for (const e of edges) if (e.y0 <= y && y < e.y1) xs.push(e.x + (y - e.y0) * e.dx);
    xs.sort((a, b) => a - b);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      let x1 = Math.floor((xs[i]! + XY_ONE - 1) / XY_ONE);
      let x2 = Math.floor(xs[i + 1]! / XY_ONE);
      if (x1 >= width || x2 < 0) continue;
      x1 = Math.max(0, x1);
      x2 = Math.min(width - 1, x2);
      for (let x = x1; x <= x2; x++) put(x, y);
    }
  }
}

function outside(p: Pt, width: number, height: number): boolean {
  return p.x < 0 || p.x >= width || p.y < 0 || p.y >= height;
}

/** OpenCV's clipLine: moves the end points onto the image border, in place; false when nothing is inside. */
function clipLine(width: number, height: number, p1: Pt, p2: Pt): boolean {
  const right = width - 1;
  const bottom = height - 1;
  if (width <= 0 || height <= 0) return false;
  const code = (p: Pt) => (p.x < 0 ? 1 : 0) + (p.x > right ? 2 : 0) + (p.y < 0 ? 4 : 0) + (p.y > bottom ? 8 : 0);
  let c1 = code(p1);
  let c2 = code(p2);
  if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
    if (c1 & 12) {
      const a = c1 < 8 ? 0 : bottom;
      p1.x += Math.trunc(((a - p1.y) * (p2.x - p1.x)) / (p2.y - p1.y));
      p1.y = a;
      c1 = (p1.x < 0 ? 1 : 0) + (p1.x > right ? 2 : 0);
    }
    if (c2 & 12) {
      const a = c2 < 8 ? 0 : bottom;
      p2.x += Math.trunc(((a - p2.y) * (p2.x - p1.x)) / (p2.y - p1.y));
      p2.y = a;
      c2 = (p2.x < 0 ? 1 : 0) + (p2.x > right ? 2 : 0);
    }
    if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
      if (c1) {
        const a = c1 === 1 ? 0 : right;
        p1.y += Math.trunc(((a - p1.x) * (p2.y - p1.y)) / (p2.x - p1.x));
        p1.x = a;
        c1 = 0;
      }
      if (c2) {
        const a = c2 === 1 ? 0 : right;
        p2.y += Math.trunc(((a - p2.x) * (p2.y - p1.y)) / (p2.x - p1.x));
        p2.x = a;
        c2 = 0;
      }
    }
  }
  return (c1 | c2) === 0;
}

/** OpenCV's 8-connected line (LineIterator, left to right), clipped to the image. */
function line8(width: number, height: number, a: Pt, b: Pt, put: (x: number, y: number) => void): void {
  const p1 = { ...a };
  const p2 = { ...b };
  if (outside(p1, width, height) || outside(p2, width, height)) {
    if (!clipLine(width, height, p1, p2)) return;
  }
  let dx = p2.x - p1.x;
  let dy = p2.y - p1.y;
  let start = p1;
  if (dx < 0) {
    dx = -dx;
    dy = -dy;
    start = p2;
  }
  const sy = dy < 0 ? -1 : 1;
  dy = Math.abs(dy);
  const vertical = dy > dx;
  const major = vertical ? dy : dx;
  const minor = vertical ? dx : dy;
  let err = major - 2 * minor;
  let x = start.x;
  let y = start.y;
  for (let i = 0; i <= major; i++) {
    put(x, y);
    const step = err < 0;
    err += -2 * minor + (step ? 2 * major : 0);
    if (vertical) {
      y += sy;
      if (step) x += 1;
    } else {
      x += 1;
      if (step) y += sy;
    }
  }
}

// Shape measurements of one mask: centroid, convex hull, solidity, circularity, aspect ratio and the
// coarse 3x3 position. Everything works on a bitmap cropped to the mask's bbox, so the cost follows
// the object's size, not the image's.
import type { Box, Rle } from '../perception/rle.js';
import type { CoarsePosition } from './types.js';
import { ringPerimeter, signedArea, simplifyRing, type Point, type Ring } from './contours.js';

/** A row-major 0/1 bitmap of the mask inside `box`, plus the box's origin. */
export interface MaskCrop {
  bits: Uint8Array;
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/** Decodes only the part of an RLE inside `box` (x2/y2 exclusive). */
export function cropMask(rle: Rle, box: Box): MaskCrop {
  const [x1, y1, x2, y2] = box;
  const width = Math.max(0, x2 - x1);
  const height = Math.max(0, y2 - y1);
  const bits = new Uint8Array(width * height);
  const H = rle.height;
  const colStart = x1 * H;
  const colEnd = x2 * H;
  let pos = 0;
  for (let k = 0; k < rle.counts.length && pos < colEnd; k++) {
    const n = rle.counts[k]!;
    if (k % 2 === 1 && n > 0 && pos + n > colStart) {
      const from = Math.max(pos, colStart);
      const to = Math.min(pos + n, colEnd);
      for (let p = from; p < to; ) {
        const x = (p / H) | 0;
        const yStart = p - x * H;
        const yEnd = Math.min(H, yStart + (to - p));
        const lo = Math.max(yStart, y1);
        const hi = Math.min(yEnd, y2);
        for (let y = lo; y < hi; y++) bits[(y - y1) * width + (x - x1)] = 1;
        p += yEnd - yStart;
      }
    }
    pos += n;
  }
  return { bits, x0: x1, y0: y1, width, height };
}

/** Mean of pixel centres (x + 0.5, y + 0.5), so a box [10, 30) has its centroid at 20. */
export function centroidOf(crop: MaskCrop): [number, number] {
  let sx = 0;
  let sy = 0;
  let n = 0;
  const { bits, width, height } = crop;
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      if (bits[i]) {
        sx += x;
        row++;
      }
    }
    sy += row * y;
    n += row;
  }
  if (n === 0) return [crop.x0, crop.y0];
  return [crop.x0 + sx / n + 0.5, crop.y0 + sy / n + 0.5];
}

/** Andrew's monotone chain; returns the hull counter-clockwise in math axes (clockwise on screen). */
export function convexHull(points: readonly Point[]): Ring {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length <= 2) return pts.map((p) => [p[0], p[1]]);
  const cross = (o: Point, a: Point, b: Point): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper).map((p) => [p[0], p[1]]);
}

export interface ShapeMeasures {
  /** bbox width / bbox height. */
  aspectRatio: number;
  /** Pixel area / area of the convex hull of the outer boundaries (1 for convex shapes). */
  solidity: number;
  /** 4πA/P², P the length of the simplified outer and hole boundaries (≈1 disc, ≈0.785 square). */
  circularity: number;
}

/**
 * `outer`/`holes` are the traced rings (pixel corners). The perimeter uses rings simplified at
 * 1.25 px (discs of radius 5–150 px then score 0.96–1.0): the raw pixel staircase would make
 * every disc look like a square (P = 4·diameter, circularity π/4).
 */
export function shapeMeasures(area: number, bbox: Box, outer: readonly Ring[], holes: readonly Ring[]): ShapeMeasures {
  const w = bbox[2] - bbox[0];
  const h = bbox[3] - bbox[1];
  const aspectRatio = h > 0 ? w / h : 0;
  const hull = convexHull(outer.flat());
  const hullArea = Math.abs(signedArea(hull));
  const solidity = hullArea > 0 ? Math.min(1, area / hullArea) : 0;
  let perimeter = 0;
  for (const ring of [...outer, ...holes]) {
    perimeter += ringPerimeter(simplifyRing(ring, { tolerance: 1.25, maxPoints: Number.MAX_SAFE_INTEGER }));
  }
  const circularity = perimeter > 0 ? Math.min(1, (4 * Math.PI * area) / (perimeter * perimeter)) : 0;
  return { aspectRatio, solidity, circularity };
}

/** Which of the nine cells (thirds of width and height) holds the point. */
export function coarsePosition(x: number, y: number, width: number, height: number): CoarsePosition {
  const col = Math.min(2, Math.max(0, Math.floor((3 * x) / width)));
  const row = Math.min(2, Math.max(0, Math.floor((3 * y) / height)));
  const names: CoarsePosition[][] = [
    ['top-left', 'top', 'top-right'],
    ['left', 'center', 'right'],
    ['bottom-left', 'bottom', 'bottom-right'],
  ];
  return names[row]![col]!;
}

/** Gap between two boxes along x and y (0 where they overlap on that axis). */
export function boxGap(a: Box, b: Box): { dx: number; dy: number } {
  const dx = Math.max(0, a[0] - b[2], b[0] - a[2]);
  const dy = Math.max(0, a[1] - b[3], b[1] - a[3]);
  return { dx, dy };
}

export function boxIntersectionArea(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

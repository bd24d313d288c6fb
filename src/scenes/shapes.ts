// The shapes a scene is drawn from, as exact geometry. A pixel (x, y) belongs to a shape when its centre
// (x + 0.5, y + 0.5) lies inside (polygons: even-odd rule, decided per row); there is no anti-aliasing,
// so the painted pixels and the ground-truth masks are the same set by construction.
import type { Box } from '../mask/rle.js';

export type Point = [number, number];

export type Shape =
  /** A rectangle of w×h with its top-left corner at (x, y) before rotating by `angle` about its centre. */
  | { kind: 'rect'; x: number; y: number; w: number; h: number; angle?: number }
  /** An ellipse with radii rx, ry about (cx, cy), rotated by `angle` (radians). */
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number; angle?: number }
  /** An elliptical ring: the ellipse minus the same ellipse scaled by `inner` (0..1) about its centre. */
  | { kind: 'ring'; cx: number; cy: number; rx: number; ry: number; inner: number; angle?: number }
  /** A simple polygon (even-odd rule). */
  | { kind: 'polygon'; points: Point[] };

export const SHAPE_KINDS = ['rect', 'ellipse', 'ring', 'polygon'] as const satisfies readonly Shape['kind'][];

function rectCorners(s: Extract<Shape, { kind: 'rect' }>): Point[] {
  const cx = s.x + s.w / 2;
  const cy = s.y + s.h / 2;
  const c = Math.cos(s.angle ?? 0);
  const n = Math.sin(s.angle ?? 0);
  return [
    [-s.w / 2, -s.h / 2],
    [s.w / 2, -s.h / 2],
    [s.w / 2, s.h / 2],
    [-s.w / 2, s.h / 2],
  ].map(([dx, dy]) => [cx + dx! * c - dy! * n, cy + dx! * n + dy! * c] as Point);
}

const polygonOf = (s: Extract<Shape, { kind: 'polygon' | 'rect' }>): readonly Point[] => (s.kind === 'polygon' ? s.points : rectCorners(s));

/**
 * Where a polygon's edges cross the line y = py, sorted. A point on that line is inside (even-odd rule)
 * when it lies in [c0, c1), [c2, c3), …
 */
function rowCrossings(points: readonly Point[], py: number): number[] {
  const xs: number[] = [];
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]!;
    const [xj, yj] = points[j]!;
    if (yi > py !== yj > py) xs.push(((xj - xi) * (py - yi)) / (yj - yi) + xi);
  }
  return xs.sort((a, b) => a - b);
}

/** First pixel column whose centre is at or right of x. */
const firstColumnFrom = (x: number): number => Math.ceil(x - 0.5);

interface EllipseFrame {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  cos: number;
  sin: number;
}

const frameOf = (s: { cx: number; cy: number; rx: number; ry: number; angle?: number }): EllipseFrame => ({
  cx: s.cx,
  cy: s.cy,
  rx: s.rx,
  ry: s.ry,
  cos: Math.cos(s.angle ?? 0),
  sin: Math.sin(s.angle ?? 0),
});

/** Pixel (x, y)'s centre as a squared radius in the ellipse's own axes (< 1 inside). */
function radius2(f: EllipseFrame, x: number, y: number): number {
  const dx = x + 0.5 - f.cx;
  const dy = y + 0.5 - f.cy;
  const u = dx * f.cos + dy * f.sin;
  const v = -dx * f.sin + dy * f.cos;
  return (u / f.rx) ** 2 + (v / f.ry) ** 2;
}

/** Whether pixel (x, y) is painted by the shape: its centre (x + 0.5, y + 0.5) lies inside. */
export function pixelInShape(s: Shape, x: number, y: number): boolean {
  switch (s.kind) {
    case 'rect':
    case 'polygon': {
      if (s.kind === 'rect' && !s.angle) return x + 0.5 >= s.x && x + 0.5 < s.x + s.w && y + 0.5 >= s.y && y + 0.5 < s.y + s.h;
      const xs = rowCrossings(polygonOf(s), y + 0.5);
      for (let k = 0; k + 1 < xs.length; k += 2) if (x >= firstColumnFrom(xs[k]!) && x < firstColumnFrom(xs[k + 1]!)) return true;
      return false;
    }
    case 'ellipse':
      return radius2(frameOf(s), x, y) < 1;
    case 'ring': {
      const r2 = radius2(frameOf(s), x, y);
      return r2 < 1 && r2 >= s.inner * s.inner;
    }
  }
}

/** A box of whole pixels holding every pixel of the shape, clipped to width×height (x2/y2 exclusive). */
export function shapeBounds(s: Shape, width: number, height: number): Box {
  let x1: number;
  let y1: number;
  let x2: number;
  let y2: number;
  if (s.kind === 'polygon' || s.kind === 'rect') {
    const pts = polygonOf(s);
    x1 = Math.min(...pts.map((p) => p[0]));
    x2 = Math.max(...pts.map((p) => p[0]));
    y1 = Math.min(...pts.map((p) => p[1]));
    y2 = Math.max(...pts.map((p) => p[1]));
  } else {
    // Half-extents of a rotated ellipse.
    const a = s.angle ?? 0;
    const ex = Math.hypot(s.rx * Math.cos(a), s.ry * Math.sin(a));
    const ey = Math.hypot(s.rx * Math.sin(a), s.ry * Math.cos(a));
    x1 = s.cx - ex;
    x2 = s.cx + ex;
    y1 = s.cy - ey;
    y2 = s.cy + ey;
  }
  const clip = (v: number, hi: number): number => Math.max(0, Math.min(hi, v));
  return [
    clip(Math.floor(x1 - 1), width),
    clip(Math.floor(y1 - 1), height),
    clip(Math.ceil(x2 + 1), width),
    clip(Math.ceil(y2 + 1), height),
  ];
}

/** A shape's pixels: a box (x2/y2 exclusive) and a row-major 0/1 bitmap over that box. */
export interface ShapeRaster {
  box: Box;
  bits: Uint8Array;
}

/** The shape's pixels in a width×height image: the same set pixelInShape gives, a row at a time. */
export function rasteriseShape(s: Shape, width: number, height: number): ShapeRaster {
  const box = shapeBounds(s, width, height);
  const [x1, y1, x2, y2] = box;
  const w = x2 - x1;
  const bits = new Uint8Array(Math.max(0, w * (y2 - y1)));
  if (s.kind === 'ellipse' || s.kind === 'ring') {
    const f = frameOf(s);
    const inner2 = s.kind === 'ring' ? s.inner * s.inner : -1;
    for (let y = y1; y < y2; y++) {
      for (let x = x1; x < x2; x++) {
        const r2 = radius2(f, x, y);
        if (r2 < 1 && r2 >= inner2) bits[(y - y1) * w + (x - x1)] = 1;
      }
    }
    return { box, bits };
  }
  if (s.kind === 'rect' && !s.angle) {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) if (pixelInShape(s, x, y)) bits[(y - y1) * w + (x - x1)] = 1;
    return { box, bits };
  }
  const points = polygonOf(s);
  for (let y = y1; y < y2; y++) {
    const xs = rowCrossings(points, y + 0.5);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(x1, firstColumnFrom(xs[k]!));
      const to = Math.min(x2, firstColumnFrom(xs[k + 1]!));
      if (to > from) bits.fill(1, (y - y1) * w + (from - x1), (y - y1) * w + (to - x1));
    }
  }
  return { box, bits };
}

/** Moves a shape by (dx, dy). */
export function translateShape(s: Shape, dx: number, dy: number): Shape {
  switch (s.kind) {
    case 'rect':
      return { ...s, x: s.x + dx, y: s.y + dy };
    case 'ellipse':
    case 'ring':
      return { ...s, cx: s.cx + dx, cy: s.cy + dy };
    case 'polygon':
      return { kind: 'polygon', points: s.points.map(([x, y]) => [x + dx, y + dy] as Point) };
  }
}

/** A star with `spikes` points alternating between radii outer and inner. */
export function starPoints(cx: number, cy: number, outer: number, inner: number, spikes: number, rotation = -Math.PI / 2): Point[] {
  const pts: Point[] = [];
  for (let i = 0; i < spikes * 2; i++) {
    const r = i % 2 === 0 ? outer : inner;
    const a = rotation + (i * Math.PI) / spikes;
    pts.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  return pts;
}

/** A regular n-gon with circumradius r. */
export function regularPolygon(cx: number, cy: number, r: number, sides: number, rotation = -Math.PI / 2): Point[] {
  return Array.from({ length: sides }, (_, i) => {
    const a = rotation + (2 * i * Math.PI) / sides;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)] as Point;
  });
}

// Shape measurements of one mask: centroid, convex hull, solidity, circularity, aspect ratio and the
// coarse 3x3 position. Everything works on a bitmap cropped to the mask's bbox, so the cost follows
// the object's size, not the image's.
import type { Box } from '../mask/rle.js';
import { POSITION_NAMES, type CoarsePosition } from './scene-model.js';
import { ringPerimeter, signedArea, simplifyRing, type Ring } from '../mask/contours.js';
import { convexHull } from '../mask/hull.js';

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
  return POSITION_NAMES[row * 3 + col]!;
}

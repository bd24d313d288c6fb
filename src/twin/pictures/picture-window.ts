// Which part of the image a picture shows and at what scale, so a host can turn a pixel of the picture
// it sees into an image pixel: image_x = window.x1 + picture_x / scale (and the same for y). Pictures
// are sized for the model that reads them: hosts shrink anything over 1568 px on the long side or about
// 1.15 megapixels, so pixels past that buy nothing, and small photos are enlarged up to it so that
// labels drawn at a legible size still leave room for the objects. Pure functions.
import type { Box } from '../../mask/rle.js';

/** Longest side a host's vision model takes without shrinking the picture. */
export const HOST_MAX_SIDE = 1568;
/** Pixels a host's vision model takes without shrinking the picture (~1.15 MP). */
export const HOST_MAX_PIXELS = 1_150_000;

/** An encoded picture whose MIME type matches its bytes. */
export interface Picture {
  data: Buffer;
  mime: string;
  width: number;
  height: number;
  /** The part of the image shown and its scale, where known: image_x = window.x1 + picture_x / window.scale. */
  window?: PictureWindow;
}

export interface PictureLimits {
  /** Longest side in pixels (default HOST_MAX_SIDE). */
  maxSide?: number;
  /** Width × height at most (default HOST_MAX_PIXELS). */
  maxPixels?: number;
  /** Enlarge by at most this factor (default 1: never enlarge). */
  maxZoom?: number;
}

/**
 * The part of the image shown, in original pixels (x2/y2 exclusive), and picture pixels per image pixel.
 * The picture is (x2 - x1) * scale wide and (y2 - y1) * scale tall, give or take half a pixel.
 */
export interface PictureWindow {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  scale: number;
}

/**
 * The largest scale within the limits, rounded down to two decimals so that a host can do the arithmetic
 * (2.23, not 2.2337…); the picture's size follows from it.
 */
export function hostScale(width: number, height: number, limits: PictureLimits = {}): number {
  const maxSide = limits.maxSide ?? HOST_MAX_SIDE;
  const maxPixels = limits.maxPixels ?? HOST_MAX_PIXELS;
  const exact = Math.min(maxSide / Math.max(width, height), Math.sqrt(maxPixels / (width * height)), limits.maxZoom ?? 1);
  const rounded = Math.floor(exact * 100) / 100;
  // Below 0.01 (images wider than ~150,000 px) two decimals are not enough; keep the exact value.
  return rounded > 0 ? rounded : exact;
}

/** The picture's size for a window: at least 1×1. */
export function pictureSize(w: PictureWindow): { width: number; height: number } {
  return {
    width: Math.max(1, Math.round((w.x2 - w.x1) * w.scale)),
    height: Math.max(1, Math.round((w.y2 - w.y1) * w.scale)),
  };
}

/** The whole image, sized for a host. */
export function fullWindow(width: number, height: number, limits: PictureLimits = {}): PictureWindow {
  return { x1: 0, y1: 0, x2: width, y2: height, scale: hostScale(width, height, limits) };
}

/** The image pixel (fractional) under a picture pixel's centre. */
export function pictureToImage(w: PictureWindow, px: number, py: number): [number, number] {
  return [w.x1 + (px + 0.5) / w.scale, w.y1 + (py + 0.5) / w.scale];
}

/** The picture position of an image position (both fractional, same origin convention). */
export function imageToPicture(w: PictureWindow, x: number, y: number): [number, number] {
  return [(x - w.x1) * w.scale, (y - w.y1) * w.scale];
}

export interface ZoomWindowOptions extends PictureLimits {
  /** Added on every side, as a share of the region's longer side (default 0.08, at least 8 px). */
  margin?: number;
}

/** Enlarging beyond this shows pixels, not detail. */
export const MAX_ZOOM = 8;

/**
 * The window that shows `region` (image pixels, x2/y2 exclusive) with a margin, grown to a size worth
 * enlarging and kept inside the image; integer bounds. Its scale fits the host limits, up to `maxZoom`
 * (default MAX_ZOOM). The margin keeps the region clear of rulers drawn along the picture's edges,
 * except where the region meets the image's own edge.
 */
export function zoomWindow(region: Box, width: number, height: number, opts: ZoomWindowOptions = {}): PictureWindow {
  const maxZoom = opts.maxZoom ?? MAX_ZOOM;
  let [x1, y1, x2, y2] = clampBox(region, width, height);
  const margin = Math.max(8, Math.round((opts.margin ?? 0.08) * Math.max(x2 - x1, y2 - y1)));
  [x1, y1, x2, y2] = [x1 - margin, y1 - margin, x2 + margin, y2 + margin];
  // Smaller than this on its long side, the window would need more than maxZoom to fill the picture;
  // the short side keeps at least a quarter of it, so a sliver still shows its surroundings.
  const minSide = Math.ceil((opts.maxSide ?? HOST_MAX_SIDE) / maxZoom);
  if (Math.max(x2 - x1, y2 - y1) < minSide) {
    if (x2 - x1 >= y2 - y1) [x1, x2] = grow(x1, x2, minSide);
    else [y1, y2] = grow(y1, y2, minSide);
  }
  [x1, x2] = grow(x1, x2, Math.ceil(minSide / 4));
  [y1, y2] = grow(y1, y2, Math.ceil(minSide / 4));
  [x1, x2] = shift(x1, x2, width);
  [y1, y2] = shift(y1, y2, height);
  return { x1, y1, x2, y2, scale: hostScale(x2 - x1, y2 - y1, { ...opts, maxZoom }) };
}

function clampBox([x1, y1, x2, y2]: Box, width: number, height: number): Box {
  const cx1 = Math.max(0, Math.min(width - 1, Math.floor(Math.min(x1, x2))));
  const cy1 = Math.max(0, Math.min(height - 1, Math.floor(Math.min(y1, y2))));
  const cx2 = Math.max(cx1 + 1, Math.min(width, Math.ceil(Math.max(x1, x2))));
  const cy2 = Math.max(cy1 + 1, Math.min(height, Math.ceil(Math.max(y1, y2))));
  return [cx1, cy1, cx2, cy2];
}

/** [a, b) widened about its middle to `size`. */
function grow(a: number, b: number, size: number): [number, number] {
  if (b - a >= size) return [a, b];
  const extra = size - (b - a);
  const lo = a - Math.floor(extra / 2);
  return [lo, lo + size];
}

/** [a, b) moved (and if need be cut) to lie within [0, limit). */
function shift(a: number, b: number, limit: number): [number, number] {
  const size = Math.min(limit, b - a);
  const lo = Math.max(0, Math.min(a, limit - size));
  return [lo, lo + size];
}

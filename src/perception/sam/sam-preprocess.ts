// SAM's input geometry as pure functions: resize-longest-side sizes, normalisation into a padded
// CHW tensor, and the mapping of prompts from original pixels into the encoder's frame. The
// actual pixel resize (sharp, async) lives at the predictor's edge; everything here is arithmetic.
import { TwinsegError } from '../../errors.js';
import type { Prompt } from '../contract.js';

/** SAM's pixel mean and std (RGB, 0-255 scale), from segment_anything's Sam module. */
export const SAM_PIXEL_MEAN: readonly [number, number, number] = [123.675, 116.28, 103.53];
export const SAM_PIXEL_STD: readonly [number, number, number] = [58.395, 57.12, 57.375];
export const SAM_TARGET_SIZE = 1024;

export interface ResizedSize {
  width: number;
  height: number;
  /** target / max(w, h): the nominal scale. */
  scale: number;
  /** Per-axis ratios new/old after rounding; what coordinates must be multiplied by. */
  scaleX: number;
  scaleY: number;
}

/** SAM's ResizeLongestSide.get_preprocess_shape: round half up of each side times target/longest. */
export function resizedSize(width: number, height: number, target = SAM_TARGET_SIZE): ResizedSize {
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new TwinsegError('INVALID_INPUT', `Image size ${width}x${height} is not a positive integer size.`);
  }
  const scale = target / Math.max(width, height);
  const newW = Math.floor(width * scale + 0.5);
  const newH = Math.floor(height * scale + 0.5);
  // A 1x5000 strip would round its short side to 0; SAM would crash there, we keep one pixel.
  const w = Math.max(1, newW);
  const h = Math.max(1, newH);
  return { width: w, height: h, scale, scaleX: w / width, scaleY: h / height };
}

/**
 * Resized RGB (row-major HWC uint8, size w x h) → normalised float32 CHW tensor of target x target,
 * zero-padded bottom/right after normalisation (SAM pads the normalised tensor, so padding is 0, not
 * the mean colour).
 */
export function normalizeToPaddedChw(
  rgb: Uint8Array,
  width: number,
  height: number,
  target = SAM_TARGET_SIZE,
  mean: readonly number[] = SAM_PIXEL_MEAN,
  std: readonly number[] = SAM_PIXEL_STD,
): Float32Array {
  if (rgb.length !== width * height * 3) {
    throw new TwinsegError('INTERNAL', `RGB buffer has ${rgb.length} bytes, expected ${width * height * 3}.`);
  }
  if (width > target || height > target) {
    throw new TwinsegError('INTERNAL', `Resized image ${width}x${height} exceeds the ${target} input size.`);
  }
  const plane = target * target;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const m = mean[c];
    const inv = 1 / std[c];
    const base = c * plane;
    for (let y = 0; y < height; y++) {
      const row = base + y * target;
      let src = y * width * 3 + c;
      for (let x = 0; x < width; x++, src += 3) out[row + x] = (rgb[src] - m) * inv;
    }
  }
  return out;
}

/** Resized RGB as float32 0-255 HWC, for encoders that normalise and pad inside the graph. */
export function rgbToFloatHwc(rgb: Uint8Array): Float32Array {
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = rgb[i];
  return out;
}

/** Original pixel → encoder frame, per axis as SAM's apply_coords does (new_w/old_w, new_h/old_h). */
export function toModelCoords(x: number, y: number, size: Pick<ResizedSize, 'scaleX' | 'scaleY'>): [number, number] {
  return [x * size.scaleX, y * size.scaleY];
}

/** Encoder frame → original pixel: the inverse of toModelCoords. */
export function fromModelCoords(x: number, y: number, size: Pick<ResizedSize, 'scaleX' | 'scaleY'>): [number, number] {
  return [x / size.scaleX, y / size.scaleY];
}

export interface DecoderPromptArrays {
  /** [1, n, 2] in the encoder frame. */
  coords: Float32Array;
  /** [1, n]: 1 positive, 0 negative, 2/3 box corners, -1 padding. */
  labels: Float32Array;
  n: number;
}

/**
 * A prompt in original pixels → SAM decoder point arrays. A box becomes two points labelled 2
 * (top-left) and 3 (bottom-right); a points-only prompt gets SAM's padding point (0,0) label -1,
 * as in SAM's ONNX example, because the ONNX decoder has no separate "no box" input.
 */
export function promptToDecoderArrays(
  prompt: Prompt,
  imageWidth: number,
  imageHeight: number,
  size: Pick<ResizedSize, 'scaleX' | 'scaleY'>,
): DecoderPromptArrays {
  const points = prompt.points ?? [];
  const box = prompt.box;
  if (points.length === 0 && !box) {
    throw new TwinsegError('INVALID_INPUT', 'A prompt needs at least one point or a box.');
  }
  const inside = (x: number, y: number) =>
    Number.isFinite(x) && Number.isFinite(y) && x >= 0 && y >= 0 && x <= imageWidth && y <= imageHeight;
  for (const p of points) {
    if (!inside(p.x, p.y)) {
      throw new TwinsegError('INVALID_INPUT', `Point (${p.x}, ${p.y}) lies outside the ${imageWidth}x${imageHeight} image.`, {
        hint: 'Give points in original image pixels, x in [0, width], y in [0, height].',
      });
    }
    if (p.label !== 0 && p.label !== 1) {
      throw new TwinsegError('INVALID_INPUT', `Point label ${String(p.label)} must be 1 (on the object) or 0 (not on it).`);
    }
  }
  if (box) {
    const [x1, y1, x2, y2] = box;
    if (!inside(x1, y1) || !inside(x2, y2) || x2 <= x1 || y2 <= y1) {
      throw new TwinsegError('INVALID_INPUT', `Box [${box.join(', ')}] is empty or outside the ${imageWidth}x${imageHeight} image.`, {
        hint: 'Give the box as [x1, y1, x2, y2] in original pixels with x2 > x1 and y2 > y1.',
      });
    }
  }
  const n = points.length + (box ? 2 : 1);
  const coords = new Float32Array(n * 2);
  const labels = new Float32Array(n);
  let i = 0;
  for (const p of points) {
    const [mx, my] = toModelCoords(p.x, p.y, size);
    coords[2 * i] = mx;
    coords[2 * i + 1] = my;
    labels[i++] = p.label;
  }
  if (box) {
    // Our boxes are exclusive at x2/y2; SAM's are inclusive pixel coordinates (last row/column).
    const corners: [number, number, number][] = [
      [box[0], box[1], 2],
      [box[2] - 1, box[3] - 1, 3],
    ];
    for (const [x, y, label] of corners) {
      const [mx, my] = toModelCoords(x, y, size);
      coords[2 * i] = mx;
      coords[2 * i + 1] = my;
      labels[i++] = label;
    }
  } else {
    coords[2 * i] = 0;
    coords[2 * i + 1] = 0;
    labels[i] = -1;
  }
  return { coords, labels, n };
}

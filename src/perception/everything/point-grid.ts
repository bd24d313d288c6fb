// Where SAM's automatic mask generator puts its prompts: an n×n grid of cell centres, and the
// overlapping crop tiles of each extra layer. Matches segment-anything's build_point_grid and
// generate_crop_boxes so presets mean the same as SAM's settings of the same name; plus the
// moves between a tile and the full image.
import { createHash } from 'node:crypto';
import type { Box, Rle } from '../../mask/rle.js';
import type { LoadedImage, Proposal } from '../contract.js';

/** n×n points in [0,1]², cell centres (offset 1/(2n)), x varying fastest, rows top to bottom. */
export function buildPointGrid(n: number): Array<[number, number]> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`points per side must be a positive integer, got ${n}`);
  const offset = 1 / (2 * n);
  const side = Array.from({ length: n }, (_, i) => (n === 1 ? 0.5 : offset + (i * (1 - 2 * offset)) / (n - 1)));
  const out: Array<[number, number]> = [];
  for (const y of side) for (const x of side) out.push([x, y]);
  return out;
}

/** The grid scaled into a box, in pixels of the full image. */
export function gridPointsInBox(n: number, box: Box): Array<[number, number]> {
  const [x1, y1, x2, y2] = box;
  return buildPointGrid(n).map(([u, v]) => [x1 + u * (x2 - x1), y1 + v * (y2 - y1)]);
}

/** Points per side for each crop layer: SAM shrinks the grid by `downscale` per layer. */
export function pointsPerSideForLayer(pointsPerSide: number, layer: number, downscale: number): number {
  return Math.max(1, Math.floor(pointsPerSide / downscale ** layer));
}

export interface CropBoxes {
  boxes: Box[];
  /** Layer of each box; 0 is the whole image. */
  layers: number[];
}

/**
 * The whole image, then for layer i (1-based) 2^i × 2^i tiles overlapping by
 * overlapRatio × shorter side × 2/2^i pixels, enumerated column of tiles by column (x outer).
 */
export function generateCropBoxes(width: number, height: number, nLayers: number, overlapRatio: number): CropBoxes {
  const boxes: Box[] = [[0, 0, width, height]];
  const layers = [0];
  const shortSide = Math.min(width, height);
  for (let layer = 1; layer <= nLayers; layer++) {
    const perSide = 2 ** layer;
    const overlap = Math.trunc(overlapRatio * shortSide * (2 / perSide));
    const cropW = Math.ceil((overlap * (perSide - 1) + width) / perSide);
    const cropH = Math.ceil((overlap * (perSide - 1) + height) / perSide);
    for (let i = 0; i < perSide; i++) {
      const x0 = Math.trunc((cropW - overlap) * i);
      for (let j = 0; j < perSide; j++) {
        const y0 = Math.trunc((cropH - overlap) * j);
        boxes.push([x0, y0, Math.min(x0 + cropW, width), Math.min(y0 + cropH, height)]);
        layers.push(layer);
      }
    }
  }
  return { boxes, layers };
}

/**
 * Whether a mask's box (full-image pixels, exclusive right/bottom) runs along a crop edge that is not
 * also an image edge: such masks are probably cut by the tile and the full image proposes them better.
 */
export function isBoxNearCropEdge(box: Box, crop: Box, width: number, height: number, tol = 20): boolean {
  const image: Box = [0, 0, width, height];
  // Compare inclusive maxima as SAM does (its boxes hold the last pixel, not one past it).
  const b = [box[0], box[1], box[2] - 1, box[3] - 1];
  const c = [crop[0], crop[1], crop[2] - 1, crop[3] - 1];
  const im = [image[0], image[1], image[2] - 1, image[3] - 1];
  for (let k = 0; k < 4; k++) {
    const nearCrop = Math.abs(b[k]! - c[k]!) <= tol;
    const nearImage = Math.abs(b[k]! - im[k]!) <= tol;
    if (nearCrop && !nearImage) return true;
  }
  return false;
}

/** Greedy farthest-point order, so the first points already span the image. */
export function coarseToFine(points: Array<[number, number]>): Array<[number, number]> {
  if (points.length === 0) return [];
  const left = points.slice();
  const dist = left.map(() => Infinity);
  const out: Array<[number, number]> = [];
  let next = 0;
  while (left.length > 0) {
    const [px, py] = left[next]!;
    out.push([px, py]);
    left.splice(next, 1);
    dist.splice(next, 1);
    next = 0;
    for (let i = 0; i < left.length; i++) {
      dist[i] = Math.min(dist[i]!, (left[i]![0] - px) ** 2 + (left[i]![1] - py) ** 2);
      if (dist[i]! > dist[next]!) next = i;
    }
  }
  return out;
}

/** A tile of the image as an image of its own, with an identity derived from the parent's. */
export function cropImage(image: LoadedImage, box: Box): LoadedImage {
  const [x1, y1, x2, y2] = box;
  const w = x2 - x1;
  const h = y2 - y1;
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const from = ((y1 + y) * image.width + x1) * 3;
    rgb.set(image.rgb.subarray(from, from + w * 3), y * w * 3);
  }
  const hash = createHash('sha256')
    .update(`${image.hash}:crop:${box.join(',')}`)
    .digest('hex');
  return { hash, width: w, height: h, rgb, source: `${image.source} [crop ${box.join(',')}]`, format: image.format };
}

/** Places a tile's mask into the full image; the prompt moves by the tile's offset too. */
export function uncropProposal(p: Proposal, box: Box, width: number, height: number): Proposal {
  const [x0, y0] = box;
  const rle = uncropRle(p.rle, x0, y0, width, height);
  const shift = (pt: { x: number; y: number; label: 0 | 1 }) => ({ x: pt.x + x0, y: pt.y + y0, label: pt.label });
  const b = p.bbox;
  const bbox: Box = p.area > 0 ? [b[0] + x0, b[1] + y0, b[2] + x0, b[3] + y0] : [0, 0, 0, 0];
  return { ...p, rle, bbox, prompt: { ...p.prompt, points: p.prompt.points?.map(shift) } };
}

export function uncropRle(rle: Rle, x0: number, y0: number, width: number, height: number): Rle {
  const ch = rle.height;
  const out: number[] = [];
  let end = 0; // end of the last foreground span written, full-image column-major
  let pos = 0;
  for (let k = 0; k < rle.counts.length; k++) {
    const n = rle.counts[k]!;
    if (k % 2 === 1) {
      // Split the run at column boundaries of the tile; each piece maps to one full-image column.
      let p = pos;
      while (p < pos + n) {
        const x = Math.floor(p / ch);
        const y = p - x * ch;
        const len = Math.min(pos + n - p, ch - y);
        const start = (x + x0) * height + y + y0;
        if (out.length > 0 && start === end) out[out.length - 1]! += len;
        else out.push(start - end, len);
        end = start + len;
        p += len;
      }
    }
    pos += n;
  }
  out.push(width * height - end);
  return { width, height, counts: Uint32Array.from(out) };
}

// A mask decoded only inside a box: what every per-object measurement (centroid, colour, outline,
// pictures) works on, so the cost follows the object's size, not the image's.
import type { Box, Rle } from './rle.js';

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
      for (let p = from; p < to;) {
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

import { describe, expect, it } from 'vitest';
import { chessboardDistance, deepestPixel, dilate, openBitmap } from '../../src/mask/bitmap-regions.js';

const W = 12;
const H = 8;

function bitmap(rects: [number, number, number, number][]): Uint8Array {
  const bits = new Uint8Array(W * H);
  for (const [x1, y1, x2, y2] of rects) for (let y = y1; y < y2; y++) bits.fill(1, y * W + x1, y * W + x2);
  return bits;
}

const count = (bits: Uint8Array) => bits.reduce((t, v) => t + v, 0);

describe('bitmap regions', () => {
  it('measures depth to the nearest background pixel or image edge, diagonals counting 1', () => {
    const d = chessboardDistance(bitmap([[2, 1, 9, 8]]), W, H);
    expect(d[1 * W + 2]).toBe(1);
    expect(d[4 * W + 5]).toBe(4); // four rows above the bottom edge, four columns from the left background
    expect(d[7 * W + 5]).toBe(1); // the last row touches the image edge
    expect(d[0]).toBe(0);
  });

  it('finds the deepest pixel, the one nearest the middle among equals', () => {
    expect(deepestPixel(bitmap([[0, 2, 12, 5]]), W, H)).toEqual([5.5, 3.5]);
    expect(deepestPixel(new Uint8Array(W * H), W, H)).toBeUndefined();
  });

  it('dilates by a square of 2r+1 and opens away slivers while a blob keeps its shape', () => {
    expect(count(dilate(bitmap([[5, 4, 6, 5]]), W, H, 1))).toBe(9);
    const blobAndSliver = bitmap([
      [1, 1, 6, 7],
      [8, 0, 9, 8],
    ]);
    const opened = openBitmap(blobAndSliver, W, H, 1);
    expect(opened).toEqual(bitmap([[1, 1, 6, 7]]));
  });
});

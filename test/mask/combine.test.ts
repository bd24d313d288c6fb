import { describe, expect, it } from 'vitest';
import { rleFromBitmap, rleToBitmap, type Rle } from '../../src/mask/rle.js';
import { combineMasks } from '../../src/mask/combine.js';

const W = 6;
const H = 4;

function rect(x1: number, y1: number, x2: number, y2: number): Rle {
  const bits = new Uint8Array(W * H);
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) bits[y * W + x] = 1;
  return rleFromBitmap(bits, W, H);
}

function pixels(rle: Rle): number[] {
  return Array.from(rleToBitmap(rle));
}

function expected(f: (x: number, y: number) => boolean): number[] {
  const out: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.push(f(x, y) ? 1 : 0);
  return out;
}

const a = rect(0, 0, 4, 3); // x 0..3, y 0..2
const b = rect(2, 1, 6, 4); // x 2..5, y 1..3
const c = rect(3, 0, 4, 4); // column x = 3

describe('combineMasks', () => {
  it('unions any number of masks pixel by pixel', () => {
    expect(pixels(combineMasks([a, b, c], 'union'))).toEqual(
      expected((x, y) => (x < 4 && y < 3) || (x >= 2 && y >= 1) || x === 3),
    );
  });

  it('intersects any number of masks pixel by pixel', () => {
    expect(pixels(combineMasks([a, b, c], 'intersection'))).toEqual(
      expected((x, y) => x === 3 && y >= 1 && y < 3),
    );
  });

  it('subtracts the union of the rest from the first mask', () => {
    expect(pixels(combineMasks([a, b, c], 'difference'))).toEqual(
      expected((x, y) => x < 4 && y < 3 && !(x >= 2 && y >= 1) && x !== 3),
    );
  });

  it('returns a single mask unchanged for every operation', () => {
    for (const op of ['union', 'intersection', 'difference'] as const) {
      expect(pixels(combineMasks([a], op))).toEqual(pixels(a));
    }
  });

  it('refuses an empty list and masks of different sizes with INVALID_INPUT', () => {
    expect(() => combineMasks([], 'union')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    const other = rleFromBitmap(new Uint8Array(4), 2, 2);
    expect(() => combineMasks([a, other], 'intersection')).toThrow(/different sizes/);
  });
});

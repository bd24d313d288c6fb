import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rleFromBitmap, rleToBitmap, type Rle } from '../../src/mask/rle.js';
import { combineMasks, MASK_OPS, type MaskOp } from '../../src/mask/combine.js';

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
    expect(pixels(combineMasks([a, b, c], 'union'))).toEqual(expected((x, y) => (x < 4 && y < 3) || (x >= 2 && y >= 1) || x === 3));
  });

  it('intersects any number of masks pixel by pixel', () => {
    expect(pixels(combineMasks([a, b, c], 'intersection'))).toEqual(expected((x, y) => x === 3 && y >= 1 && y < 3));
  });

  it('subtracts the union of the rest from the first mask', () => {
    expect(pixels(combineMasks([a, b, c], 'difference'))).toEqual(expected((x, y) => x < 4 && y < 3 && !(x >= 2 && y >= 1) && x !== 3));
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

  it('takes the excluded masks away from the combination', () => {
    expect(pixels(combineMasks([a, c], 'union', [b]))).toEqual(expected((x, y) => ((x < 4 && y < 3) || x === 3) && !(x >= 2 && y >= 1)));
    expect(pixels(combineMasks([a], 'union', []))).toEqual(pixels(a));
    const other = rleFromBitmap(new Uint8Array(4), 2, 2);
    expect(() => combineMasks([a], 'union', [other])).toThrow(/different sizes/);
  });
});

describe('mask expressions against a pixel oracle', () => {
  const SIDE = 9;
  const bitmap = fc.uint8Array({ minLength: SIDE * SIDE, maxLength: SIDE * SIDE, min: 0, max: 1 });
  const oracle = (op: MaskOp, ids: Uint8Array[], exclude: Uint8Array[], i: number): boolean => {
    const inIds =
      op === 'union'
        ? ids.some((m) => m[i] === 1)
        : op === 'intersection'
          ? ids.every((m) => m[i] === 1)
          : ids[0]![i] === 1 && ids.slice(1).every((m) => m[i] === 0);
    return inIds && exclude.every((m) => m[i] === 0);
  };

  it('combines random masks by op, minus the union of the excluded ones, pixel for pixel', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MASK_OPS),
        fc.array(bitmap, { minLength: 1, maxLength: 4 }),
        fc.array(bitmap, { maxLength: 3 }),
        (op, ids, exclude) => {
          const got = rleToBitmap(
            combineMasks(
              ids.map((m) => rleFromBitmap(m, SIDE, SIDE)),
              op,
              exclude.map((m) => rleFromBitmap(m, SIDE, SIDE)),
            ),
          );
          for (let i = 0; i < SIDE * SIDE; i++) expect(got[i], `pixel ${i}`).toBe(oracle(op, ids, exclude, i) ? 1 : 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

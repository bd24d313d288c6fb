import { describe, expect, it } from 'vitest';
import { cleanupMask, removeSmallRegions } from '../../../src/perception/masks/region-cleanup.js';
import { randomBits } from '../../helpers/random-bits.js';

/** Builds a row-major bitmap from rows of '#' (foreground) and '.' (background). */
function bitmap(rows: string[]): { bits: Uint8Array; w: number; h: number } {
  const h = rows.length;
  const w = rows[0]!.length;
  const bits = new Uint8Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (bits[y * w + x] = c === '#' ? 1 : 0)));
  return { bits, w, h };
}
const show = (bits: Uint8Array, w: number) =>
  Array.from({ length: bits.length / w }, (_, y) => [...bits.subarray(y * w, y * w + w)].map((v) => (v ? '#' : '.')).join(''));

describe('region cleanup', () => {
  const ring = ['.......', '.#####.', '.#...#.', '.#...#.', '.#####.', '.......'];

  it('fills a hole smaller than the area and reports the change', () => {
    const { bits, w, h } = bitmap(ring);
    expect(removeSmallRegions(bits, w, h, 7, 'holes')).toBe(true); // hole is 6 px
    expect(show(bits, w)).toEqual(['.......', '.#####.', '.#####.', '.#####.', '.#####.', '.......']);
  });

  it('keeps a hole of at least the area, and the outside background', () => {
    const { bits, w, h } = bitmap(ring);
    expect(removeSmallRegions(bits, w, h, 6, 'holes')).toBe(false);
    expect(show(bits, w)).toEqual(ring);
  });

  it('fills a small background notch enclosed by the mask and the image edge, as SAM does', () => {
    const rows = ['#.##', '####', '####'];
    const { bits, w, h } = bitmap(rows);
    expect(removeSmallRegions(bits, w, h, 2, 'holes')).toBe(true);
    expect(show(bits, w)).toEqual(['####', '####', '####']);
  });

  it('removes islands below the area but keeps the largest when all are small', () => {
    const rows = ['##....', '##....', '.....#', '......'];
    let { bits, w, h } = bitmap(rows);
    expect(removeSmallRegions(bits, w, h, 2, 'islands')).toBe(true);
    expect(show(bits, w)).toEqual(['##....', '##....', '......', '......']);
    ({ bits, w, h } = bitmap(rows));
    expect(removeSmallRegions(bits, w, h, 10, 'islands')).toBe(true);
    expect(show(bits, w)).toEqual(['##....', '##....', '......', '......']);
  });

  it('treats diagonal neighbours as connected (8-connectivity)', () => {
    const { bits, w, h } = bitmap(['#...', '.#..', '..#.', '....']);
    expect(removeSmallRegions(bits, w, h, 3, 'islands')).toBe(false);
  });

  it('fills holes before removing islands, and does nothing at area 0', () => {
    const rows = ['#####...', '#...#...', '#####..#', '........'];
    const { bits, w, h } = bitmap(rows);
    expect(cleanupMask(bits, w, h, 0)).toBe(false);
    expect(cleanupMask(bits, w, h, 5)).toBe(true);
    expect(show(bits, w)).toEqual(['#####...', '#####...', '#####...', '........']);
  });

  it('gives the same result when told a box holding the mask as when it scans for the box', () => {
    const w = 83;
    const h = 57;
    for (let seed = 1; seed <= 40; seed++) {
      const noise = randomBits(w, h, seed);
      // Foreground only inside a box, so the tight box and looser boxes around it differ from the image.
      const [x1, y1, x2, y2] = [seed % 9, (seed * 7) % 11, w - (seed % 13), h - ((seed * 3) % 8)];
      const bits = new Uint8Array(w * h);
      for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) bits[y * w + x] = noise[y * w + x]!;
      let [tx1, ty1, tx2, ty2] = [w, h, 0, 0];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          if (bits[y * w + x]) [tx1, ty1, tx2, ty2] = [Math.min(tx1, x), Math.min(ty1, y), Math.max(tx2, x + 1), Math.max(ty2, y + 1)];
      const area = 1 + (seed % 12);
      const scanned = bits.slice();
      const changed = cleanupMask(scanned, w, h, area);
      for (const box of [
        [tx1, ty1, tx2, ty2],
        [x1, y1, x2, y2],
        [tx1 - 3, ty1 - 2, tx2 + 5, ty2 + 9],
      ] as const) {
        const told = bits.slice();
        expect(cleanupMask(told, w, h, area, box)).toBe(changed);
        expect(Buffer.from(told).equals(Buffer.from(scanned))).toBe(true);
      }
    }
  });
});

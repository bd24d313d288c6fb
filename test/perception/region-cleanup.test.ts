import { describe, expect, it } from 'vitest';
import { cleanupMask, removeSmallRegions } from '../../src/perception/region-cleanup.js';

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
});

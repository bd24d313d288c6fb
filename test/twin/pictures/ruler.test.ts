import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rulerSvg, rulerTicks, tickStep } from '../../../src/twin/pictures/ruler.js';

describe('ruler ticks', () => {
  it('steps by 1, 2 or 5 × 10^k, the smallest that keeps numbers apart', () => {
    expect(tickStep(2.44, 60)).toBe(50);
    expect(tickStep(1, 60)).toBe(100);
    expect(tickStep(8, 60)).toBe(10);
    expect(tickStep(0.3, 60)).toBe(200);
    expect(tickStep(40, 10)).toBe(1);
  });

  it('puts each tick where its image coordinate falls on the picture, majors on round values', () => {
    const ticks = rulerTicks(80, 640, 2.5, 100);
    const majors = ticks.filter((t) => t.major);
    expect(majors.map((t) => t.value)).toEqual([100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600]);
    for (const t of ticks) expect(t.at).toBeCloseTo((t.value - 80) * 2.5, 9);
    const minors = ticks.filter((t) => !t.major);
    expect(minors.length).toBeGreaterThan(0);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.at - ticks[i - 1]!.at).toBeGreaterThanOrEqual(6);
  });

  it('draws white ticks across the top strip at the columns of their image coordinates', async () => {
    const window = { x1: 80, y1: 135, x2: 640, y2: 345, scale: 2.5 };
    const W = 1400;
    const H = 525;
    const ruler = rulerSvg(window, W, H, 14);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#808080"/>${ruler.svg}</svg>`;
    const { data } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => data[y * W + x]!;
    const y = ruler.top - 2;
    for (const v of [100, 200, 300, 400, 500, 600]) {
      const x = Math.round((v - 80) * 2.5);
      expect(Math.max(at(x - 1, y), at(x, y)), `tick ${v}`).toBeGreaterThan(200);
      // Between ticks the strip stays dark.
      expect(at(x + 6, y), `beside tick ${v}`).toBeLessThan(80);
    }
    expect(ruler.left).toBeGreaterThan(14);
  });
});

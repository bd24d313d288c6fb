import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/scenes/random.js';
import { pixelInShape, rasteriseShape, regularPolygon, starPoints, translateShape, type Shape } from '../../src/scenes/shapes.js';

function pixels(s: Shape, w: number, h: number): number {
  let n = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (pixelInShape(s, x, y)) n++;
  return n;
}

describe('shapes', () => {
  it('paints an axis-aligned rectangle as exactly its w×h pixels', () => {
    const r: Shape = { kind: 'rect', x: 5, y: 3, w: 10, h: 4 };
    expect(pixels(r, 30, 20)).toBe(40);
    expect(pixelInShape(r, 5, 3)).toBe(true);
    expect(pixelInShape(r, 14, 6)).toBe(true);
    expect(pixelInShape(r, 15, 6)).toBe(false);
  });

  it('paints a quarter-turned rectangle as the same rectangle on its side', () => {
    const turned: Shape = { kind: 'rect', x: 10, y: 20, w: 20, h: 10, angle: Math.PI / 2 };
    // Centre (20, 25): on its side it spans x 15..25, y 15..35.
    expect(pixels(turned, 60, 60)).toBe(200);
    expect(pixelInShape(turned, 15, 15)).toBe(true);
    expect(pixelInShape(turned, 25, 25)).toBe(false);
  });

  it('leaves a ring’s hole unpainted', () => {
    const ring: Shape = { kind: 'ring', cx: 50, cy: 50, rx: 40, ry: 40, inner: 0.5 };
    expect(pixelInShape(ring, 49, 49)).toBe(false);
    expect(pixelInShape(ring, 49, 15)).toBe(true);
    // π(40² − 20²) ≈ 3770
    expect(Math.abs(pixels(ring, 100, 100) - Math.PI * (1600 - 400))).toBeLessThan(60);
  });

  it('fills a five-pointed star by the even-odd rule, not its hull', () => {
    const star: Shape = { kind: 'polygon', points: starPoints(50, 50, 40, 16, 5) };
    expect(pixelInShape(star, 50, 50)).toBe(true);
    expect(pixelInShape(star, 50, 12)).toBe(true); // top spike
    expect(pixelInShape(star, 80, 25)).toBe(false); // between two spikes
    const hex: Shape = { kind: 'polygon', points: regularPolygon(50, 50, 30, 6) };
    // Regular hexagon area (3√3/2)·r² ≈ 2338
    expect(Math.abs(pixels(hex, 100, 100) - 2338)).toBeLessThan(40);
  });

  it('rasterises exactly the pixels it says are inside, within its box, for random shapes of every kind', () => {
    const rng = createRandom(7);
    const W = 120;
    const H = 90;
    const outside: string[] = [];
    for (let k = 0; k < 60; k++) {
      const cx = rng.range(-20, W + 20);
      const cy = rng.range(-20, H + 20);
      const angle = rng.range(-Math.PI, Math.PI);
      const shapes: Shape[] = [
        { kind: 'rect', x: cx, y: cy, w: rng.range(2, 40), h: rng.range(2, 40), angle },
        { kind: 'ellipse', cx, cy, rx: rng.range(2, 40), ry: rng.range(2, 40), angle },
        { kind: 'ring', cx, cy, rx: rng.range(2, 40), ry: rng.range(2, 40), inner: 0.5, angle },
        { kind: 'polygon', points: starPoints(cx, cy, rng.range(5, 40), rng.range(2, 5), rng.int(3, 7), angle) },
      ];
      for (const s of shapes) {
        const { box, bits } = rasteriseShape(s, W, H);
        const [x1, y1, x2, y2] = box;
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const inBox = x >= x1 && x < x2 && y >= y1 && y < y2;
            const painted = inBox && bits[(y - y1) * (x2 - x1) + (x - x1)] === 1;
            if (pixelInShape(s, x, y) !== painted) outside.push(`${s.kind} at ${x},${y}`);
          }
        }
      }
    }
    expect(outside).toEqual([]);
  });

  it('moves every kind of shape by whole pixels without changing its pixel count', () => {
    const shapes: Shape[] = [
      { kind: 'rect', x: 10.3, y: 12.1, w: 15, h: 9, angle: 0.3 },
      { kind: 'ellipse', cx: 30, cy: 30, rx: 12, ry: 7 },
      { kind: 'ring', cx: 30, cy: 30, rx: 14, ry: 10, inner: 0.6 },
      { kind: 'polygon', points: starPoints(30, 30, 15, 6, 5) },
    ];
    for (const s of shapes) expect(pixels(translateShape(s, 7, 11), 80, 80)).toBe(pixels(s, 80, 80));
  });
});

// Procedural texture: value noise on an integer lattice, summed over octaves (fractal Brownian motion).
// Stateless per pixel, so textures are deterministic from a seed and independent of drawing order.
import { hash2 } from './random.js';

const smooth = (t: number): number => t * t * (3 - 2 * t);

/** Value noise in [0, 1) at (x, y), lattice spacing 1. */
export function valueNoise(x: number, y: number, seed: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const tx = smooth(x - x0);
  const ty = smooth(y - y0);
  const a = hash2(x0, y0, seed);
  const b = hash2(x0 + 1, y0, seed);
  const c = hash2(x0, y0 + 1, seed);
  const d = hash2(x0 + 1, y0 + 1, seed);
  const top = a + (b - a) * tx;
  const bottom = c + (d - c) * tx;
  return top + (bottom - top) * ty;
}

export interface NoiseSpec {
  seed: number;
  /** Size in pixels of the coarsest octave's features along x and y (stretch one for streaks). */
  scaleX: number;
  scaleY: number;
  /** Octaves, each at twice the frequency and half the weight of the one before. */
  octaves: number;
}

/** Fractal noise in [-1, 1] (roughly centred on 0). */
export function fractalNoise(x: number, y: number, spec: NoiseSpec): number {
  let sum = 0;
  let weight = 1;
  let total = 0;
  let fx = 1 / spec.scaleX;
  let fy = 1 / spec.scaleY;
  for (let o = 0; o < spec.octaves; o++) {
    sum += weight * valueNoise(x * fx, y * fy, spec.seed + o * 1013);
    total += weight;
    weight *= 0.5;
    fx *= 2;
    fy *= 2;
  }
  return (2 * sum) / total - 1;
}

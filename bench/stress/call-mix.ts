// The follow-up calls of the soak, drawn at random (seeded) in the proportions a host makes them:
// filter_objects, get_mask in every format, label_objects (each a new revision) and resources/read of
// twin://{id}, its marks picture and mask URIs. One call in a hundred is deliberately wrong (an object
// id the twin lacks) so the error path is soaked too; those count as expected refusals.
import { COLOR_NAMES } from '../../src/twin/colour.js';
import { RELATION_KINDS } from '../../src/twin/relations.js';
import { POSITION_NAMES } from '../../src/twin/scene-model.js';

export interface LiveTwin {
  id: string;
  objects: number;
  width: number;
  height: number;
}

export type Call =
  { kind: 'tool'; name: string; args: Record<string, unknown>; expectCode?: string } | { kind: 'read'; uri: string; expectCode?: string };

/** A short label for tallies: the tool name, or the resource's kind. */
export function targetOf(call: Call): string {
  if (call.kind === 'tool') return call.name === 'get_mask' ? `get_mask:${String(call.args.format)}` : call.name;
  return call.uri.includes('/mask/') ? 'read:mask' : call.uri.endsWith('/marks.jpg') ? 'read:marks' : 'read:twin';
}

/** Deterministic numbers (mulberry32), so two runs make the same calls. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const WORDS = ['cup', 'house', 'tree', 'car', 'window', 'door', 'wheel', 'sun', 'cloud', 'fence', 'roof', 'dog'];
const FORMATS = ['rle', 'rle', 'png', 'png', 'polygon', 'polygon', 'cutout', 'overlay', 'overlay'] as const;
const EXTENSIONS = ['png', 'rle.json', 'polygon.json', 'cutout.png', 'overlay.jpg', 'overlay-crop.jpg'];
const OPS = ['union', 'union', 'intersection', 'difference'] as const;

export function makeCallMix(random: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const idOf = (t: LiveTwin) => 1 + Math.floor(random() * t.objects);
  const idsOf = (t: LiveTwin) => [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => idOf(t)))];

  function predicate(t: LiveTwin): Record<string, unknown> {
    const leaves: (() => Record<string, unknown>)[] = [
      () => ({ level: pick(['whole', 'part']) }),
      () => ({ color: pick(COLOR_NAMES) }),
      () => ({ area_pct: { min: Math.round(random() * 10) } }),
      () => ({ region: pick(POSITION_NAMES) }),
      () => ({ region: { box: [0, 0, Math.round(t.width * random()), Math.round(t.height * random())], mode: 'overlaps' } }),
      () => ({ left_of: idOf(t) }),
      () => ({ inside: idOf(t) }),
      () => ({ contains: idOf(t) }),
      () => ({ touches: idOf(t) }),
      () => ({ near: { id: idOf(t), k: 3 } }),
      () => ({ contains_point: [Math.floor(random() * t.width), Math.floor(random() * t.height)] }),
      () => ({ text: pick(WORDS) }),
    ];
    return pick(leaves)();
  }

  function filter(t: LiveTwin): Call {
    const query: Record<string, unknown> = t.objects > 0 ? { where: predicate(t) } : {};
    const roll = random();
    if (t.objects > 0 && roll < 0.25) query.or = [predicate(t), predicate(t)];
    else if (t.objects > 0 && roll < 0.4) query.not = [predicate(t)];
    if (random() < 0.3)
      query.sort = pick([{ by: 'area', order: 'desc' }, { by: 'x' }, { by: 'distance', point: [t.width / 2, t.height / 2] }]);
    if (random() < 0.3) query.limit = 5;
    const args: Record<string, unknown> = { twin_id: t.id, query };
    if (random() < 0.2) args.relations = [pick(RELATION_KINDS)];
    return { kind: 'tool', name: 'filter_objects', args };
  }

  function mask(t: LiveTwin): Call {
    const format = pick(FORMATS);
    // A cut-out of an empty mask is refused (nothing to cut out), and an intersection may be empty.
    const op = format === 'cutout' ? 'union' : pick(OPS);
    return {
      kind: 'tool',
      name: 'get_mask',
      args: { twin_id: t.id, ids: idsOf(t), op, format, ...(format === 'overlay' && random() < 0.5 ? { crop: true } : {}) },
    };
  }

  function label(t: LiveTwin): Call {
    const labels = idsOf(t).map((id) => ({
      id,
      label: `${pick(WORDS)} ${Math.floor(random() * 1000)}`,
      ...(random() < 0.3 ? { attributes: [pick(COLOR_NAMES)] } : {}),
    }));
    return { kind: 'tool', name: 'label_objects', args: { twin_id: t.id, labels } };
  }

  function read(t: LiveTwin): Call {
    const roll = random();
    if (roll < 0.4 || t.objects === 0) return { kind: 'read', uri: `twin://${t.id}` };
    if (roll < 0.7) return { kind: 'read', uri: `twin://${t.id}/marks.jpg` };
    const ext = pick(EXTENSIONS);
    return { kind: 'read', uri: `twin://${t.id}/mask/${ext === 'cutout.png' ? 'union' : pick(OPS)}-${idsOf(t).join('-')}.${ext}` };
  }

  /** A call on `t`: filter 35%, get_mask 30%, resources/read 20%, label 14%, a deliberate refusal 1%. */
  return (t: LiveTwin): Call => {
    const roll = random();
    if (roll < 0.01)
      return {
        kind: 'tool',
        name: 'get_mask',
        args: { twin_id: t.id, ids: [t.objects + 7], format: 'rle' },
        expectCode: 'OBJECT_NOT_FOUND',
      };
    if (t.objects === 0) return roll < 0.5 ? filter(t) : read(t);
    if (roll < 0.36) return filter(t);
    if (roll < 0.66) return mask(t);
    if (roll < 0.86) return read(t);
    return label(t);
  };
}

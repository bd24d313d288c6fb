// A Twin as a JSON file and back. Masks travel as COCO compressed RLE strings (a few hundred bytes
// each); everything read back is validated, because the file may be truncated, hand-edited or from
// another version.
//
// File layout (schema_version 2; version 1 files, which have no "revision", are read too):
//   { "schema_version": 2, "id", "image", "model", "params", "createdAt", "objects": [...],
//     "masks": { "<object id>": { "size": [h, w], "counts": "<pycocotools string>" } },
//     "revision": { "base", "parent", "change", "masksOf" } }      (revisions only)
// A revision's file holds only the masks its base twin does not have (added or changed objects); the
// store completes it from the base when loading.
// Non-finite numbers (a NaN score) are written as null and read back as NaN, so JSON's lack of NaN
// cannot turn a valid twin into an unreadable file.
import { z } from 'zod';
import type { Rle } from '../../mask/rle.js';
import { TwinsegError, errorMessage } from '../../errors.js';
import { decodeCocoRle, encodeCocoRle } from '../../mask/coco-rle.js';
import { PROPOSAL_STAGES } from '../../perception/contract.js';
import { POSITION_NAMES, SCHEMA_VERSION, type Twin, type TwinObject } from '../scene-model.js';

const num = z.union([z.number(), z.null().transform(() => NaN)]);
const int = z.number().int();
const point = z.tuple([num, num]);
const semanticSource = z.enum(['host', 'detector', 'user']);
const slot = <T extends z.ZodType>(value: T) => z.object({ value, source: semanticSource });

// Loose: fields added to TwinObject later survive a save/load even before this schema learns them.
const objectSchema = z.looseObject({
  id: int.positive(),
  level: z.enum(['whole', 'part']),
  parent: int.nullable(),
  children: z.array(int),
  bbox: z.tuple([int, int, int, int]),
  area: int.nonnegative(),
  areaFraction: num,
  centroid: point,
  position: z.enum(POSITION_NAMES),
  color: z.object({ mean: z.string(), dominant: z.string(), name: z.string() }),
  shape: z.object({ aspectRatio: num, solidity: num, circularity: num }),
  outline: z.object({ points: z.array(point), holes: int.nonnegative() }),
  scores: z.object({ predictedIou: num, stability: num }),
  occludedBy: z.array(int).optional(),
  origin: z.enum(PROPOSAL_STAGES),
  semantics: z.looseObject({
    label: slot(z.string()).optional(),
    description: slot(z.string()).optional(),
    attributes: slot(z.array(z.string())).optional(),
  }),
});

const twinId = z.string().regex(/^tw_[0-9a-f]{16}$/);

const fileSchema = z.object({
  schema_version: z.union([z.literal(1), z.literal(SCHEMA_VERSION)]),
  id: z.string().min(1),
  image: z.object({
    hash: z.string(),
    width: int.positive(),
    height: int.positive(),
    source: z.string(),
  }),
  model: z.string(),
  params: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  objects: z.array(objectSchema),
  masks: z.record(z.string().regex(/^[1-9][0-9]*$/), z.object({ size: z.tuple([int, int]), counts: z.string() })),
  revision: z.object({ base: twinId, parent: twinId, change: z.string(), masksOf: twinId }).optional(),
});

const sameMask = (a: Rle, b: Rle | undefined): boolean =>
  a === b || (b !== undefined && a.counts.length === b.counts.length && a.counts.every((c, i) => c === b.counts[i]));

/** `base`: the perception twin of a revision; masks equal to its masks are left out of the file. */
export function serializeTwin(twin: Twin, base?: Twin): string {
  const masks: Record<string, { size: [number, number]; counts: string }> = {};
  for (const [id, rle] of [...twin.masks].sort((a, b) => a[0] - b[0])) {
    if (twin.revision && base && sameMask(rle, base.masks.get(id))) continue;
    masks[String(id)] = encodeCocoRle(rle);
  }
  const file = {
    schema_version: SCHEMA_VERSION,
    id: twin.id,
    image: twin.image,
    model: twin.model,
    params: twin.params,
    createdAt: twin.createdAt,
    objects: twin.objects,
    masks,
    ...(twin.revision ? { revision: twin.revision } : {}),
  };
  return JSON.stringify(file, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

const REVISION_KEY = '"revision":{"base":"';

/**
 * The base twin of a stored twin from the end of its file, without parsing the rest: serializeTwin writes
 * "revision" last, with "base" first in it. Undefined for a perception twin, or when `tail` does not
 * reach back to the revision (then read the whole file and call it again).
 */
export function baseAtEnd(tail: string): string | undefined {
  const at = tail.lastIndexOf(REVISION_KEY);
  if (at < 0) return undefined;
  const id = tail.slice(at + REVISION_KEY.length, at + REVISION_KEY.length + 19);
  return twinId.safeParse(id).success ? id : undefined;
}

/** A file as read: a revision's twin may still lack the masks its base holds (`inherited`). */
export interface DecodedTwin {
  twin: Twin;
  inherited: number[];
}

/** For files without inherited masks (perception twins, or self-contained revisions). */
export function deserializeTwin(text: string): Twin {
  const { twin, inherited } = decodeTwinFile(text);
  if (inherited.length > 0) throw bad(`object ${inherited[0]} has no mask`);
  return twin;
}

/** Completes a revision with its base's masks; throws when the base lacks one. */
export function withBaseMasks(decoded: DecodedTwin, base: Twin): Twin {
  for (const id of decoded.inherited) {
    const rle = base.masks.get(id);
    if (!rle) throw bad(`object ${id} has no mask in revision ${decoded.twin.id} nor in its base ${base.id}`);
    decoded.twin.masks.set(id, rle);
  }
  return decoded.twin;
}

/** Throws TwinsegError (INVALID_INPUT) for anything malformed or of an unknown schema version. */
export function decodeTwinFile(text: string): DecodedTwin {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(`not valid JSON (${errorMessage(e)})`);
  }
  const version = (raw as { schema_version?: unknown } | null)?.schema_version;
  if (version !== SCHEMA_VERSION && version !== 1) {
    throw bad(`schema_version ${JSON.stringify(version)}, this twinseg reads 1 and ${SCHEMA_VERSION}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw bad(`${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`);
  }
  const f = parsed.data;
  const objects: TwinObject[] = f.objects;
  const ids = new Set<number>();
  for (const o of objects) {
    if (ids.has(o.id)) throw bad(`object id ${o.id} appears twice`);
    ids.add(o.id);
  }
  const masks = new Map<number, Rle>();
  for (const [key, coco] of Object.entries(f.masks)) {
    const id = Number(key);
    if (!ids.has(id)) throw bad(`mask ${id} belongs to no object`);
    const [h, w] = coco.size;
    if (w !== f.image.width || h !== f.image.height) {
      throw bad(`mask ${id} is ${w}x${h} but the image is ${f.image.width}x${f.image.height}`);
    }
    masks.set(id, decodeCocoRle(coco));
  }
  const inherited = [...ids].filter((id) => !masks.has(id));
  if (inherited.length > 0 && !f.revision) throw bad(`object ${inherited[0]} has no mask`);
  const twin: Twin = {
    id: f.id,
    schemaVersion: SCHEMA_VERSION,
    image: f.image,
    model: f.model,
    params: f.params,
    createdAt: f.createdAt,
    objects,
    masks,
  };
  if (f.revision) twin.revision = f.revision;
  return { twin, inherited };
}

function bad(why: string): TwinsegError {
  return new TwinsegError('INVALID_INPUT', `Unreadable twin file: ${why}.`, {
    hint: 'Build the twin again with build_digital_twin.',
  });
}

// The typed object query the host sends to find objects. Bounded depth on purpose: a query is a
// set of leaf predicates (all must hold) plus `and` / `or` / `not` lists of leaf predicates, which
// covers "(A or B) and not C" without recursion. The predicate object is defined once: its zod `id`
// makes the JSON Schema a `$ref` to one definition instead of four copies (tools/list is sent to the
// model on every turn). Unknown fields and bad values are errors that list what is allowed.
import { z } from 'zod';
import { COLOR_NAMES } from '../colour.js';
import { POSITION_NAMES } from '../scene-model.js';

// No `maximum` or `minimum` noise in the JSON Schema, repeated at each of the many id fields of tools/list: a
// number type plus the checks that zod enforces (the ids a host reads off the picture start at 1 anyway).
const Id = z.number().refine((n) => Number.isSafeInteger(n) && n >= 1, 'Expected a positive integer object id.');
const list = (values: readonly string[]) => values.join(', ');
const Color = z.enum(COLOR_NAMES).meta({ id: 'Color' });

/** strictObject whose unknown-field error names the fields that do exist (tool inputs use it too). */
export function strict<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `Unknown field(s): ${issue.keys.join(', ')}. Known fields here: ${known}.` : undefined,
  });
}

/** The leaf predicates, described once (they appear once in the JSON Schema). */
function predicateShape() {
  const d = <T extends z.ZodType>(schema: T, text: string): T => schema.describe(text);
  // Relations are described once, on the predicate object, not per field.
  const relation = (_what: string) => Id.optional();
  const range = (unit: string, max?: number) => {
    const n = max === undefined ? z.number().min(0) : z.number().min(0).max(max);
    return d(strict({ min: n.optional(), max: n.optional() }), `Range in ${unit}.`);
  };
  return {
    ids: d(z.array(Id).min(1).optional(), 'Only these ids.'),
    text: d(z.string().min(1).optional(), 'In the label, description or attributes.'),
    level: d(z.enum(['whole', 'part']).optional(), 'part: inside another object.'),
    parent: d(Id.optional(), 'Id: its direct parts.'),
    color: d(
      z
        .union([Color, z.array(Color).min(1)], {
          error: `Expected a colour name or a list of them: ${list(COLOR_NAMES)}.`,
        })
        .optional(),
      'Colour name, or several.',
    ),
    area_pct: range('% of the image', 100).optional(),
    area_px: range('pixels').optional(),
    region: d(
      z
        .union(
          [
            z.enum(POSITION_NAMES),
            strict({
              box: z.array(z.number()).length(4),
              mode: z.enum(['centroid', 'within', 'overlaps']).optional(),
            }),
          ],
          { error: `Expected one of ${list(POSITION_NAMES)}, or {"box": [x1, y1, x2, y2], "mode": "centroid"|"within"|"overlaps"}.` },
        )
        .optional(),
      'Third of the image holding the centroid, or {box, mode}.',
    ),
    left_of: relation('left of it'),
    right_of: relation('right of it'),
    above: relation('above it'),
    below: relation('below it'),
    inside: relation('inside it (its parts, recursively)'),
    contains: relation('containing it'),
    overlaps: relation('sharing pixels with it, neither inside the other'),
    touches: relation('touching it (≤ 2 px apart, no shared pixel)'),
    near: d(
      z
        .union([Id, strict({ id: Id, k: z.int().min(1).max(100).optional() })], { error: 'Expected an object id or {"id": N, "k": K}.' })
        .optional(),
      'Id or {id, k}: the k (default 3) nearest.',
    ),
    contains_point: d(z.array(z.number()).length(2).optional(), '[x, y]: masks covering this pixel.'),
  };
}

export const FilterPredicateSchema = strict(predicateShape())
  .describe('left_of … touches: an object id; keeps objects so related to it (inside: parts of parts too).')
  .meta({ id: 'FilterPredicate' });

export const FilterSortSchema = strict({
  by: z.enum(['id', 'area', 'x', 'y', 'distance']).describe('x, y: centroid.'),
  order: z.enum(['asc', 'desc']).optional(),
  point: z.array(z.number()).length(2).optional(),
  object: Id.optional(),
});

export const FilterQuerySchema = strict({
  ...FilterPredicateSchema.shape,
  and: z.array(FilterPredicateSchema).optional().describe('Every one of these must hold too.'),
  or: z.array(FilterPredicateSchema).min(1).optional().describe('At least one of these must hold.'),
  not: z.array(FilterPredicateSchema).min(1).optional().describe('None of these may hold.'),
  sort: FilterSortSchema.optional(),
  limit: z.int().min(1).max(1000).optional().describe('At most this many (total counts all).'),
  offset: z.int().min(0).max(1_000_000).optional().describe('Skip this many (paging).'),
});

export type FilterPredicate = z.infer<typeof FilterPredicateSchema>;
export type FilterSort = z.infer<typeof FilterSortSchema>;
export type FilterQuery = z.infer<typeof FilterQuerySchema>;

/**
 * The query as tools take it: the predicate object appears once in the JSON Schema (as a definition),
 * with `where` holding the predicates that must all hold. toFilterQuery turns it into a FilterQuery.
 */
export const FilterRequestSchema = strict({
  where: FilterPredicateSchema.optional(),
  or: FilterQuerySchema.shape.or,
  not: FilterQuerySchema.shape.not,
  sort: FilterQuerySchema.shape.sort,
  limit: FilterQuerySchema.shape.limit,
  offset: FilterQuerySchema.shape.offset,
});

export type FilterRequest = z.infer<typeof FilterRequestSchema>;

export function toFilterQuery({ where, ...rest }: FilterRequest): FilterQuery {
  return { ...where, ...rest };
}

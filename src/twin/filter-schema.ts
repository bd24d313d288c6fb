// The typed object query the host sends to find objects. Bounded depth on purpose: a query is a
// set of leaf predicates (all must hold) plus `and` / `or` / `not` lists of leaf predicates, which
// covers "(A or B) and not C" without recursion, so z.toJSONSchema gives MCP clients a flat,
// self-contained schema. Unknown fields are errors that list the fields that exist.
import { z } from 'zod';
import { COLOR_NAMES } from './colour.js';
import { POSITION_NAMES } from './types.js';


const Id = z.number().int().positive();

/** strictObject whose unknown-field error names the fields that do exist. */
function strict<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `Unknown field(s): ${issue.keys.join(', ')}. Known fields here: ${known}.`
        : undefined,
  });
}

/**
 * The leaf predicates. Described once, at the top level of the query; the copies inside
 * and/or/not go without descriptions, which keeps the JSON Schema near half the size.
 */
function predicateShape(described: boolean) {
  const d = <T extends z.ZodType>(schema: T, text: string): T => (described ? schema.describe(text) : schema);
  const relation = (what: string) => d(Id.optional(), `Object id: keep objects ${what} this object.`);
  const range = (unit: string, max?: number) => {
    const n = max === undefined ? z.number().min(0) : z.number().min(0).max(max);
    return d(strict({ min: n.optional(), max: n.optional() }), `Inclusive range in ${unit}; either end optional.`);
  };
  return {
    ids: d(z.array(Id).min(1).optional(), 'Keep only these object ids.'),
    text: d(z.string().min(1).optional(), 'Case-insensitive substring of the label, description or an attribute.'),
    level: d(z.enum(['whole', 'part']).optional(), 'whole: top-level objects; part: objects inside another.'),
    parent: d(Id.optional(), 'Keep the direct parts of this object.'),
    color: d(
      z.union([z.enum(COLOR_NAMES), z.array(z.enum(COLOR_NAMES)).min(1)]).optional(),
      'Basic colour name (or any of several).',
    ),
    area: range('fractions of the image area (0–1)', 1).optional(),
    area_px: range('pixels').optional(),
    region: d(
      z
        .union([
          z.enum(POSITION_NAMES),
          strict({
            box: z.array(z.number()).length(4),
            mode: z.enum(['centroid', 'within', 'overlaps']).optional(),
          }),
        ])
        .optional(),
      "A coarse cell of the image (thirds) holding the object's centroid, or {box: [x1, y1, x2, y2] px, " +
        'mode}: centroid (default) = centroid in the box, within = bbox inside it, overlaps = bbox meets it.',
    ),
    left_of: relation('left of'),
    right_of: relation('right of'),
    above: relation('above'),
    below: relation('below'),
    inside: relation('inside (parts and sub-parts of)'),
    contains: relation('containing (wholes and ancestors of)'),
    overlaps: relation('overlapping (sharing pixels, neither inside the other)'),
    touches: relation('touching (no shared pixel, at most 2 px of background between)'),
    near: d(
      z.union([Id, strict({ id: Id, k: z.number().int().min(1).max(100).optional() })]).optional(),
      'Object id or {id, k}: keep the k (default 3) objects nearest to it, not counting its own parts or wholes.',
    ),
    contains_point: d(
      z.array(z.number()).length(2).optional(),
      '[x, y] in pixels: keep objects whose mask covers this pixel.',
    ),
  };
}

export const FilterPredicateSchema = strict(predicateShape(false));

export const FilterSortSchema = strict({
  by: z.enum(['id', 'area', 'x', 'y', 'distance']).describe('x / y: of the centroid.'),
  order: z.enum(['asc', 'desc']).optional().describe('Default asc (area: desc).'),
  point: z.array(z.number()).length(2).optional().describe('by distance: [x, y] to measure from.'),
  object: Id.optional().describe("by distance: object id whose centroid to measure from."),
});

export const FilterQuerySchema = strict({
  ...predicateShape(true),
  and: z.array(FilterPredicateSchema).optional().describe('Every one of these must hold too (same fields as the top level).'),
  or: z.array(FilterPredicateSchema).min(1).optional().describe('At least one of these must hold (same fields as the top level).'),
  not: z.array(FilterPredicateSchema).min(1).optional().describe('None of these may hold (same fields as the top level).'),
  sort: FilterSortSchema.optional().describe('Default: by id, ascending.'),
  limit: z.number().int().min(1).max(1000).optional().describe('At most this many objects (total still counts all).'),
  offset: z.number().int().min(0).optional().describe('Skip this many matches first (paging).'),
});

export type FilterPredicate = z.infer<typeof FilterPredicateSchema>;
export type FilterSort = z.infer<typeof FilterSortSchema>;
export type FilterQuery = z.infer<typeof FilterQuerySchema>;

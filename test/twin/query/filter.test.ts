import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTwin } from '../../../src/twin/build-twin.js';
import { filterObjects } from '../../../src/twin/query/filter.js';
import { FilterQuerySchema, FilterRequestSchema, toFilterQuery, type FilterQuery } from '../../../src/twin/query/filter-schema.js';
import { setSemantics } from '../../../src/twin/semantics.js';
import { standardScene } from '../scene-fixture.js';

// Ids: 1 red rectangle (left), 2 green disc (right), 3 gray post touching 1 (center),
// 4 blue window inside 1 (top-left), 5 yellow tag below 2 (bottom-right).
const { scene, proposals } = standardScene();
const twin = buildTwin(scene.image(), proposals, { model: 'm', params: {} });
setSemantics(twin, 2, { label: 'Mug' }, 'host');
setSemantics(twin, 5, { description: 'a small sticker' }, 'host');
setSemantics(twin, 1, { attributes: ['shiny', 'metal'] }, 'user');

const ids = (q: FilterQuery) => filterObjects(twin, FilterQuerySchema.parse(q)).objects.map((o) => o.id);

describe('filter predicates', () => {
  it.each<[string, FilterQuery, number[]]>([
    ['ids', { ids: [5, 2] }, [2, 5]],
    ['text in label, any case', { text: 'mug' }, [2]],
    ['text in description', { text: 'STICKER' }, [5]],
    ['text in attributes', { text: 'shin' }, [1]],
    ['level part', { level: 'part' }, [4]],
    ['level whole', { level: 'whole' }, [1, 2, 3, 5]],
    ['parent', { parent: 1 }, [4]],
    ['one colour', { color: 'red' }, [1]],
    ['any of colours', { color: ['green', 'yellow'] }, [2, 5]],
    ['area percent', { area_pct: { min: 10 } }, [1, 2]],
    ['area pixels', { area_px: { max: 400 } }, [4, 5]],
    ['coarse position', { region: 'right' }, [2]],
    ['centroid in box', { region: { box: [100, 0, 200, 100] } }, [2, 5]],
    ['bbox within box', { region: { box: [0, 0, 100, 70], mode: 'within' } }, [1, 3, 4]],
    ['bbox overlaps box', { region: { box: [85, 0, 95, 100], mode: 'overlaps' } }, [1, 3]],
    ['left_of', { left_of: 2 }, [1, 3, 4]],
    ['right_of', { right_of: 1 }, [2, 3, 5]],
    ['above', { above: 5 }, [1, 2, 3, 4]],
    ['below', { below: 1 }, [5]],
    ['inside', { inside: 1 }, [4]],
    ['contains', { contains: 4 }, [1]],
    ['touches', { touches: 1 }, [3]],
    ['overlaps', { overlaps: 1 }, []],
    ['near (3 nearest, own parts excluded)', { near: 1 }, [2, 3, 5]],
    ['near with k', { near: { id: 1, k: 1 } }, [3]],
    ['contains_point', { contains_point: [30.7, 30.2] }, [1, 4]],
    ['contains_point on background', { contains_point: [0, 0] }, []],
  ])('%s', (_, q, expected) => {
    expect(ids(q)).toEqual(expected);
  });
});

describe('combinations, sorting and paging', () => {
  it('combines or, and, not with top-level predicates', () => {
    expect(ids({ or: [{ color: 'red' }, { color: 'green' }] })).toEqual([1, 2]);
    expect(ids({ not: [{ level: 'part' }] })).toEqual([1, 2, 3, 5]);
    expect(ids({ and: [{ left_of: 2 }, { above: 5 }] })).toEqual([1, 3, 4]);
    expect(ids({ level: 'whole', or: [{ left_of: 2 }, { below: 2 }], not: [{ color: 'gray' }] })).toEqual([1, 5]);
  });

  it('sorts by area, position and distance', () => {
    expect(ids({ sort: { by: 'area' } })).toEqual([1, 2, 3, 4, 5]);
    expect(ids({ sort: { by: 'area', order: 'asc' } })).toEqual([5, 4, 3, 2, 1]);
    expect(ids({ sort: { by: 'x' } })).toEqual([4, 1, 3, 2, 5]);
    expect(ids({ sort: { by: 'y', order: 'desc' } })).toEqual([5, 2, 1, 3, 4]);
    expect(ids({ sort: { by: 'distance', point: [160, 90] } })[0]).toBe(5);
    expect(ids({ sort: { by: 'distance', object: 3 } }).slice(0, 2)).toEqual([3, 1]);
  });

  it('limits and offsets while total counts every match', () => {
    const q = FilterQuerySchema.parse({ level: 'whole', sort: { by: 'area' }, limit: 2, offset: 1 });
    const r = filterObjects(twin, q);
    expect(r.objects.map((o) => o.id)).toEqual([2, 3]);
    expect(r.total).toBe(4);
  });
});

describe('errors', () => {
  it('names missing ids and the ids that exist', () => {
    expect(() => filterObjects(twin, { ids: [7], left_of: 9 })).toThrow(
      expect.objectContaining({
        code: 'OBJECT_NOT_FOUND',
        message: expect.stringContaining('7, 9'),
        hint: expect.stringContaining('Use ids the twin has: 1–5'),
      }),
    );
    expect(() => filterObjects(twin, { or: [{ inside: 42 }] })).toThrow(/No object with id 42/);
  });

  it('asks for a point or an object when sorting by distance', () => {
    expect(() => filterObjects(twin, { sort: { by: 'distance' } })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('rejects unknown fields, listing the fields that exist, at every level', () => {
    const top = FilterQuerySchema.safeParse({ colour: 'red' });
    expect(top.success).toBe(false);
    expect(top.error!.issues[0]!.message).toMatch(
      /Unknown field\(s\): colour\. Known fields here: ids, text, .*color.*sort, limit, offset\./,
    );
    const inner = FilterQuerySchema.safeParse({ or: [{ lft_of: 2 }] });
    expect(inner.error!.issues[0]).toMatchObject({ path: ['or', 0], message: expect.stringMatching(/lft_of.*left_of/) });
    expect(FilterQuerySchema.safeParse({ color: 'mauve' }).success).toBe(false);
  });

  it('converts to a JSON Schema with the predicate defined once and referenced, without recursion', () => {
    const js = z.toJSONSchema(FilterRequestSchema) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
      $defs: Record<string, unknown>;
    };
    expect(Object.keys(js.properties)).toEqual(['where', 'or', 'not', 'sort', 'limit', 'offset']);
    expect(js.additionalProperties).toBe(false);
    expect(Object.keys(js.$defs).sort()).toEqual(['Color', 'FilterPredicate']);
    // The predicate's fields appear once, in its definition.
    expect(JSON.stringify(js).match(/"left_of"/g)).toHaveLength(1);
    expect(JSON.stringify(js.$defs.Color)).not.toContain('$ref');
    expect(JSON.stringify(js)).not.toContain('9007199254740991');
  });
});

it('turns the tool query ({where, or, not, ...}) into the same filter as the flat query', () => {
  const req = FilterRequestSchema.parse({ where: { level: 'whole' }, not: [{ ids: [1] }], sort: { by: 'area' } });
  expect(toFilterQuery(req)).toEqual(FilterQuerySchema.parse({ level: 'whole', not: [{ ids: [1] }], sort: { by: 'area' } }));
});

it('names the allowed values when a region or colour is misspelt', () => {
  const region = FilterRequestSchema.safeParse({ where: { region: 'bottom left' } });
  expect(region.success).toBe(false);
  expect(JSON.stringify(region.error!.issues)).toMatch(/bottom-left.*box/);
  const colour = FilterRequestSchema.safeParse({ where: { color: 'mauve' } });
  expect(JSON.stringify(colour.error!.issues)).toMatch(/purple/);
});

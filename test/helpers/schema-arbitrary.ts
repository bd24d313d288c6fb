// fast-check arbitraries generated from a JSON Schema as MCP advertises it (tools/list inputSchema), so
// the fuzz follows whatever shape the tools have today: valid-ish values from the schema, and the same
// values with hostile mutations (wrong types, huge strings and arrays, numbers JSON cannot hold, missing
// and unknown fields). Values are what a client could send: they go through JSON before reaching the
// server, so NaN and Infinity arrive as null, as they would on the wire.
import fc from 'fast-check';

export type JsonSchema = { [key: string]: unknown } | boolean;

export interface SchemaArbOptions {
  /** Strings worth trying in any string field (paths, twin ids, images); mixed in with random ones. */
  interestingStrings: fc.Arbitrary<string>;
  /**
   * A focused generator for one string field, chosen from its property name and description (e.g. a
   * "twin id" field gets ids the server returned); undefined: the general mix.
   */
  stringFor?: (key: string, schema: { [key: string]: unknown }) => fc.Arbitrary<string> | undefined;
  /** How deep nested objects and arrays go before the generator stops adding optional parts. */
  maxDepth?: number;
}

type Obj = { [key: string]: unknown };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Follows a local `#/...` $ref inside the root schema. */
function deref(schema: Obj, root: Obj): Obj {
  let s = schema;
  for (let hops = 0; typeof s.$ref === 'string' && hops < 20; hops++) {
    const parts = (s.$ref as string).replace(/^#\/?/, '').split('/').filter(Boolean);
    let target: unknown = root;
    for (const p of parts) target = isObj(target) ? target[decodeURIComponent(p.replace(/~1/g, '/').replace(/~0/g, '~'))] : undefined;
    if (!isObj(target)) return {};
    s = { ...target, ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) };
  }
  return s;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Plain JSON values of any shape, small. */
export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });

/** Values JSON can carry that break naive code: the wire form of NaN/Infinity, extremes, odd strings. */
export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -0,
    -1,
    0.5,
    -1e308,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    -Number.MAX_SAFE_INTEGER - 2,
    2 ** 31,
    NaN, // becomes null on the wire
    Infinity, // becomes null on the wire
    'NaN',
    'Infinity',
    '-Infinity',
    '1e308',
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800', // lone surrogate
    '\u202Eevil\u202C',
    'ｆｕｌｌｗｉｄｔｈ',
    'e\u0301\u0301\u0301',
    '🐕‍🦺🧪',
    '__proto__',
    'constructor',
    'toString',
    '../../../../etc/passwd',
    'C:\\Windows\\win.ini',
    '%00',
    '[object Object]',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
);

/** Big values: long strings, long arrays, deep nesting. Kept to sizes an in-process call handles fast. */
export const hostileBig: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(100_000, 1_000_000).map((n) => 'x'.repeat(n)),
  fc.constant('é'.repeat(50_000)),
  fc.constantFrom(2_000, 20_000).map((n) => Array.from({ length: n }, (_, i) => i)),
  fc.constant(Array.from({ length: 5_000 }, () => ({ id: 1 }))),
  fc.constant(nest(200)),
  fc.constant(Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, i]))),
);

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** An arbitrary of values that satisfy (or nearly satisfy) `schema`. */
export function validArb(schema: JsonSchema, opts: SchemaArbOptions, root?: Obj, depth = 0, key = ''): fc.Arbitrary<unknown> {
  if (schema === true || (isObj(schema) && Object.keys(schema).filter((k) => k !== 'description').length === 0)) return anyJson;
  if (schema === false) return fc.constant(null);
  const r = root ?? schema;
  const s = deref(schema, r);
  const maxDepth = opts.maxDepth ?? 4;
  const sub = (x: unknown, k = key) => validArb(x as JsonSchema, opts, r, depth + 1, k);

  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...(s.enum as unknown[]));
  const alternatives = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) return fc.oneof(...alternatives.map((x) => sub(x)));
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return sub(Object.assign({}, ...(s.allOf as Obj[])));
  if (Array.isArray(s.type)) return fc.oneof(...(s.type as string[]).map((t) => sub({ ...s, type: t })));

  switch (s.type) {
    case 'string': {
      const minLength = num(s.minLength) ?? 0;
      const maxLength = Math.max(minLength, Math.min(num(s.maxLength) ?? 40, 40));
      const focused = opts.stringFor?.(key, s);
      if (focused) return focused;
      return fc.oneof({ weight: 3, arbitrary: opts.interestingStrings }, { weight: 2, arbitrary: fc.string({ minLength, maxLength }) });
    }
    case 'integer':
    case 'number': {
      const integer = s.type === 'integer';
      const exMin = num(s.exclusiveMinimum);
      const exMax = num(s.exclusiveMaximum);
      const min = num(s.minimum) ?? (exMin !== undefined ? exMin + (integer ? 1 : 1e-9) : -1e6);
      const max = num(s.maximum) ?? (exMax !== undefined ? exMax - (integer ? 1 : 1e-9) : 1e6);
      const lo = Math.max(min, -1e6);
      const hi = Math.min(max, 1e6);
      const smallInt = (top: number) => {
        const from = Math.max(Math.ceil(lo), 0);
        return fc.integer({ min: from, max: Math.max(from, Math.min(Math.floor(hi), top)) });
      };
      // Small numbers hit real object ids and pixels inside a small image; the rest probes the range.
      const small = fc.oneof({ weight: 3, arbitrary: smallInt(3) }, { weight: 1, arbitrary: smallInt(40) });
      const bounds = fc.constantFrom(min, max);
      const spread = integer
        ? fc.integer({ min: Math.ceil(lo), max: Math.max(Math.ceil(lo), Math.floor(hi)) })
        : fc.double({ min: lo, max: Math.max(lo, hi), noNaN: true, noDefaultInfinity: true });
      return fc.oneof({ weight: 6, arbitrary: small }, { weight: 1, arbitrary: bounds }, { weight: 1, arbitrary: spread });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const tuple = (Array.isArray(s.items) ? s.items : Array.isArray(s.prefixItems) ? s.prefixItems : undefined) as unknown[] | undefined;
      if (tuple) return fc.tuple(...tuple.map((x) => sub(x)));
      const minLength = num(s.minItems) ?? 0;
      const cap = depth >= maxDepth ? minLength : 4;
      const maxLength = Math.max(minLength, Math.min(num(s.maxItems) ?? cap, cap));
      return fc.array(sub(s.items ?? true), { minLength, maxLength });
    }
    case 'object':
    default: {
      const props = (isObj(s.properties) ? s.properties : {}) as Obj;
      const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
      const keys = Object.keys(props).filter((k) => required.has(k) || depth < maxDepth);
      if (keys.length === 0 && s.type !== 'object') return anyJson;
      const shape = Object.fromEntries(keys.map((k) => [k, sub(props[k], k)]));
      return fc.record(shape, { requiredKeys: keys.filter((k) => required.has(k)) });
    }
  }
}

/** One change to a generated value, applied at the node `at` picks (modulo the number of nodes). */
export type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add-field'; at: number; key: string; value: unknown }
  | { kind: 'wrap'; at: number }
  | { kind: 'as-string'; at: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      at: fc.nat(),
      value: fc.oneof({ weight: 4, arbitrary: hostileScalar }, { weight: 1, arbitrary: hostileBig }, { weight: 1, arbitrary: anyJson }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('add-field' as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom('extra', '__proto__', 'constructor', 'prototype', '', 'twin_id', 'ids'), fc.string({ maxLength: 12 })),
      value: fc.oneof(hostileScalar, anyJson),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('as-string' as const), at: fc.nat() }) },
);

type Path = (string | number)[];

/** Paths to every node of a JSON value, the root first. */
function nodePaths(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (out.length > 500) return out;
  if (Array.isArray(v)) v.slice(0, 50).forEach((x, i) => nodePaths(x, [...prefix, i], out));
  else if (isObj(v)) for (const k of Object.keys(v)) nodePaths(v[k], [...prefix, k], out);
  return out;
}

function getAt(v: unknown, path: Path): unknown {
  return path.reduce<unknown>((cur, k) => (cur as Obj)[k as string], v);
}

/** Applies a mutation to a deep copy; the root can be replaced too (then it may not be an object). */
export function applyMutation(value: unknown, m: Mutation): unknown {
  const copy = value === undefined ? undefined : structuredClone(value);
  const paths = nodePaths(copy);
  const path = paths[m.at % paths.length]!;
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1];
  const set = (next: unknown): unknown => {
    if (path.length === 0) return next;
    const parent = getAt(copy, parentPath) as Obj;
    Object.defineProperty(parent, key as string, { value: next, enumerable: true, writable: true, configurable: true });
    return copy;
  };
  const node = getAt(copy, path);
  switch (m.kind) {
    case 'replace':
      return set(m.value);
    case 'wrap':
      return set([node]);
    case 'as-string':
      return set(JSON.stringify(node) ?? 'undefined');
    case 'delete': {
      if (path.length === 0) return undefined;
      const parent = getAt(copy, parentPath);
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Obj)[key as string];
      return copy;
    }
    case 'add-field': {
      const target = isObj(node) ? node : isObj(getAt(copy, parentPath)) ? (getAt(copy, parentPath) as Obj) : undefined;
      if (!target) return copy;
      Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      return copy;
    }
  }
}

/** What a JSON client would actually send: NaN/Infinity → null, undefined fields dropped. */
export function overTheWire<T>(v: T): T {
  const text = JSON.stringify(v);
  return (text === undefined ? undefined : JSON.parse(text)) as T;
}

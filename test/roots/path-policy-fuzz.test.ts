// The path policy under fuzzed paths: symlinks in and out of the roots (to files, folders, nowhere,
// themselves), `..`, absolute paths elsewhere, Windows forms and drive letters, case tricks, trailing
// dots and slashes, percent-encoding and file:// URLs. Properties: a path the policy accepts for
// reading is real and inside a root; a path it accepts for writing is written inside a root and
// nothing outside the roots changes; everything else is a coded refusal with a hint.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/atomic-write.js';
import { TwinsegError } from '../../src/errors.js';
import { isInside, realRoots, resolveReadPath, resolveWritePath, toAbsolute } from '../../src/roots/path-policy.js';
import { tempDir } from '../helpers/mcp-harness.js';

const SEED = 4_242;
let base: string;
let roots: string[];
let outsideBefore: Map<string, string>;
const tally = new Map<string, number>();
const count = (k: string) => tally.set(k, (tally.get(k) ?? 0) + 1);

/** Every path under `dir` (not following symlinks) with a digest of what it is. */
async function snapshot(dirs: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const dir of dirs) {
    for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
      const p = path.join(e.parentPath, e.name);
      if (e.isSymbolicLink()) out.set(p, `link ${await fs.readlink(p)}`);
      else if (e.isFile())
        out.set(
          p,
          createHash('sha256')
            .update(await fs.readFile(p))
            .digest('hex'),
        );
      else out.set(p, 'dir');
    }
  }
  return out;
}

beforeAll(async () => {
  base = await tempDir('twinseg-policy-fuzz-');
  const root = path.join(base, 'root');
  const root2 = path.join(base, 'second');
  const outside = path.join(base, 'outside');
  await fs.mkdir(path.join(root, 'sub', 'deeper'), { recursive: true });
  await fs.mkdir(root2);
  await fs.mkdir(path.join(outside, 'dir'), { recursive: true });
  await fs.mkdir(path.join(base, 'rootx')); // shares the root's name as a prefix
  await fs.writeFile(path.join(root, 'a.png'), 'a');
  await fs.writeFile(path.join(root, 'sub', 'b.png'), 'b');
  await fs.writeFile(path.join(root2, 'c.png'), 'c');
  await fs.writeFile(path.join(outside, 'secret.png'), 's');
  await fs.writeFile(path.join(outside, 'dir', 'deep.png'), 'd');
  await fs.writeFile(path.join(base, 'rootx', 'x.png'), 'x');
  const links: [string, string][] = [
    ['in-file', path.join(root, 'a.png')],
    ['in-dir', path.join(root, 'sub')],
    ['chain', path.join(root, 'in-dir')],
    ['relative-in', 'sub/b.png'],
    ['to-second', root2],
    ['out-file', path.join(outside, 'secret.png')],
    ['out-dir', outside],
    ['relative-out', '../outside/secret.png'],
    ['dangling-out', path.join(outside, 'missing')],
    ['dangling-in', path.join(root, 'missing')],
    ['loop', path.join(root, 'loop')],
    ['up', base],
  ];
  for (const [name, target] of links) await fs.symlink(target, path.join(root, name));
  await fs.symlink(outside, path.join(base, 'Root')); // the root's name with other case, leading out
  await fs.symlink(root2, path.join(base, 'alias')); // a root named through a symlink
  roots = await realRoots([root, path.join(base, 'alias')]);
  expect(roots).toEqual([root, root2]);
  outsideBefore = await snapshot([outside, path.join(base, 'rootx')]);
});

afterAll(async () => {
  console.log(
    `path policy fuzz: ${[...tally.entries()]
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  await fs.rm(base, { recursive: true, force: true });
});

const SEGMENTS = [
  '.',
  '..',
  '...',
  'a.png',
  'sub',
  'deeper',
  'b.png',
  'c.png',
  'secret.png',
  'dir',
  'deep.png',
  'new.png',
  'new-dir',
  'in-file',
  'in-dir',
  'chain',
  'relative-in',
  'to-second',
  'out-file',
  'out-dir',
  'relative-out',
  'dangling-out',
  'dangling-in',
  'loop',
  'up',
  'missing',
  'root',
  'second',
  'outside',
  'rootx',
  'Root',
  'ROOT',
  'A.PNG',
  'SUB',
  'a.png.',
  'a.png ',
  'sub.',
  'sub..',
  '%2e%2e',
  '..%2f',
  '%2F',
  'C:',
  'c:',
  'C:..',
  '~',
  '$HOME',
  'e\u0301',
  'é',
  '．．',
  '\u202e',
  'con',
  'nul',
  'a.png::$DATA',
];

/** A path as a client might write it: a prefix (relative, absolute here or elsewhere, URL, drive, UNC), segments and a suffix. */
function pathArb(): fc.Arbitrary<string> {
  const prefix = fc.constantFrom(
    '',
    './',
    '../',
    '/',
    '//',
    `${base}/`,
    `${base}/root/`,
    `${base}/second/`,
    `${base}/outside/`,
    `${base}/ROOT/`,
    `${base}/alias/`,
    `${base}/root/../`,
    `${base}/rootx/`,
    'C:\\',
    'C:/',
    'c:',
    '\\\\server\\share\\',
    '\\\\?\\C:\\',
    '~/',
    'file://',
    'file:///',
    `file://${base}/root/`,
    `${pathToFileURL(`${base}/root`).href}/`,
    'file://localhost/',
    'file://evil.example/',
    `file:${base}/root/`,
    'FILE:///',
  );
  const sep = fc.constantFrom('/', '/', '/', '\\', '//', '/./');
  const suffix = fc.constantFrom('', '', '', '/', '.', '/.', '/..', ' ', '\\', '%00', '?x=1', '#frag');
  const encode = fc.constantFrom('none', 'none', 'none', 'component', 'dots');
  const segments = (maxLength: number) => fc.array(fc.tuple(fc.constantFrom(...SEGMENTS), sep), { minLength: 0, maxLength });
  const anything = fc.tuple(prefix, fc.oneof(segments(2), segments(2), segments(5)), suffix, encode).map(([pre, segs, suf, enc]) => {
    let body = segs.map(([s, sp], i) => (i === segs.length - 1 ? s : s + sp)).join('');
    if (enc === 'component') body = encodeURIComponent(body);
    if (enc === 'dots') body = body.replace(/\./g, '%2e');
    return pre + body + suf;
  });
  // Names that exist, from a root: most reads of these succeed, so acceptance gets checked often.
  const near = fc
    .tuple(
      fc.constantFrom('', `${base}/root/`, `${base}/second/`, `${pathToFileURL(`${base}/root`).href}/`),
      fc.array(
        fc.constantFrom('a.png', 'sub', 'b.png', 'c.png', 'in-file', 'in-dir', 'chain', 'relative-in', 'to-second', 'up', 'root', '..'),
        { minLength: 1, maxLength: 3 },
      ),
      suffix,
    )
    .map(([pre, segs, suf]) => pre + segs.join('/') + suf);
  return fc.oneof({ weight: 3, arbitrary: anything }, { weight: 1, arbitrary: near });
}

function expectCleanRefusal(what: string, e: unknown, input: string, codes: string[]): void {
  if (!(e instanceof TwinsegError)) throw new Error(`${JSON.stringify(input)}: threw ${String(e)} instead of a TwinsegError`);
  expect(codes, `${JSON.stringify(input)}: ${e.code}: ${e.message}`).toContain(e.code);
  expect(e.hint ?? '', `${JSON.stringify(input)}: ${e.message}`).not.toBe('');
  count(`${what} refused ${e.code}`);
}

describe('path policy, fuzzed', () => {
  it('toAbsolute gives an absolute, normalised path without `..` for any string, or a coded refusal', () => {
    fc.assert(
      fc.property(fc.oneof(pathArb(), fc.string({ unit: 'binary', maxLength: 60 })), (input) => {
        let abs: string;
        try {
          abs = toAbsolute(input, roots);
        } catch (e) {
          expectCleanRefusal('toAbsolute', e, input, ['PATH_NOT_ALLOWED', 'INVALID_INPUT']);
          return;
        }
        count('toAbsolute accepted');
        expect(path.isAbsolute(abs), input).toBe(true);
        expect(abs, input).toBe(path.normalize(abs));
        expect(abs.split(path.sep), input).not.toContain('..');
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('a path accepted for reading is a real file inside a root', async () => {
    await fc.assert(
      fc.asyncProperty(pathArb(), async (input) => {
        let real: string;
        try {
          real = await resolveReadPath(input, roots);
        } catch (e) {
          expectCleanRefusal('read', e, input, ['PATH_NOT_ALLOWED', 'IMAGE_NOT_FOUND', 'INVALID_INPUT']);
          return;
        }
        count('read accepted');
        expect(real, input).toBe(await fs.realpath(real));
        expect(
          roots.some((r) => isInside(r, real)),
          `${input} → ${real}`,
        ).toBe(true);
      }),
      { seed: SEED, numRuns: 600 },
    );
  });

  it('a path accepted for writing is written inside a root, and nothing outside the roots changes', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(pathArb(), async (input) => {
        let target: string;
        try {
          target = await resolveWritePath(input, roots);
        } catch (e) {
          expectCleanRefusal('write', e, input, ['PATH_NOT_ALLOWED', 'INVALID_INPUT']);
          return;
        }
        count('write accepted');
        expect((await fs.lstat(target).catch(() => undefined))?.isSymbolicLink() ?? false, `${input} → ${target}`).toBe(false);
        try {
          await writeFileAtomic(target, `written ${n++}`);
        } catch (e) {
          // The policy checked the folder; creating missing folders can still fail (a name that is a
          // file further down, a name the file system refuses). It must not write anywhere else.
          count(`write failed ${(e as NodeJS.ErrnoException).code ?? 'other'}`);
          return;
        }
        const real = await fs.realpath(target);
        expect(
          roots.some((r) => isInside(r, real)),
          `${input} → ${target} → ${real}`,
        ).toBe(true);
      }),
      { seed: SEED, numRuns: 600 },
    );
    expect(await snapshot([path.join(base, 'outside'), path.join(base, 'rootx')])).toEqual(outsideBefore);
    expect((await fs.readdir(base)).sort()).toEqual(['Root', 'alias', 'outside', 'root', 'rootx', 'second']);
  });
});

// The house rules of src/: inside every folder, its rooms (each file and each subfolder directly in it) import
// one another one way only, so the layers can be read top-down and no room needs the one above it; and no folder
// holds more than about twenty files directly. Imports are read with TypeScript's own pre-processor (static,
// re-exports and dynamic import()), so a run of `npx vitest run test/layout.test.ts` shows a new circle at once.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');
const MAX_FILES_PER_FOLDER = 20;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every import of a file of src/ by another file of src/, as [importer, imported] absolute paths. */
function importsWithinSrc(): [string, string][] {
  const files = new Set(sourceFiles(SRC));
  const edges: [string, string][] = [];
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), fileName).replace(/\.js$/, '.ts');
      if (files.has(target)) edges.push([file, target]);
    }
  }
  return edges;
}

/** The room of `file` inside `folder`: the file itself or the subfolder of `folder` that holds it. */
function roomIn(folder: string, file: string): string | undefined {
  const rel = path.relative(folder, file);
  if (rel.startsWith('..')) return undefined;
  return path.join(folder, rel.split(path.sep)[0]);
}

/** Circles among the rooms of one folder, each as the rooms in order plus one import that ties each step. */
function circlesIn(folder: string, edges: readonly [string, string][]): string[] {
  const next = new Map<string, Map<string, string>>();
  for (const [from, to] of edges) {
    const a = roomIn(folder, from);
    const b = roomIn(folder, to);
    if (!a || !b || a === b) continue;
    if (!next.has(a)) next.set(a, new Map());
    if (!next.get(a)!.has(b)) next.get(a)!.set(b, `${path.relative(SRC, from)} -> ${path.relative(SRC, to)}`);
  }
  const circles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (room: string): void => {
    state.set(room, 'open');
    trail.push(room);
    for (const to of next.get(room)?.keys() ?? []) {
      if (state.get(to) === 'open') {
        const loop = trail.slice(trail.indexOf(to));
        const ties = loop.map((r, i) => next.get(r)!.get(loop[(i + 1) % loop.length])!);
        circles.push(`${path.relative(SRC, folder) || 'src'}: ${ties.join(', ')}`);
      } else if (!state.has(to)) {
        visit(to);
      }
    }
    trail.pop();
    state.set(room, 'done');
  };
  for (const room of next.keys()) if (!state.has(room)) visit(room);
  return circles;
}

function folders(dir: string): string[] {
  const subs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  return [dir, ...subs.flatMap((e) => folders(path.join(dir, e.name)))];
}

describe('the layout of src/', () => {
  it('has no circle of imports among the rooms of any folder', () => {
    const edges = importsWithinSrc();
    expect(edges.length).toBeGreaterThan(100);
    expect(folders(SRC).flatMap((folder) => circlesIn(folder, edges))).toEqual([]);
  });

  it('finds a circle when two rooms import each other', () => {
    const a = path.join(SRC, 'x', 'a', 'one.ts');
    const b = path.join(SRC, 'x', 'b', 'two.ts');
    expect(
      circlesIn(path.join(SRC, 'x'), [
        [a, b],
        [b, a],
      ]),
    ).toEqual(['x: x/a/one.ts -> x/b/two.ts, x/b/two.ts -> x/a/one.ts']);
  });

  it(`keeps at most ${MAX_FILES_PER_FOLDER} source files directly in any folder`, () => {
    const crowded = folders(SRC)
      .map((folder) => ({
        folder: path.relative(SRC, folder) || 'src',
        files: readdirSync(folder).filter((n) => n.endsWith('.ts')).length,
      }))
      .filter(({ files }) => files > MAX_FILES_PER_FOLDER);
    expect(crowded).toEqual([]);
  });
});

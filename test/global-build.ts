// The CLI and end-to-end tests spawn the built server (dist/cli.js), as a host would, and the view's tests
// load the built pages (dist/view), so dist must be what src builds to, and nothing else. A stamp records the
// content hashes of the build's inputs (src, the tsconfig, package.json and its lockfile, the view's build
// script, the compiler's version) and of dist as this setup last left them: while both match, dist is
// current and nothing is built. Otherwise tsc runs: with no stamp (a fresh install, whose `npm ci` has just
// built dist), `tsc -b` finds an up-to-date build in a second; after a change to the inputs, an incremental
// `tsc -p` (tsconfig.json keeps its .tsbuildinfo in dist) compares file contents whatever their times; a
// dist missing a file, or changed by anything but a build of these inputs, is built anew. Then the view's
// pages are bundled, as `npm run build` does. tsc never removes what it built from a source since moved or
// deleted: those leftovers are removed here, so dist holds what a clean build (npm pack's prepack) would.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
/** Built by scripts/build-view.mjs from src/view, which tsconfig.json leaves out. */
const VIEW = 'view';
/** tsconfig.json's tsBuildInfoFile: inside dist, so that deleting dist also restarts the incremental build. */
const BUILD_INFO = path.join(DIST, '.tsbuildinfo');
const STAMP = path.join(ROOT, 'node_modules', '.cache', 'twinseg', 'dist-stamp.json');

interface Stamp {
  inputs: string;
  dist: string;
}

/** Every file under dir, as sorted paths relative to it. */
function filesUnder(dir: string, rel = ''): string[] {
  if (!existsSync(path.join(dir, rel))) return [];
  return readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, path.join(rel, e.name)) : e.isFile() ? [path.join(rel, e.name)] : []))
    .sort();
}

/** Every folder under dir, deepest first. */
function foldersUnder(dir: string): string[] {
  const subs = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name));
  return subs.flatMap((d) => [...foldersUnder(d), d]);
}

function hashFiles(dir: string, files: readonly string[], extra = ''): string {
  const h = createHash('sha256').update(extra);
  for (const f of files) h.update(`\0${f}\0`).update(readFileSync(path.join(dir, f)));
  return h.digest('hex');
}

function inputsHash(require: NodeJS.Require): string {
  const tsVersion = (require('typescript/package.json') as { version: string }).version;
  const configs = ['tsconfig.json', 'package.json', 'package-lock.json', 'scripts/build-view.mjs']
    .map((f) => readFileSync(path.join(ROOT, f), 'utf8'))
    .join('\0');
  return hashFiles(SRC, filesUnder(SRC), `${tsVersion}\0${configs}`);
}

const distHash = (): string =>
  hashFiles(
    DIST,
    filesUnder(DIST).filter((f) => f !== path.basename(BUILD_INFO)),
  );

const inView = (f: string): boolean => f.split(path.sep)[0] === VIEW;

/** What tsc writes for src/x.ts (declaration is off): dist/x.js and its source map. */
function expectedOutputs(): Set<string> {
  const sources = filesUnder(SRC).filter((f) => f.endsWith('.ts') && !inView(f));
  return new Set(sources.flatMap((f) => [f.replace(/\.ts$/, '.js'), f.replace(/\.ts$/, '.js.map')]));
}

/** Deletes what no source file produces (a file deleted or moved in src), then the folders left empty. */
function deleteOrphans(expected: Set<string>): void {
  for (const f of filesUnder(DIST)) {
    if (!expected.has(f) && !inView(f) && f !== path.basename(BUILD_INFO)) unlinkSync(path.join(DIST, f));
  }
  for (const d of foldersUnder(DIST)) if (readdirSync(d).length === 0) rmdirSync(d);
}

function readStamp(): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

export default function setup(): void {
  const require = createRequire(import.meta.url);
  const inputs = inputsHash(require);
  const stamp = readStamp();
  if (stamp?.inputs === inputs && stamp.dist === distHash()) return;

  const expected = expectedOutputs();
  const present = new Set(filesUnder(DIST));
  // An incremental build re-emits only the outputs of what it saw change: here it must start over.
  const distAltered = stamp?.inputs === inputs || [...expected].some((f) => !present.has(f));
  if (distAltered) rmSync(BUILD_INFO, { force: true });
  const mode = stamp ? '-p' : '-b';
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), mode, path.join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  deleteOrphans(expected);
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-view.mjs')], { stdio: 'inherit' });

  mkdirSync(path.dirname(STAMP), { recursive: true });
  writeFileSync(STAMP, JSON.stringify({ inputs, dist: distHash() } satisfies Stamp));
}

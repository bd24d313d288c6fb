// The CLI and end-to-end tests spawn the built server (dist/cli.js), as a host would, and the view's
// tests load the built pages (dist/view); build both once so they never run a stale copy. tsc never
// removes what it built from a source since moved or deleted, so those leftovers are removed here:
// dist/ then holds what a clean build (npm pack's prepack) would.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

function removeLeftovers(dist: string, src: string): void {
  for (const entry of readdirSync(dist, { withFileTypes: true })) {
    const built = path.join(dist, entry.name);
    if (entry.isDirectory()) {
      removeLeftovers(built, path.join(src, entry.name));
      if (readdirSync(built).length === 0) rmSync(built, { recursive: true });
      continue;
    }
    const source = path.join(src, entry.name.replace(/\.js(\.map)?$/, '.ts'));
    if (/\.js(\.map)?$/.test(entry.name) && !existsSync(source)) rmSync(built);
  }
}

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
  removeLeftovers(path.resolve('dist'), path.resolve('src'));
  execFileSync(process.execPath, ['scripts/build-view.mjs'], { stdio: 'inherit' });
}

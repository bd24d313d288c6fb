// The CLI and end-to-end tests spawn the built server (dist/cli.js), as a host would, and the view's
// tests load the built pages (dist/view); build both once so they never run a stale copy.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/build-view.mjs'], { stdio: 'inherit' });
}

// What this install is: its package.json (the one place the version is decided) and whether it runs from
// an installed package or from a checkout. Host configurations start an installed package with npx and a
// checkout with node and absolute paths.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder: this file sits in src/ (checkout, tests) or dist/ (built, installed). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface PackageJson {
  name: string;
  version: string;
}

let cached: PackageJson | undefined;

function packageJson(): PackageJson {
  cached ??= JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as PackageJson;
  return cached;
}

export const packageName = (): string => packageJson().name;
export const packageVersion = (): string => packageJson().version;

/** The built entry point, dist/cli.js, absolute (also when a test runs the sources). */
export const cliEntryPoint = (): string => path.join(PACKAGE_ROOT, 'dist', 'cli.js');

/** npm puts every installed package (global, npx's cache, a project's dependencies) under node_modules. */
export function runsFromInstalledPackage(root = PACKAGE_ROOT): boolean {
  return root.split(/[\\/]/).includes('node_modules');
}

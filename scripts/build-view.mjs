// Builds the browser pages in src/view into dist/view, each one self-contained HTML file: the script
// bundled by esbuild (TypeScript, the MCP Apps SDK and what it imports) and the styles minified, both
// written into the page. Hosts run the view under a CSP that admits inline code and nothing from the
// network, so nothing may stay outside the file. `npm run build` runs this after tsc.
//
//   twin-view.html  the MCP App (ui://twinseg/twin-view), held to VIEW_MAX_BYTES
//   standalone.html the page `twinseg view` serves: it plays the host's part around twin-view.html
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'view');

/** The view's budget: hosts load it into every conversation that shows a twin. */
export const VIEW_MAX_BYTES = 300 * 1024;

const PAGES = [
  { name: 'twin-view', entry: 'src/view/main.ts', html: 'src/view/view.html', css: 'src/view/view.css', maxBytes: VIEW_MAX_BYTES },
  { name: 'standalone', entry: 'src/view/standalone/main.ts', html: 'src/view/standalone/page.html', css: 'src/view/standalone/page.css' },
];

/**
 * Zod's error messages in 40 languages are 265 KB of the bundle, and nothing in the view switches
 * zod's language: only the English one (zod's default) is kept.
 */
const englishZodOnly = {
  name: 'english-zod-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`) ? { path: 'zod-locales', namespace: 'english-zod-only' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'english-zod-only' }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: root,
    }));
  },
};

async function bundle(entry) {
  const result = await esbuild.build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    legalComments: 'none',
    write: false,
    plugins: [englishZodOnly],
  });
  return result.outputFiles[0].text;
}

async function minifyCss(file) {
  const css = await readFile(path.join(root, file), 'utf8');
  return (await esbuild.transform(css, { loader: 'css', minify: true })).code;
}

/** Puts script and styles in place of their markers; `</script` inside the script would end it early. */
function assemble(template, script, styles, name) {
  if (/<\/script/i.test(script)) throw new Error(`${name}: the bundled script contains "</script", which would end the inline script.`);
  const page = template.replace('/*__VIEW_STYLES__*/', () => styles).replace('/*__VIEW_SCRIPT__*/', () => script);
  if (page.includes('__VIEW_')) throw new Error(`${name}: a marker was left in the page.`);
  return page;
}

await mkdir(out, { recursive: true });
for (const p of PAGES) {
  const [script, styles, template] = await Promise.all([bundle(p.entry), minifyCss(p.css), readFile(path.join(root, p.html), 'utf8')]);
  const page = assemble(template, script, styles, p.name);
  const bytes = Buffer.byteLength(page);
  if (p.maxBytes && bytes > p.maxBytes) throw new Error(`${p.name}.html is ${bytes} bytes, over its budget of ${p.maxBytes}.`);
  await writeFile(path.join(out, `${p.name}.html`), page);
  process.stdout.write(`dist/view/${p.name}.html: ${(bytes / 1024).toFixed(1)} KB\n`);
}

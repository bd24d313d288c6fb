// The README states facts that name behaviour; each is held to the code here, so that a command, variable,
// tool, argument or resource added later fails with the line to add. (The JSON example is checked against
// the twin `twinseg demo` builds, in test/cli/demo-command.test.ts.)
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { CONFIG_VARIABLES } from '../../src/config.js';
import { PACKAGE_ROOT } from '../../src/package-info.js';
import { startHarness, type Harness } from '../helpers/mcp-harness.js';

const README = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');

/** The body of the README section `## title` (up to the next `## `). */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThan(0);
  const end = README.indexOf('\n## ', start + 4);
  return README.slice(start, end < 0 ? undefined : end);
}

/** First cells of the Markdown table rows in `text` (header and rule excluded). */
function tableRows(text: string): string[][] {
  const rule = (l: string | undefined) => l !== undefined && /^\|[-| ]+\|$/.test(l);
  const lines = text.split('\n');
  return lines
    .filter((l, i) => l.startsWith('|') && !rule(l) && !rule(lines[i + 1]))
    .map((l) => l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
}

const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** Every TWINSEG_* variable the sources read from an environment (config.ts, and any file that still does). */
function variablesRead(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/env(?:\.|\[['"])(TWINSEG_[A-Z0-9_]+)/g)) found.add(m[1]!);
    }
  };
  walk(path.join(PACKAGE_ROOT, 'src'));
  return found;
}

describe('the README is the manual\'s first page', () => {
  it('stays under 15,000 bytes', () => {
    expect(Buffer.byteLength(README)).toBeLessThanOrEqual(15_000);
  });

  it('opens with exactly two commands: install and run, and the test command CI runs', async () => {
    const first = /```bash\n([\s\S]*?)```/.exec(README)![1]!.trim().split('\n').map((l) => l.replace(/\s+#.*$/, ''));
    expect(first).toEqual(['npm ci && npx twinseg demo', 'npm test']);
    expect(README.indexOf('```bash')).toBeLessThan(600);
    const ci = await fs.readFile(path.join(PACKAGE_ROOT, '.ci', 'run'), 'utf8');
    expect(ci.split('\n')).toContain('npm test');
  });

  it('lists every CLI command with its usage, as `twinseg --help` does', () => {
    const block = /```\n([\s\S]*?)```/.exec(section('CLI'))![1]!.trim().split('\n');
    const expected = COMMANDS.map((c) => `twinseg ${c.usage}`);
    for (const line of expected) expect(block, `README "## CLI" lacks this line; add it:\n${line}`).toContain(line);
    for (const line of block) expect(expected, `README "## CLI" names a command the CLI does not have:\n${line}`).toContain(line);
  });

  it('lists every TWINSEG_* variable the code reads in its configuration table, and no other', () => {
    const documented = new Set(tableRows(section('Configuration')).flatMap((r) => ticks(r[0]!)).filter((t) => t.startsWith('TWINSEG_')));
    const read = variablesRead();
    for (const v of Object.values(CONFIG_VARIABLES)) expect(read, `CONFIG_VARIABLES names ${v}, which nothing reads`).toContain(v);
    for (const v of read) expect(documented, `README "## Configuration" lacks ${v}: add a row (variable, default, meaning)`).toContain(v);
    for (const v of documented) expect(read, `README "## Configuration" documents ${v}, which the code never reads`).toContain(v);
  });

  it('links only to files that exist (security.md and view.md come with issues 20 and 24)', () => {
    const pending = new Set(['docs/security.md', 'docs/view.md']);
    for (const [, target] of README.matchAll(/\]\(((?:docs\/|CHANGELOG)[^)#]*)(?:#[^)]*)?\)/g)) {
      if (pending.has(target!)) continue;
      expect(readdirSync(path.join(PACKAGE_ROOT, path.dirname(target!))), `README links to ${target}`).toContain(path.basename(target!));
    }
  });
});

describe('the README\'s tool and resource tables match what the server advertises', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('a row per tool, naming its arguments, the optional ones with "?"', async () => {
    const rows = new Map(tableRows(section('Tools')).filter((r) => r.length === 3).map((r) => [ticks(r[0]!)[0]!, ticks(r[1]!)]));
    const { tools } = await h.client.listTools();
    for (const t of tools) {
      const required = new Set(t.inputSchema.required ?? []);
      const args = Object.keys(t.inputSchema.properties ?? {}).map((a) => (required.has(a) ? a : `${a}?`));
      expect(rows.has(t.name), `README "## Tools" lacks a row for ${t.name}: | \`${t.name}\` | ${args.map((a) => `\`${a}\``).join(', ')} | what it does |`).toBe(true);
      expect(rows.get(t.name), `README "## Tools": the arguments of ${t.name} are ${args.join(', ')}`).toEqual(args);
    }
    expect([...rows.keys()].sort(), 'README "## Tools" has a row for a tool the server does not have').toEqual(tools.map((t) => t.name).sort());
  });

  it('a row per resource template', async () => {
    const documented = tableRows(section('Tools')).filter((r) => r.length === 2).map((r) => ticks(r[0]!)[0]);
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(documented.sort(), 'README "## Tools": the resource table names every template, e.g. | `twin://{id}/…` | what it gives |').toEqual(
      resourceTemplates.map((t) => t.uriTemplate).sort(),
    );
  });
});

describe('the code the documentation names is where it says', () => {
  it('every src/, test/ and bench/ file named in the README and docs/ exists (bench outputs aside)', async () => {
    const docs = (await fs.readdir(path.join(PACKAGE_ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    for (const doc of ['README.md', ...docs]) {
      const text = await fs.readFile(path.join(PACKAGE_ROOT, doc), 'utf8');
      for (const [, named] of text.matchAll(/(?<![\w/])((?:src|test|bench)\/[\w./-]+\.(?:ts|mjs|sh))\b/g)) {
        expect(existsSync(path.join(PACKAGE_ROOT, named!)), `${doc} names ${named}, which does not exist (moved?)`).toBe(true);
      }
    }
  });
});

describe('the figures in docs/ are written by the benches', () => {
  it('every <!-- bench:NAME --> block has its end and a bench that writes it', async () => {
    const benches = (await fs.readdir(path.join(PACKAGE_ROOT, 'bench'))).filter((f) => f.endsWith('.ts'));
    const benchText = (await Promise.all(benches.map((f) => fs.readFile(path.join(PACKAGE_ROOT, 'bench', f), 'utf8')))).join('\n');
    const docs = (await fs.readdir(path.join(PACKAGE_ROOT, 'docs'))).filter((f) => f.endsWith('.md'));
    let blocks = 0;
    for (const doc of docs) {
      const text = await fs.readFile(path.join(PACKAGE_ROOT, 'docs', doc), 'utf8');
      for (const [, name] of text.matchAll(/<!-- bench:([\w-]+) -->/g)) {
        blocks++;
        expect(text, `docs/${doc}: the block ${name} has no end marker`).toContain(`<!-- /bench:${name} -->`);
        expect(benchText, `docs/${doc}: no bench writes the block ${name} (writeDocsBlock(..., '${name}', ...))`).toMatch(new RegExp(`'${doc}',\\s*'${name}'`));
      }
    }
    expect(blocks).toBeGreaterThanOrEqual(4);
  });
});

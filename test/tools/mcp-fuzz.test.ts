// Fuzzed MCP calls against the real server wiring: arguments generated from each tool's advertised
// inputSchema (tools/list), valid-ish and mutated, plus every resource template and the prompt. The
// properties: nothing crashes, nothing hangs, every failure is an isError result whose text starts with
// an error CODE and says what to do, and nothing is written outside the allowed roots.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { McpError, type CallToolResult, type Prompt, type ResourceTemplate, type Tool } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDrawnServer, type DrawnServer } from '../helpers/drawn-twin-server.js';
import { errorCodeOf, errorTextProblems } from '../helpers/error-text.js';
import { FuzzFigures } from '../helpers/fuzz-figures.js';
import { fuzzStrings, resolveLive } from '../helpers/fuzz-strings.js';
import { startWatchdog, type Watchdog } from '../helpers/hang-watchdog.js';
import { textOf } from '../helpers/mcp-harness.js';
import { anyJson, applyMutation, hostileBig, mutationArb, overTheWire, validArb, type JsonSchema } from '../helpers/schema-arbitrary.js';

const SEED = 20_260_110;
const RUNS = 1_500;
/** Generous: the slowest legitimate call (a build with the largest grid) takes well under a second here. */
const CALL_TIMEOUT_MS = 20_000;
/** An event loop blocked this long is a hang too; the watchdog kills the run and names the call. */
const STALL_MS = 60_000;
/** Base64 images over this many bytes are refused; small so that "over the limit" is cheap to send. */
const MAX_IMAGE_BYTES = 64 * 1024;

type Call =
  | { kind: 'tool'; name: string; mode: 'valid' | 'mutated' | 'random'; args: unknown }
  | { kind: 'resource'; uri: string }
  | { kind: 'prompt'; name: string; args: unknown };

let s: DrawnServer;
let tools: Tool[];
let templates: ResourceTemplate[];
let prompts: Prompt[];
let outsideBefore: string[];
let watchdog: Watchdog;
const liveTwins: string[] = [];
const figures = new FuzzFigures();
const errorSamples = new Map<string, string>();

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) out.push(path.join(e.parentPath, e.name));
  return out.sort();
}

function noteTwins(r: CallToolResult): void {
  for (const m of JSON.stringify(r.structuredContent ?? {}).matchAll(/tw_[0-9a-f]{16}/g)) {
    if (!liveTwins.includes(m[0])) liveTwins.push(m[0]);
  }
}

function callArb(): fc.Arbitrary<Call> {
  const strings = fuzzStrings(s, MAX_IMAGE_BYTES);
  const opts = { interestingStrings: strings.mix, stringFor: strings.stringFor };
  const toolCalls = tools.map((t) => {
    const valid = validArb(t.inputSchema as JsonSchema, opts);
    return fc.oneof(
      { weight: 4, arbitrary: valid.map((args): Call => ({ kind: 'tool', name: t.name, mode: 'valid', args })) },
      {
        weight: 4,
        arbitrary: fc
          .tuple(valid, fc.array(mutationArb, { minLength: 1, maxLength: 3 }))
          .map(([args, ms]): Call => ({ kind: 'tool', name: t.name, mode: 'mutated', args: ms.reduce(applyMutation, args) })),
      },
      { weight: 1, arbitrary: fc.oneof(anyJson, hostileBig).map((args): Call => ({ kind: 'tool', name: t.name, mode: 'random', args })) },
    );
  });
  const unknownTool = fc
    .constantFrom('no_such_tool', '', 'build_digital_twin ', 'BUILD_DIGITAL_TWIN', '__proto__', 'x'.repeat(10_000))
    .map((name): Call => ({ kind: 'tool', name, mode: 'random', args: {} }));
  const variable = fc.oneof(
    opts.interestingStrings.map((v) => encodeURIComponent(v)),
    opts.interestingStrings,
    fc.constantFrom('%ZZ', '%', '%E0%A4%A', '..', '.', '', 'a/b', '?x=1', '#frag'),
  );
  const resourceCalls = templates.map((t) =>
    variable.map((v): Call => ({ kind: 'resource', uri: t.uriTemplate.replace(/\{[^}]+\}/g, v) })),
  );
  const oddUris = fc
    .constantFrom(
      'twin://',
      'twin:///',
      'twin:',
      'file:///etc/passwd',
      'http://127.0.0.1:1/',
      'twin://%ZZ/marks.png',
      'javascript:alert(1)',
      'x',
      '',
    )
    .map((uri): Call => ({ kind: 'resource', uri }));
  const promptCalls = prompts.map((p) => {
    const schema = {
      type: 'object',
      properties: Object.fromEntries((p.arguments ?? []).map((a) => [a.name, { type: 'string' }])),
      required: (p.arguments ?? []).filter((a) => a.required).map((a) => a.name),
    };
    const valid = validArb(schema, opts);
    return fc.oneof(
      valid.map((args): Call => ({ kind: 'prompt', name: p.name, args })),
      fc.tuple(valid, mutationArb).map(([args, m]): Call => ({ kind: 'prompt', name: p.name, args: applyMutation(args, m) })),
    );
  });
  return fc
    .oneof(
      { weight: 36, arbitrary: fc.oneof(...toolCalls) },
      { weight: 1, arbitrary: unknownTool },
      { weight: 6, arbitrary: fc.oneof(...resourceCalls, oddUris) },
      { weight: 3, arbitrary: fc.oneof(...promptCalls) },
    )
    .map(printable);
}

const isPlainObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Calls print short in fast-check's counterexamples (a 1 MB argument would drown the report). */
function printable(c: Call): Call {
  return Object.defineProperty(c, fc.toStringMethod, { value: () => describeCall(c), enumerable: false });
}

function describeCall(c: Call): string {
  const args = 'args' in c ? (JSON.stringify(c.args) ?? 'undefined') : '';
  const short = (x: string) => (x.length > 300 ? `${x.slice(0, 300)}…(${x.length} chars)` : x);
  return `${c.kind} ${short(c.kind === 'resource' ? c.uri : c.name)} ${short(args)}`;
}

/** Makes one call and checks the answer; returns problems (empty when the call behaved). */
async function perform(call: Call): Promise<string[]> {
  const c = resolveLive(call, liveTwins);
  watchdog.doing(describeCall(c));
  const started = performance.now();
  const known =
    c.kind === 'tool' ? tools.some((t) => t.name === c.name) : c.kind === 'prompt' ? prompts.some((p) => p.name === c.name) : true;
  const target =
    c.kind === 'resource' ? `resource ${c.uri.split(':')[0] || '(no scheme)'}` : `${c.kind} ${known ? c.name : '(unknown name)'}`;
  const record = (outcome: string) => {
    figures.record(target, outcome, performance.now() - started);
    if (c.kind === 'tool') figures.tally(`${c.mode} ${outcome === 'ok' ? 'ok' : 'refused'}`);
  };
  const requestOptions = { timeout: CALL_TIMEOUT_MS };
  try {
    if (c.kind === 'tool') {
      const args = overTheWire(c.args);
      const r = (await s.client.callTool(
        { name: c.name, arguments: args as Record<string, unknown> },
        undefined,
        requestOptions,
      )) as CallToolResult;
      if (!r.isError) {
        record('ok');
        noteTwins(r);
        if (!Array.isArray(r.content) || r.content.length === 0) return ['a successful result without content'];
        return [];
      }
      const text = textOf(r);
      const code = errorCodeOf(text) ?? '(no code)';
      record(`isError ${code}`);
      if (!errorSamples.has(code)) errorSamples.set(code, text.replace(/\s+/g, ' ').slice(0, 300));
      return errorTextProblems(text).map((p) => `error text ${p}: ${JSON.stringify(text.slice(0, 500))}`);
    }
    if (c.kind === 'resource') {
      const r = await s.client.readResource({ uri: c.uri }, requestOptions);
      record('ok');
      return Array.isArray(r.contents) ? [] : ['a resource result without contents'];
    }
    const r = await s.client.getPrompt({ name: c.name, arguments: overTheWire(c.args) as Record<string, string> }, requestOptions);
    record('ok');
    return Array.isArray(r.messages) && r.messages.length > 0 ? [] : ['a prompt without messages'];
  } catch (e) {
    if (!(e instanceof McpError)) {
      figures.crashes++;
      record('crash');
      return [`the call threw instead of answering: ${String(e)}`];
    }
    if (e.code === -32001) {
      figures.hangs++;
      record('hang');
      return [`no answer within ${CALL_TIMEOUT_MS} ms`];
    }
    const message = e.message.replace(/^(MCP error -?\d+: )+/, '');
    const code = errorCodeOf(message);
    const sdk = sdkRefusal(c, message);
    record(sdk ? `JSON-RPC ${e.code} from the SDK (${sdk})` : `JSON-RPC ${e.code}${code ? ` ${code}` : ''}`);
    const sample = sdk ? `rpc sdk ${sdk}` : `rpc ${e.code} ${code ?? ''}`;
    if (!errorSamples.has(sample)) errorSamples.set(sample, message.replace(/\s+/g, ' ').slice(0, 300));
    if (sdk) return [];
    if (c.kind === 'tool') return [`a tool call got a JSON-RPC error instead of an isError result: ${message.slice(0, 300)}`];
    const problems = errorTextProblems(message).map((p) => `error ${p}: ${message.slice(0, 300)}`);
    if (e.code === -32603) problems.push(`an internal JSON-RPC error: ${message.slice(0, 300)}`);
    return problems;
  }
}

/**
 * Requests the SDK answers itself, in its own words, before twinseg sees them: ones MCP forbids
 * (`arguments` not an object, prompt arguments not strings, a resource URI that is not a URL) and
 * ones naming nothing registered (a URI matching no template, a prompt without its arguments).
 * Returns what kind of refusal it is, or undefined when twinseg should have answered.
 */
function sdkRefusal(c: Call, message: string): string | undefined {
  const wire = 'args' in c ? overTheWire(c.args) : undefined;
  if (c.kind !== 'resource' && wire !== undefined && !isPlainObject(wire)) return 'arguments not an object';
  if (c.kind === 'prompt' && Object.values((wire ?? {}) as object).some((v) => typeof v !== 'string'))
    return 'prompt argument not a string';
  if (c.kind === 'prompt' && /^Invalid arguments for prompt /.test(message)) return 'prompt argument missing';
  if (c.kind === 'resource' && message === 'Invalid URL') return 'URI not a URL';
  if (c.kind === 'resource' && /^Resource [\s\S]* not found$/.test(message)) return 'URI matches no template';
  return undefined;
}

beforeAll(async () => {
  s = await startDrawnServer({ TWINSEG_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES) });
  outsideBefore = await listTree(s.outside);
  tools = (await s.client.listTools()).tools;
  templates = (await s.client.listResourceTemplates()).resourceTemplates;
  prompts = (await s.client.listPrompts()).prompts;
  watchdog = startWatchdog(STALL_MS);
});

afterAll(async () => {
  watchdog?.stop();
  console.log(
    `${figures.summary('MCP fuzz')}\n  error samples:\n${[...errorSamples.entries()].map(([k, v]) => `    ${k}: ${v}`).join('\n')}`,
  );
  await s?.close();
});

describe('fuzzed MCP calls', () => {
  it('advertises tools, resource templates and a prompt to fuzz', () => {
    expect(tools.length).toBeGreaterThan(0);
    expect(templates.length).toBeGreaterThan(0);
    expect(prompts.length).toBeGreaterThan(0);
  });

  it(`answers ${RUNS} generated calls without a crash or hang, every failure a coded, actionable error`, async () => {
    // Seed the pool of live twin ids with one real build, so generated calls reach existing twins.
    const seeded = (await s.client.callTool({ name: 'build_digital_twin', arguments: { image: 'photo.png' } })) as CallToolResult;
    expect(seeded.isError, textOf(seeded)).toBeFalsy();
    noteTwins(seeded);
    expect(liveTwins.length).toBe(1);

    await fc.assert(
      fc.asyncProperty(callArb(), async (call) => {
        const problems = await perform(call);
        if (problems.length) throw new Error(problems.map((p) => p.slice(0, 800)).join('\n  '));
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );

    expect(figures.calls).toBeGreaterThanOrEqual(RUNS);
    expect(figures.crashes + figures.hangs).toBe(0);
    // Still serving after all of it.
    await s.client.ping();
    const again = (await s.client.callTool({ name: 'build_digital_twin', arguments: { image: 'photo.png' } })) as CallToolResult;
    expect(again.isError, textOf(again)).toBeFalsy();
  });

  it('wrote nothing outside the allowed roots and logged no unexpected failure', async () => {
    expect(await listTree(s.outside)).toEqual(outsideBefore);
    expect(s.logs.filter((l) => / failed: /.test(l))).toEqual([]);
  });
});

// `twinseg call TOOL JSON`: any MCP tool from a shell, against the twins in TWINSEG_HOME, so the host's
// reasoning loop (build, label, filter, segment, get_mask) can be tried without a host. The call goes
// through the real MCP server in this process (an in-memory client), so it is checked and answered
// exactly as a host's would be, and a tool added to the server is callable here with no change.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { TwinsegError } from '../errors.js';
import { packageVersion } from '../package-info.js';
import { cliToolWords } from './cli-words.js';
import { interruptSignal, parseCommandArgs, UsageError, withApp, writeUserFile, type CliCommand, type CliIo } from './cli-io.js';
import { progressDisplay } from './progress-display.js';

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/** The JSON arguments: the second argument, `-` for stdin, or none ({}). */
async function readArguments(text: string | undefined): Promise<Record<string, unknown>> {
  if (text === undefined) return {};
  const raw = text === '-' ? await readStdin() : text;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw new UsageError(
      `The arguments are not JSON (${e instanceof Error ? e.message : String(e)}). Quote them for the shell: '{"twin_id": "tw_…"}'.`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError('The arguments must be a JSON object, e.g. {"twin_id": "tw_…"}.');
  return value as Record<string, unknown>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One line per tool: its name, its arguments (required ones without "?") and the first sentence it says. */
export function toolListText(tools: readonly Tool[]): string {
  const lines = tools.map((t) => {
    const required = new Set(t.inputSchema.required ?? []);
    const args = Object.keys(t.inputSchema.properties ?? {}).map((k) => (required.has(k) ? k : `${k}?`));
    const first = (t.description ?? '').split(/(?<=[a-z)]\.)\s(?=[A-Z])/)[0];
    return `  ${t.name} {${args.join(', ')}}\n      ${first}`;
  });
  return `Tools (twinseg call TOOL '{"argument": value, …}'):\n${lines.join('\n')}\n`;
}

/** Writes the result's pictures as DIR/TOOL-N.ext and says where; without DIR, says they were left out. */
async function savePictures(
  io: CliIo,
  result: CallToolResult,
  tool: string,
  dir: string | undefined,
  force: boolean | undefined,
): Promise<void> {
  const pictures = result.content.filter((c): c is { type: 'image'; data: string; mimeType: string } => c.type === 'image');
  if (!pictures.length) return;
  if (!dir) {
    io.stderr(`(${pictures.length} picture(s) in the result; pass --pictures DIR to write them)\n`);
    return;
  }
  const twinId = (result.structuredContent as { twin_id?: unknown } | undefined)?.twin_id;
  const stem = typeof twinId === 'string' ? `${tool}-${twinId}` : tool;
  for (const [i, p] of pictures.entries()) {
    const file = path.join(dir, `${stem}${pictures.length > 1 ? `-${i + 1}` : ''}.${EXTENSIONS[p.mimeType] ?? 'bin'}`);
    await writeUserFile(file, Buffer.from(p.data, 'base64'), force);
    io.stderr(`picture written to ${file}\n`);
  }
}

export const callCommand: CliCommand = {
  name: 'call',
  summary: 'Call an MCP tool from the shell (filter_objects, label_objects, segment, get_mask, …); no TOOL lists them',
  usage: "call [TOOL ['JSON' | -]] [--pictures DIR [--force]]",
  help: [
    'Runs TOOL with the JSON arguments (or JSON read from stdin with -) through the MCP server in this process,',
    "against the twins kept in TWINSEG_HOME, as a host would. Prints the result's JSON on stdout and its",
    'summary on stderr; a tool error exits 1 with its code and hint. Image paths are read, and output_path',
    'written, only inside TWINSEG_ROOTS (default: this folder and the temp folder).',
    '',
    'Options:',
    '  --pictures DIR   Write the pictures a result carries (marks, overlays, close-ups) into DIR',
    '  --force          Replace those files if they exist',
    '',
    'Examples:',
    '  twinseg call                                             # the tools and their arguments',
    '  twinseg call build_digital_twin \'{"image": "/abs/photo.jpg"}\' --pictures .',
    '  twinseg call label_objects \'{"twin_id": "tw_…", "labels": [{"id": 2, "label": "dog"}]}\'',
    '  twinseg call filter_objects \'{"twin_id": "tw_…", "query": {"where": {"text": "dog"}}}\'',
    '  twinseg call segment \'{"twin_id": "tw_…", "points": [{"x": 120, "y": 80, "label": 1}]}\'',
    '  twinseg call get_mask \'{"twin_id": "tw_…", "ids": [2], "format": "overlay"}\' --pictures .',
  ].join('\n'),
  async run(args, io, config) {
    const { values, positionals } = parseCommandArgs(args, { pictures: { type: 'string' }, force: { type: 'boolean' } }, true);
    const [tool, json, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}"; quote the JSON as one argument.`);
    const toolArgs = await readArguments(json);
    const pictures = values.pictures === undefined ? undefined : path.resolve(values.pictures);
    if (
      pictures &&
      !(await fs.stat(pictures).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      throw new UsageError(`--pictures needs an existing folder; ${pictures} is not one.`);
    }
    const { createServer } = await import('../server/server.js');
    const { fixedRoots } = await import('../roots/session-roots.js');
    return withApp(config(), io, async (app) => {
      const server = createServer(app, { roots: fixedRoots(app.roots) });
      const client = new Client({ name: 'twinseg-cli', version: packageVersion() });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      await client.connect(clientSide);
      const stop = interruptSignal();
      try {
        if (tool === undefined) {
          io.stdout(toolListText((await client.listTools()).tools));
          return 0;
        }
        const progress = progressDisplay(io, tool);
        const result = (await client
          .callTool({ name: tool, arguments: toolArgs }, undefined, {
            signal: stop.signal,
            onprogress: (p) => progress.update({ done: p.progress, total: p.total ?? p.progress, message: p.message }),
            resetTimeoutOnProgress: true,
            // A build on a CPU may take minutes; Ctrl-C is the way to stop it.
            timeout: 24 * 60 * 60 * 1000,
          })
          .catch((e: unknown) => {
            if (stop.signal.aborted) throw new TwinsegError('CANCELLED', 'The call was cancelled.', { cause: e });
            throw e;
          })
          .finally(() => progress.stop())) as CallToolResult;
        const texts = result.content.filter((c): c is { type: 'text'; text: string } => c.type === 'text').map((c) => c.text);
        if (result.isError) {
          io.stderr(`twinseg: ${cliToolWords(texts.join(' '))}\n`);
          return 1;
        }
        if (texts[0]) io.stderr(`${texts[0]}\n`);
        io.stdout(`${result.structuredContent ? JSON.stringify(result.structuredContent) : texts.slice(1).join('\n')}\n`);
        await savePictures(io, result, tool, pictures, values.force);
        return 0;
      } finally {
        stop.dispose();
        await client.close();
        await server.close();
      }
    });
  },
};

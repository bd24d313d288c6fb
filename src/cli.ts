#!/usr/bin/env node
// The `twinseg` command. stdout carries only command output (in `serve` over stdio: only MCP);
// progress, logs and errors go to stderr.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createAppContext, type AppContext } from './app-context.js';
import { writeFileAtomic } from './atomic-write.js';
import { loadConfig, PRESET_NAMES, type Config } from './config.js';
import { toTwinsegError, TwinsegError } from './errors.js';
import type { Progress } from './perception/types.js';
import { GRANULARITIES, MASK_FORMATS, MASK_OPS, type MaskFormat, type MaskOp } from './twin/service-types.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
};

export const USAGE = `Usage: twinseg <command> [options]

Commands:
  serve [--http PORT] [--host HOST]   Run the MCP server (stdio by default; Streamable HTTP with --http)
  build IMAGE [--json] [--marks OUT.png] [--preset fast|balanced|thorough] [--granularity wholes|parts]
                                      Build the digital twin of an image and print it
  mask TWIN IDS --out FILE [--op union|intersection|difference] [--format png|rle|polygon|cutout|overlay]
                                      Write the mask of objects (IDS like 3,7) of a built twin
  models list [--json]                List known models and whether their files are present and verified
  models pull NAME                    Download (or verify) a model's files
  doctor [--json] [--no-load]         Check runtime, configuration, roots, model files and providers

Configuration comes from TWINSEG_* environment variables (see README "Configuration").
`;

class UsageError extends Error {}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined || v === '') throw new UsageError(`Missing ${what}.`);
  return v;
}

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], what: string, fallback: T): T {
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${what} must be one of ${allowed.join(', ')}; got "${v}".`);
  return v as T;
}

function progressPrinter(io: CliIo): (p: Progress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 250 && p.done < p.total) return;
    last = now;
    io.stderr(`  ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}\n`);
  };
}

/** Ctrl-C cancels the running command cleanly instead of killing it mid-write. */
function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onInt = () => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onInt);
  return { signal: ac.signal, dispose: () => process.off('SIGINT', onInt) };
}

async function withApp<T>(config: Config, io: CliIo, fn: (app: AppContext) => Promise<T>): Promise<T> {
  const app = await createAppContext(config, { log: (m) => io.stderr(m.endsWith('\n') ? m : `${m}\n`) });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

async function cmdServe(args: string[], config: Config, io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { http: { type: 'string' }, host: { type: 'string' } }, strict: true });
  const port = values.http === undefined ? undefined : Number(values.http);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UsageError(`--http needs a port number; got "${values.http}".`);
  }
  const app = await createAppContext(config, { log: (m) => io.stderr(m.endsWith('\n') ? m : `${m}\n`) });
  // A long-running server outlives any one request: a promise someone forgot to await is a bug to
  // log, not a reason to drop every client (Node's default would exit).
  process.on('unhandledRejection', (e) => {
    const err = e instanceof Error ? (e.stack ?? e.message) : String(e);
    app.log(`twinseg: unhandled rejection (please report): ${err}`);
  });
  if (port !== undefined) {
    const { startHttpServer } = await import('./tools/http.js');
    const handle = await startHttpServer(app, {
      host: values.host ?? config.http.host,
      port,
      token: config.http.token,
      allowedOrigins: config.http.allowedOrigins,
      maxBodyBytes: Math.ceil((config.maxImageBytes * 4) / 3) + 1024 * 1024,
    });
    io.stderr(`twinseg: MCP over Streamable HTTP at ${handle.url}\n`);
    if (!config.http.token) io.stderr(`twinseg: bearer token (set TWINSEG_TOKEN to choose it): ${handle.token}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await handle.close();
    await app.close();
    return 0;
  }
  // Anything a dependency prints with console.log would corrupt the JSON-RPC stream.
  console.log = console.error;
  console.info = console.error;
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const { createServer } = await import('./tools/server.js');
  const server = createServer(app);
  const transport = new StdioServerTransport();
  await server.connect(transport);
  // stderr only: a person who started it by hand learns it is up and what it may read.
  io.stderr(`twinseg: MCP server on stdio (model ${config.model} loads on the first build); roots: ${config.roots.join(', ')}\n`);
  await new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close().catch(() => undefined);
  await app.close();
  return 0;
}

async function cmdBuild(args: string[], config: Config, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, marks: { type: 'string' }, preset: { type: 'string' }, granularity: { type: 'string' } },
  });
  const image = need(positionals[0], 'IMAGE (a path to an image file)');
  // Left undefined when not given, exactly as an MCP call would, so both find the same cached twin.
  const preset = values.preset === undefined ? undefined : oneOf(values.preset, PRESET_NAMES, '--preset', 'balanced');
  const granularity =
    values.granularity === undefined ? undefined : oneOf(values.granularity, GRANULARITIES, '--granularity', 'parts');
  const { compactView } = await import('./twin/views.js');
  return withApp(config, io, async (app) => {
    const stop = interruptSignal();
    try {
      const imageArg = /^data:|^file:/i.test(image) ? image : path.resolve(image);
      const outcome = await app.twins.build(
        { image: imageArg, preset, granularity },
        { signal: stop.signal, onProgress: progressPrinter(io) },
      );
      const { twin } = outcome;
      if (values.marks) {
        const marks = await app.twins.marks(twin.id, { maxSide: 1568 });
        await writeFileAtomic(path.resolve(values.marks), marks.data);
        io.stderr(`marks image written to ${path.resolve(values.marks)}\n`);
      }
      const view = compactView(twin);
      if (values.json) {
        io.stdout(`${JSON.stringify({ ...view, cached: outcome.cached, stats: outcome.stats })}\n`);
        return 0;
      }
      io.stdout(`twin ${twin.id}${outcome.cached ? ' (cached)' : ''}\n`);
      io.stdout(`image ${twin.image.width}x${twin.image.height}, ${twin.objects.length} objects\n`);
      io.stdout('id\tlevel\tparent\tbbox\tarea%\tposition\tcolor\tlabel\n');
      for (const o of view.objects) {
        io.stdout(`${o.id}\t${o.level}\t${o.parent ?? '-'}\t${o.bbox.join(',')}\t${o.area_pct}\t${o.position}\t${o.color}\t${o.label ?? ''}\n`);
      }
      return 0;
    } finally {
      stop.dispose();
    }
  });
}

async function cmdMask(args: string[], config: Config, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, op: { type: 'string' }, format: { type: 'string' } },
  });
  const twinId = need(positionals[0], 'TWIN (the twin id printed by `twinseg build`)');
  const idText = need(positionals[1], 'IDS (object ids, e.g. 3,7)');
  const ids = idText.split(',').map((s) => Number(s.trim()));
  if (ids.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError(`IDS must be positive integers separated by commas; got "${idText}".`);
  const op = oneOf<MaskOp>(values.op, MASK_OPS, '--op', 'union');
  const format = oneOf<MaskFormat>(values.format, MASK_FORMATS, '--format', 'png');
  const out = path.resolve(need(values.out, '--out FILE'));
  return withApp(config, io, async (app) => {
    const m = await app.twins.mask({ twinId, ids, op, format });
    const data = m.png ?? JSON.stringify(m.rle ? { rle: m.rle } : { polygons: m.polygons });
    await writeFileAtomic(out, data);
    io.stdout(`${JSON.stringify({ twin_id: twinId, ids, op, format, area: m.area, bbox: m.bbox, file: out, uri: pathToFileURL(out).href })}\n`);
    return 0;
  });
}

async function cmdModels(args: string[], config: Config, io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (sub === 'list') {
    const { listModels } = await import('./perception/model-store.js');
    const models = await listModels(config);
    if (values.json) {
      io.stdout(`${JSON.stringify(models)}\n`);
      return 0;
    }
    for (const m of models) {
      const state = m.verified ? 'verified' : m.usable ? 'usable' : m.present ? 'CORRUPT' : 'missing';
      const mark = m.name === config.model ? '*' : ' ';
      io.stdout(`${mark} ${m.name}\t${m.source}\t${state}\t${m.description}\n`);
    }
    return 0;
  }
  if (sub === 'pull') {
    const name = need(positionals[0], 'NAME (see `twinseg models list`)');
    const { pullModel } = await import('./perception/download.js');
    const stop = interruptSignal();
    try {
      let last = 0;
      const result = await pullModel(name, config, {
        signal: stop.signal,
        onProgress: (p) => {
          if (Date.now() - last < 500) return;
          last = Date.now();
          const pct = p.total ? ` (${Math.floor((100 * p.bytes) / p.total)}%)` : '';
          io.stderr(`  ${p.role}: ${p.bytes} bytes${pct}\n`);
        },
      });
      io.stdout(`${JSON.stringify(result)}\n`);
      return 0;
    } finally {
      stop.dispose();
    }
  }
  throw new UsageError('Use `twinseg models list` or `twinseg models pull NAME`.');
}

async function cmdDoctor(args: string[], config: Config, io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, 'no-load': { type: 'boolean' } } });
  const { gatherDoctorReport } = await import('./cli/doctor.js');
  const report = await gatherDoctorReport(config, { loadSessions: !values['no-load'], log: (m) => io.stderr(`${m}\n`) });
  if (values.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout(`node ${report.runtime.node} on ${report.runtime.platform}/${report.runtime.arch}, ${report.runtime.cpus} CPUs\n`);
    io.stdout(`onnxruntime ${report.providers.onnxruntimeVersion}; backends: ${report.providers.backends.map((b) => b.name).join(', ') || '(not listed)'}\n`);
    io.stdout(`home ${report.config.home}\noutput ${report.config.outputDir} (${report.outputDirWritable ? 'writable' : 'NOT writable'})\n`);
    for (const r of report.roots) io.stdout(`root ${r.path}${r.exists ? '' : ' (MISSING)'}\n`);
    for (const m of report.models) io.stdout(`model ${m.name}: ${m.verified ? 'verified' : m.usable ? 'usable' : m.present ? 'corrupt' : 'missing'}\n`);
    for (const s of report.sessions) io.stdout(`${s.role}: ${s.ok ? `loads on ${s.provider}` : `FAILS: ${s.error}`}\n`);
    io.stdout(`gpu: ${report.gpu.seen ? `NVIDIA driver seen (${report.gpu.evidence})` : `none seen (${report.gpu.evidence})`}\n`);
    for (const a of report.providers.attempts) {
      for (const f of a.fallbacks) io.stdout(`provider ${f.provider} unavailable for ${a.model}: ${f.reason}\n`);
    }
    io.stdout(report.ok ? 'ok\n' : `${report.problems.length} problem(s):\n${report.problems.map((p) => `- ${p}\n`).join('')}`);
  }
  return report.ok ? 0 : 1;
}

export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      const { SERVER_VERSION } = await import('./tools/server.js');
      io.stdout(`${SERVER_VERSION}\n`);
      return 0;
    }
    const config = loadConfig(io.env);
    switch (command) {
      case 'serve':
        return await cmdServe(rest, config, io);
      case 'build':
        return await cmdBuild(rest, config, io);
      case 'mask':
        return await cmdMask(rest, config, io);
      case 'models':
        return await cmdModels(rest, config, io);
      case 'doctor':
        return await cmdDoctor(rest, config, io);
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`twinseg: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    const err = e instanceof TwinsegError ? e : toTwinsegError(e);
    io.stderr(`twinseg: ${err.code}: ${err.fullMessage}\n`);
    return 1;
  }
}

// Run only as the entry point, not when a test imports runCli. npm links bins, so compare real paths.
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(fileURLToPath(import.meta.url)) === realpathSync(entry);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `twinseg build x.jpg | head` closes stdout early; that is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  runCli(process.argv.slice(2)).then(
    (code) => {
      // A served session is over: native thread pools must not keep the process alive.
      if (process.argv[2] === 'serve') process.exit(code);
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`twinseg: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

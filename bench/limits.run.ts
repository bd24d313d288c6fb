// The limits of docs/security.md, measured from outside the server: `twinseg serve` runs as a child
// process (HTTP, and stdio for the request-size limit) on a fresh home, and its memory is read from
// /proc/<pid>/status (VmRSS, and VmHWM for the peak between samples). Prints a table, writes
// bench/out/limits.json and the bench:limits block of docs/security.md. Nothing here asserts a time or a size: the figures are for people to read.
//
//   npm run bench:limits                         (this checkout's dist/)
//   TWINSEG_LIMITS_CLI=/path/to/dist/cli.js npm run bench:limits   (another build, to compare)
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { it } from 'vitest';
import { tempDir } from '../test/helpers/mcp-harness.js';
import { machine, writeBenchOutput, writeDocsBlock } from './bench-output.js';
import { memoryOf } from './stress/process-gauge.js';
import { startServerChild } from './stress/server-child.js';

const CLI = path.resolve(process.env.TWINSEG_LIMITS_CLI ?? 'dist/cli.js');
const TOKEN = 'limits-bench-token-0123456789abcdef';
const SIDE = 8000; // 64 Mpx, the default pixel limit
const MiB = 1024 * 1024;

/** A 64 Mpx picture of a dozen flat shapes: a small PNG (~1.5 MB) that decodes to 192 MB of pixels. */
async function bigPicture(file: string, background: string, seed: number): Promise<void> {
  const shapes: string[] = [];
  for (let i = 0; i < 12; i++) {
    const x = (i % 4) * 2000 + 300 + seed * 37;
    const y = Math.floor(i / 4) * 2600 + 300;
    shapes.push(
      i % 2
        ? `<circle cx="${x + 700}" cy="${y + 700}" r="650" fill="hsl(${i * 30 + seed},70%,50%)"/>`
        : `<rect x="${x}" y="${y}" width="1400" height="1800" fill="hsl(${i * 30 + seed},60%,40%)"/>`,
    );
  }
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}">${shapes.join('')}</svg>`);
  await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background }, limitInputPixels: false })
    .composite([{ input: svg }])
    .png()
    .toFile(file);
}

/**
 * Samples the child's memory every 100 ms while `work` runs: the highest VmRSS seen and VmHWM after. A
 * child that dies meanwhile (killed for its memory, or exited) ends the wait with what was seen.
 */
async function peakDuring<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T | string; seconds: number; peakMb: number; hwmMb: number }> {
  let peak = 0;
  let hwm = 0;
  let died: (why: string) => void = () => undefined;
  const gone = new Promise<string>((resolve) => (died = resolve));
  const timer = setInterval(
    () =>
      void memoryOf(pid).then(
        (m) => {
          peak = Math.max(peak, m.rssMb);
          hwm = Math.max(hwm, m.peakMb);
        },
        () => died(`the server process is gone (last seen at ${peak.toFixed(0)} MB)`),
      ),
    100,
  );
  const started = performance.now();
  try {
    const result = await Promise.race([work(), gone]);
    const m = await memoryOf(pid).catch(() => ({ rssMb: peak, peakMb: hwm }));
    return { result, seconds: (performance.now() - started) / 1000, peakMb: Math.max(peak, m.rssMb), hwmMb: Math.max(hwm, m.peakMb) };
  } finally {
    clearInterval(timer);
  }
}

const call = async (c: Client, name: string, args: Record<string, unknown>) =>
  (await c.callTool({ name, arguments: args }, undefined, { timeout: 1_800_000 })) as CallToolResult;

/** Thrown to skip what is left of the HTTP steps once the server is gone. */
class Stop extends Error {}

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ');

const chars = (r: CallToolResult) =>
  r.content.reduce((n, c) => n + (c.type === 'text' ? c.text.length : 0), 0) + JSON.stringify(r.structuredContent ?? {}).length;

/** One stdio server: how long a request over its limit takes to be answered, and whether it answers after. */
async function stdioOversize(
  home: string,
  root: string,
): Promise<{ requestMiB: number; answeredS: number; answer: string; servesAfter: boolean; peakMb: number }> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, TWINSEG_HOME: home, TWINSEG_ROOTS: root },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const replies = new Map<number, string>();
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      const id = (JSON.parse(line) as { id?: number }).id;
      if (typeof id === 'number') replies.set(id, line);
    }
  });
  child.stderr.resume();
  // A server that exits mid-write never drains: its closing stdin ends the wait too.
  child.stdin.on('error', () => undefined);
  const send = (m: object) =>
    new Promise<void>((resolve) => {
      if (child.stdin.write(`${JSON.stringify(m)}\n`)) return resolve();
      child.stdin.once('drain', resolve);
      child.stdin.once('close', resolve);
    });
  const reply = async (id: number, ms = 120_000) => {
    const until = Date.now() + ms;
    while (!replies.has(id) && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    return replies.get(id);
  };
  try {
    await send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'limits', version: '1' } },
    });
    await reply(1);
    await send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const requestMiB = 70;
    const {
      result: answer,
      seconds,
      peakMb,
    } = await peakDuring(child.pid!, async () => {
      await send({
        jsonrpc: '2.0',
        method: 'tools/call',
        params: { name: 'build_digital_twin', arguments: { image: 'A'.repeat(requestMiB * MiB) } },
        id: 2,
      });
      return (await reply(2)) ?? `no answer (server ${child.exitCode === null ? 'running' : `exited ${child.exitCode}`})`;
    });
    await send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    return { requestMiB, answeredS: seconds, answer: answer.slice(0, 160), servesAfter: (await reply(3, 10_000)) !== undefined, peakMb };
  } finally {
    child.kill('SIGTERM');
  }
}

it('measures the limits of docs/security.md from outside the server', async () => {
  const work = await tempDir('twinseg-limits-');
  const root = path.join(work, 'root');
  await fs.mkdir(root);
  const pictures = ['a', 'b', 'c'].map((n) => path.join(root, `big-${n}.png`));
  await Promise.all(pictures.map((p, i) => bigPicture(p, ['#d8d0c0', '#c0d0d8', '#d0d8c0'][i]!, i)));
  const env = { TWINSEG_HOME: path.join(work, 'home'), TWINSEG_ROOTS: root, TWINSEG_PROVIDERS: 'cpu' };
  const rows: [string, string][] = [];
  const row = (what: string, figure: string) => {
    rows.push([what, figure]);
    console.log(`limits: ${what}: ${figure}`);
  };
  const figures: Record<string, unknown> = { cli: CLI, machine: machine('cpu') };
  const server = await startServerChild(env, TOKEN, CLI);
  try {
    const client = await server.connect('limits');
    const idle = await memoryOf(server.pid);
    row('server RSS idle', `${idle.rssMb.toFixed(0)} MB`);

    // Two 64 Mpx builds at once on a cold home (the four-token decoder derived and checked meanwhile).
    const two = await peakDuring(server.pid, () =>
      Promise.all(pictures.slice(0, 2).map((image) => call(client, 'build_digital_twin', { image, preset: 'fast' }))),
    );
    const builds = typeof two.result === 'string' ? [] : two.result;
    const errors =
      typeof two.result === 'string'
        ? [two.result]
        : builds.filter((r) => r.isError).map((r) => (r.content[0] as { text: string }).text.slice(0, 120));
    figures.twoColdBuilds = { seconds: two.seconds, peakMb: two.peakMb, hwmMb: two.hwmMb, errors };
    row(
      'two 64 Mpx pictures (8000×8000 PNGs) built at once on a cold home, the four-token decoder derived and checked meanwhile',
      `peak ${two.hwmMb.toFixed(0)} MB (VmHWM), ${two.seconds.toFixed(0)} s${errors.length ? `, errors: ${errors.join(' | ')}` : ''}`,
    );
    if (typeof two.result === 'string') throw new Stop();

    // The same picture again as base64: the copy kept for restarts is the bytes sent.
    const bytes = await fs.readFile(pictures[2]!);
    const inline = await peakDuring(server.pid, () =>
      call(client, 'build_digital_twin', { image: bytes.toString('base64'), preset: 'fast' }),
    );
    const kept = await fs.readdir(path.join(env.TWINSEG_HOME, 'images')).catch(() => [] as string[]);
    const keptBytes = (await Promise.all(kept.map(async (n) => (await fs.stat(path.join(env.TWINSEG_HOME, 'images', n))).size))).reduce(
      (a, b) => a + b,
      0,
    );
    const failed =
      typeof inline.result === 'string' ? inline.result : inline.result.isError ? textOf(inline.result).slice(0, 120) : undefined;
    figures.base64Build = {
      sentBytes: bytes.length,
      keptFiles: kept.length,
      keptBytes,
      seconds: inline.seconds,
      hwmMb: inline.hwmMb,
      error: failed ?? false,
    };
    row(
      '64 Mpx build from base64',
      `${(bytes.length / MiB).toFixed(1)} MiB sent, ${(keptBytes / MiB).toFixed(1)} MiB kept on disk, ${inline.seconds.toFixed(0)} s, peak so far ${inline.hwmMb.toFixed(0)} MB${failed ? `, ${failed}` : ''}`,
    );
    if (typeof inline.result === 'string') throw new Stop();

    // 1,000 labels with long text: what comes back.
    const built = builds[0]?.structuredContent as { twin_id: string; object_count: number } | undefined;
    if (built) {
      const labels = Array.from({ length: 1000 }, (_, i) => ({
        id: 1 + (i % built.object_count),
        label: `${i} ${'x'.repeat(190)}`,
        description: 'd'.repeat(2000),
      }));
      const labelled = await call(client, 'label_objects', { twin_id: built.twin_id, labels });
      figures.label1000 = { chars: chars(labelled), json: JSON.stringify(labelled).length };
      row(
        'label_objects, 1,000 long labels',
        `${chars(labelled).toLocaleString('en')} characters of text, ${JSON.stringify(labelled).length.toLocaleString('en')} as JSON`,
      );
    }
    const end = await memoryOf(server.pid);
    row('server RSS after', `${end.rssMb.toFixed(0)} MB, peak over the run ${end.peakMb.toFixed(0)} MB`);
    figures.rss = { idleMb: idle.rssMb, endMb: end.rssMb, peakMb: end.peakMb };
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    figures.serverLogTail = server.log.slice(-8);
    row('server log, last lines', server.log.slice(-3).join(' / ').slice(0, 400));
  } finally {
    await server.stop();
  }

  console.log('limits: stdio request over the limit');
  const stdio = await stdioOversize(path.join(work, 'home-stdio'), root);
  figures.stdioOversize = stdio;
  row(
    `stdio request of ${stdio.requestMiB} MiB`,
    `answered in ${stdio.answeredS.toFixed(1)} s (${stdio.answer.includes('"error"') ? 'JSON-RPC error' : stdio.answer}), serves after: ${stdio.servesAfter}, peak ${stdio.peakMb.toFixed(0)} MB`,
  );

  console.log(
    `\nlimits of ${CLI} (${figures.machine && (figures.machine as { cpu: string; cores: number }).cores} cores):\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n`,
  );
  await writeBenchOutput(process.env.TWINSEG_LIMITS_CLI ? 'limits-other' : 'limits', figures);
  // Another build's figures are for comparing, not for the docs of this one.
  if (!process.env.TWINSEG_LIMITS_CLI) {
    const table = ['| what | measured |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`)].join('\n');
    console.log(`limits: wrote ${await writeDocsBlock('security.md', 'limits', 'npm run bench:limits', machine('cpu'), table)}`);
  }
  await fs.rm(work, { recursive: true, force: true });
});

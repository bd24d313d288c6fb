// One report from the benches' outputs: bench/out/{perception,twin,server,eval,suite}.json in, and
// REPORT.md, report.json and the plots (SVG and PNG) out. A bench that has not written its file shows as
// "not run", a file that does not parse as "unreadable" with the reason: the report never fills a gap
// with a number. Run after the benches: npm run bench:report (npm run bench runs everything).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { writeFileAtomic } from '../src/atomic-write.js';
import { BENCH_OUT_DIR, BENCH_REPORT_DIR, writeDocsBlock } from './bench-output.js';
import {
  BENCH_NAMES,
  BENCH_SCHEMAS,
  type BenchName,
  type EvalBench,
  type PerceptionBench,
  type ServerBench,
  type SuiteBench,
  type TwinBench,
} from './bench-types.js';
import { oracleSpec, renderPlot, speedRecallSpec, stagesSpec, type StageTime } from './report-plots.js';

type Source<T> =
  | { status: 'ok'; file: string; generatedAt: string; data: T }
  | { status: 'missing'; file: string }
  | { status: 'unreadable'; file: string; error: string };

interface Sources {
  perception: Source<PerceptionBench>;
  twin: Source<TwinBench>;
  server: Source<ServerBench>;
  eval: Source<EvalBench>;
  suite: Source<SuiteBench>;
}

async function readSource<T>(dir: string, name: BenchName, schema: z.ZodType<T>): Promise<Source<T>> {
  const file = path.join(dir, `${name}.json`);
  let text: string;
  let mtime: Date;
  try {
    [text, mtime] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file).then((s) => s.mtime)]);
  } catch {
    return { status: 'missing', file };
  }
  try {
    const raw = JSON.parse(text) as { generatedAt?: unknown };
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      return { status: 'unreadable', file, error: `${i.path.join('.') || '(top level)'}: ${i.message}` };
    }
    return {
      status: 'ok',
      file,
      generatedAt: typeof raw.generatedAt === 'string' ? raw.generatedAt : mtime.toISOString(),
      data: parsed.data,
    };
  } catch (e) {
    return { status: 'unreadable', file, error: e instanceof Error ? e.message : String(e) };
  }
}

const f = (x: number, d = 0) => x.toFixed(d);
/** A ratio with the range of its runs where there were several: "2.41 (2.34–2.52, 3 runs)". */
const ratioCell = (ratio: number, runs: readonly number[] | undefined) =>
  runs && runs.length > 1 ? `${f(ratio, 2)} (${f(Math.min(...runs), 2)}–${f(Math.max(...runs), 2)}, ${runs.length} runs)` : f(ratio, 2);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function notRun(s: Source<unknown>, what: string): string {
  const rel = path.join('bench', 'out', path.basename(s.file));
  if (s.status === 'missing') return `_Not run: ${rel} is missing (${what})._`;
  if (s.status === 'unreadable') return `_Unreadable: ${rel}: ${s.error}._`;
  return '';
}

/** Per-stage medians from whichever benches ran. */
export function stageTimes(src: Sources): StageTime[] {
  const out: StageTime[] = [];
  const p = src.perception.status === 'ok' ? src.perception.data : undefined;
  if (p) {
    out.push({ stage: 'encoder, per image', ms: median(p.modes.map((m) => m.encoderMs)), source: 'perception' });
    const perCall = p.modes.filter((m) => m.decoderCalls > 0).map((m) => (m.totalMs - m.encoderMs) / m.decoderCalls);
    if (perCall.length) out.push({ stage: 'per decoder call: (total − encoder) / calls', ms: median(perCall), source: 'perception' });
    for (const m of p.modes.filter((m) => m.kind === 'preset'))
      out.push({ stage: `everything mode, ${m.name}`, ms: m.totalMs, source: 'perception' });
  }
  const t = src.twin.status === 'ok' ? src.twin.data : undefined;
  if (t) {
    out.push({ stage: 'twin from proposals', ms: median(t.rows.map((r) => r.buildMs)), source: 'twin' });
    out.push({ stage: 'all relations of a twin', ms: median(t.rows.map((r) => r.relationsMs)), source: 'twin' });
    out.push({ stage: 'filter query (in process)', ms: median(t.rows.map((r) => r.filterP50Us)) / 1000, source: 'twin' });
    for (const k of ['pngMs', 'rleMs', 'polygonMs', 'cutoutMs', 'overlayMs', 'marksMs'] as const) {
      out.push({ stage: `mask as ${k.replace('Ms', '')}`, ms: median(t.encodings.map((e) => e[k])), source: 'twin' });
    }
  }
  const e = src.eval.status === 'ok' ? src.eval.data : undefined;
  if (e) {
    for (const p of e.oracle.presets)
      if (p.meanBuildMs !== null) out.push({ stage: `twin build, ${p.preset} (per image)`, ms: p.meanBuildMs, source: 'eval' });
  }
  const s = src.server.status === 'ok' ? src.server.data : undefined;
  if (s) for (const [k, l] of Object.entries(s.latencies)) out.push({ stage: `MCP ${k.replace(/_/g, ' ')}`, ms: l.p50, source: 'server' });
  return out;
}

export interface ReportOptions {
  inDir?: string;
  outDir?: string;
  /** Also write the perception, oracle and suite tables (and the speed-recall plot) into docs/ here. */
  docsDir?: string;
}

export interface ReportResult {
  files: string[];
  json: Record<string, unknown>;
}

export async function generateReport(opts: ReportOptions = {}): Promise<ReportResult> {
  const inDir = opts.inDir ?? BENCH_OUT_DIR;
  const outDir = opts.outDir ?? BENCH_REPORT_DIR;
  const entries = await Promise.all(
    BENCH_NAMES.map(async (n) => [n, await readSource(inDir, n, BENCH_SCHEMAS[n] as z.ZodType<unknown>)] as const),
  );
  const src = Object.fromEntries(entries) as unknown as Sources;
  const files: string[] = [];
  const plots: Record<string, string> = {};
  const plot = async (name: string, spec: Parameters<typeof renderPlot>[0]) => {
    const { svg, png } = await renderPlot(spec);
    for (const [ext, data] of [
      ['svg', svg],
      ['png', png],
    ] as const) {
      const file = path.join(outDir, `${name}.${ext}`);
      await writeFileAtomic(file, data);
      files.push(file);
    }
    plots[name] = `${name}.png`;
  };

  const md: string[] = ['# twinseg benchmark report', ''];
  const docs: { perception?: string; oracle?: string; suite?: string } = {};
  md.push(
    `Generated ${new Date().toISOString()} from ${BENCH_NAMES.map((n) => {
      const s = src[n];
      return `${n}: ${s.status === 'ok' ? s.generatedAt : s.status === 'missing' ? 'not run' : 'unreadable'}`;
    }).join('; ')}.`,
    '',
  );

  // Machine: the perception bench's, which is the one whose times depend on it most.
  md.push('## Machine', '');
  const machines = BENCH_NAMES.flatMap((n) =>
    src[n].status === 'ok'
      ? [[n, (src[n] as { data: { machine: { cpu: string; cores: number; provider: string } } }).data.machine] as const]
      : [],
  );
  const main = machines.find(([n]) => n === 'perception')?.[1] ?? machines.find(([, m]) => m.provider !== 'none')?.[1] ?? machines[0]?.[1];
  if (main) {
    md.push(table(['CPU', 'cores', 'provider'], [[main.cpu, main.cores, main.provider]]), '');
    const other = machines.filter(
      ([, m]) => m.cpu !== main.cpu || m.cores !== main.cores || (m.provider !== main.provider && m.provider !== 'none'),
    );
    if (other.length)
      md.push(`Measured elsewhere: ${other.map(([n, m]) => `${n} on ${m.cpu} (${m.cores} cores, ${m.provider})`).join('; ')}.`, '');
  } else md.push('_No bench has run._', '');

  md.push('## Speed against recall: presets and dense grids', '');
  if (src.perception.status === 'ok') {
    const p = src.perception.data;
    await plot('speed-recall', speedRecallSpec(p));
    md.push('![speed against recall](speed-recall.png)', '');
    docs.perception = table(
      [
        'mode',
        'kind',
        'prompts',
        'decoder calls',
        'total ms',
        'encoder ms',
        'total / encoder (median, range of runs)',
        'recall@0.5',
        'recall@0.75',
        'mean best IoU',
        'peak RSS MB',
      ],
      p.modes.map((m) => [
        m.name,
        m.kind,
        m.prompts,
        m.decoderCalls,
        f(m.totalMs),
        f(m.encoderMs),
        ratioCell(m.ratioToEncoder, m.ratios),
        f(m.recall50, 3),
        f(m.recall75, 3),
        f(m.meanBestIou, 3),
        f(m.peakRssMb),
      ]),
    );
    md.push(docs.perception, '');
  } else md.push(notRun(src.perception, 'npm run bench:perception'), '');

  md.push('## Per-stage times', '');
  const stages = stageTimes(src);
  if (stages.length) {
    await plot('stages', stagesSpec(stages));
    md.push('![median time per stage](stages.png)', '');
    md.push(
      table(
        ['stage', 'median ms', 'bench'],
        stages.map((s) => [s.stage, s.ms < 10 ? f(s.ms, 2) : f(s.ms), s.source]),
      ),
      '',
    );
  } else md.push('_No timed bench has run._', '');

  md.push('## Peak RSS', '');
  const rss: [string, number][] = [];
  if (src.perception.status === 'ok') rss.push(['perception', Math.max(...src.perception.data.modes.map((m) => m.peakRssMb))]);
  for (const n of ['twin', 'server', 'eval', 'suite'] as const) {
    const s = src[n];
    if (s.status === 'ok') rss.push([n, s.data.peakRssMb]);
  }
  md.push(
    rss.length
      ? table(
          ['bench', 'peak RSS MB'],
          rss.map(([n, v]) => [n, f(v)]),
        )
      : '_No bench has run._',
    '',
  );

  md.push('## Twin oracle per preset', '');
  md.push(
    'For every ground-truth segment: the best IoU of one twin object, and of a greedy union of objects — what a',
    'perfect reasoner picking ids could reach on twins built with that preset. Size buckets as COCO: small < 32²,',
    'medium < 96², large.',
    '',
  );
  if (src.eval.status === 'ok') {
    const e = src.eval.data;
    await plot('oracle', oracleSpec(e));
    md.push('![twin oracle](oracle.png)', '');
    const rows: (string | number)[][] = [];
    for (const p of e.oracle.presets) {
      for (const b of ['all', 'small', 'medium', 'large'] as const) {
        const part = p.summary[b];
        if (!part) continue;
        rows.push([
          b === 'all' ? p.preset : '',
          b,
          part.count,
          b === 'all' && p.meanBuildMs !== null ? f(p.meanBuildMs) : '',
          f(part.single.mean, 3),
          f(part.single.recall50, 3),
          f(part.single.recall75, 3),
          f(part.greedy.mean, 3),
          f(part.greedy.recall50, 3),
          f(part.greedy.recall75, 3),
        ]);
      }
    }
    docs.oracle = table(
      [
        'preset',
        'size',
        'targets',
        'build ms / image',
        'one object: mean IoU',
        'R@0.5',
        'R@0.75',
        'greedy union: mean IoU',
        'R@0.5',
        'R@0.75',
      ],
      rows,
    );
    md.push(docs.oracle, '');
  } else md.push(notRun(src.eval, 'npm run bench:eval'), '');

  md.push('## Reasoning suite: gIoU / cIoU per preset', '');
  md.push(
    'Drawn scenes with exact masks; each request run as the tool calls an agent makes (filters by colour, size,',
    'relation and part-of, unions, differences, a segment refinement) through the MCP server in process, scored',
    'as LISA does: gIoU the mean per-request IoU, cIoU summed intersections over summed unions.',
    '',
  );
  // The suite's own bench; an eval.json from before it had one may still carry a `suite`.
  const legacy = src.eval.status === 'ok' ? (src.eval.data.suite ?? null) : null;
  const suiteData = src.suite.status === 'ok' ? src.suite.data : null;
  if (suiteData) {
    const kinds = [...new Set(suiteData.presets.flatMap((p) => Object.keys(p.byKind)))];
    docs.suite = [
      `Seeds ${suiteData.seeds.join(', ')} (${suiteData.seeds.length} scenes).`,
      '',
      table(
        ['preset', 'requests', 'gIoU', 'cIoU', 'build ms / scene'],
        suiteData.presets.map((p) => [p.preset, p.count, f(p.gIoU, 3), f(p.cIoU, 3), f(p.meanBuildMs)]),
      ),
      '',
      table(
        ['request kind', ...suiteData.presets.map((p) => `${p.preset}: n, gIoU / cIoU`)],
        kinds.map((k) => [
          k,
          ...suiteData.presets.map((p) =>
            p.byKind[k] ? `${p.byKind[k].count}, ${f(p.byKind[k].gIoU, 3)} / ${f(p.byKind[k].cIoU, 3)}` : '—',
          ),
        ]),
      ),
    ].join('\n');
    md.push(docs.suite, '');
  } else if (legacy) {
    md.push(
      table(
        ['preset', 'samples', 'gIoU', 'cIoU'],
        legacy.presets.map((p) => [p.preset, p.count, f(p.gIoU, 3), f(p.cIoU, 3)]),
      ),
      '',
    );
  } else {
    md.push(
      notRun(src.suite, 'npm run bench:suite'),
      '',
      table(
        ['preset', 'gIoU', 'cIoU'],
        ['fast', 'balanced'].map((p) => [p, 'not run', 'not run']),
      ),
      '',
    );
  }

  md.push('## Server tools (in-process MCP client)', '');
  if (src.server.status === 'ok') {
    const s = src.server.data;
    md.push(
      `Preset ${s.preset}; ${s.images.map((i) => `${i.image}: ${i.objects} objects, cold build ${f(i.buildColdMs)} ms`).join('; ')}.`,
      '',
    );
    md.push(
      table(
        ['call', 'calls', 'p50 ms', 'p95 ms', 'max ms'],
        Object.entries(s.latencies).map(([k, l]) => [k, l.n, f(l.p50, 1), f(l.p95, 1), f(l.max, 1)]),
      ),
      '',
    );
  } else md.push(notRun(src.server, 'npm run bench:server'), '');

  if (src.twin.status === 'ok') {
    const t = src.twin.data;
    md.push('## Twin layer', '');
    md.push(
      table(
        ['image', 'proposals', 'objects', 'build ms', 'compact view tokens', 'detailed view tokens', 'filter p50 / p95 µs'],
        t.rows.map((r) => [
          r.image,
          r.set,
          r.objects,
          f(r.buildMs, 1),
          r.compactTokens,
          r.detailedTokens,
          `${f(r.filterP50Us)} / ${f(r.filterP95Us)}`,
        ]),
      ),
      '',
    );
  } else md.push('## Twin layer', '', notRun(src.twin, 'npm run bench:twin'), '');

  const json = {
    generatedAt: new Date().toISOString(),
    sources: Object.fromEntries(
      BENCH_NAMES.map((n) => [
        n,
        {
          status: src[n].status,
          file: src[n].file,
          ...(src[n].status === 'ok' ? { generatedAt: (src[n] as { generatedAt: string }).generatedAt } : {}),
          ...(src[n].status === 'unreadable' ? { error: (src[n] as { error: string }).error } : {}),
        },
      ]),
    ),
    machine: main ?? null,
    perception: src.perception.status === 'ok' ? src.perception.data.modes : null,
    stages,
    peakRssMb: Object.fromEntries(rss),
    oracle:
      src.eval.status === 'ok'
        ? src.eval.data.oracle.presets.map((p) => ({ preset: p.preset, meanBuildMs: p.meanBuildMs, summary: p.summary }))
        : null,
    suite: suiteData
      ? {
          seeds: suiteData.seeds,
          presets: suiteData.presets.map(({ preset, gIoU, cIoU, count, byKind, meanBuildMs }) => ({
            preset,
            gIoU,
            cIoU,
            count,
            byKind,
            meanBuildMs,
          })),
        }
      : (legacy ?? { status: 'not run' }),
    server: src.server.status === 'ok' ? src.server.data.latencies : null,
    plots,
  };
  if (opts.docsDir && main) {
    const written = async (file: string, name: string, command: string, markdown: string | undefined) => {
      if (markdown) files.push(await writeDocsBlock(file, name, command, main, markdown, opts.docsDir));
    };
    await written('performance.md', 'perception', 'npm run bench:perception', docs.perception);
    await written('evaluation.md', 'oracle', 'npm run bench:eval', docs.oracle);
    await written('evaluation.md', 'suite', 'npm run bench:suite', docs.suite);
    if (plots['speed-recall']) {
      await fs.copyFile(path.join(outDir, 'speed-recall.svg'), path.join(opts.docsDir, 'speed-recall.svg'));
      files.push(path.join(opts.docsDir, 'speed-recall.svg'));
    }
  }
  const mdFile = path.join(outDir, 'REPORT.md');
  const jsonFile = path.join(outDir, 'report.json');
  await writeFileAtomic(mdFile, `${md.join('\n').replace(/\n{3,}/g, '\n\n')}\n`);
  await writeFileAtomic(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  return { files: [mdFile, jsonFile, ...files], json };
}

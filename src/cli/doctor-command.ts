// `twinseg doctor`: prints the doctor report (doctor-report.ts) for a person, or as JSON.
import type { FourTokenStatus } from '../perception/diagnostics.js';
import type { BackendReport } from './doctor-report.js';
import { parseCommandArgs, type CliCommand } from './cli-io.js';

function describeSpeedups(s: FourTokenStatus): string {
  let out = '';
  if (s.sharing)
    out += s.sharing.shared
      ? '; a batch of prompts shares the image-side work'
      : `; prompts do not share the image-side work (${s.sharing.reason})`;
  if (s.upscaling)
    out += s.upscaling.rewritten
      ? "; the mask head runs as per-token MatMuls (in everything mode on the CPU, only over the image's tokens, not the padding)"
      : `; the mask head runs as exported (${s.upscaling.reason})`;
  if (s.attention) {
    out +=
      s.attention.blocks > 0
        ? `; ${s.attention.blocks} prompt–image attention blocks project on the prompts' side`
        : `; attention runs as exported (${s.attention.reason ?? 'no block between prompts and image'})`;
  }
  if (s.split) {
    out += s.split.split
      ? `; on the CPU its image-side work (${s.split.tensors} tensors) runs once per image`
      : `; its image-side work runs with every prompt batch (${s.split.reason})`;
  }
  return out;
}

function describeFourToken(s: FourTokenStatus): string {
  const head = "four-token decoder (all of SAM's mask granularities per prompt): ";
  if (s.state === 'verified')
    return `${head}verified on ${s.verdict?.image ?? 'an image'} (lowest IoU ${s.verdict?.minIou}); ${s.file ?? 'in memory'}${describeSpeedups(s)}`;
  if (s.state === 'pending')
    return `${head}derived (${s.file ?? 'in memory'}), checked against the original decoder on the first image built${describeSpeedups(s)}`;
  return `${head}${s.state}: ${s.reason}; everything mode decodes one mask per prompt`;
}

function describeBackend(b: BackendReport): string {
  if (b.kind === 'in-process') {
    return b.tritonFallback
      ? `backend: in-process onnxruntime, because Triton is unusable and TWINSEG_TRITON_FALLBACK=1: ${b.tritonFallback}`
      : 'backend: in-process onnxruntime (set TWINSEG_TRITON_URL to run the models on Triton)';
  }
  const models = `encoder "${b.encoderModel}", four-token decoder "${b.decoderModel}"`;
  if (!b.checked) return `backend: Triton at ${b.url} (${models}; not contacted with --no-load)`;
  if (b.error) return `backend: Triton at ${b.url} (${models}) FAILS: ${b.error}`;
  return `backend: Triton at ${b.url} (${models}; both ready, ${b.encoding} tensors)`;
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check runtime, configuration, roots, model files and providers',
  usage: 'doctor [--json] [--no-load]',
  help: [
    'Options:',
    '  --json      The full report as JSON',
    '  --no-load   Skip loading the models on the configured providers (faster)',
    '',
    'Exits 0 when nothing needs fixing, 1 with the list of problems otherwise.',
  ].join('\n'),
  async run(args, io, config) {
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' }, 'no-load': { type: 'boolean' } });
    const { gatherDoctorReport } = await import('./doctor-report.js');
    const report = await gatherDoctorReport(config(), { loadSessions: !values['no-load'], log: (m) => io.stderr(`${m}\n`) });
    if (values.json) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return report.ok ? 0 : 1;
    }
    io.stdout(`node ${report.runtime.node} on ${report.runtime.platform}/${report.runtime.arch}, ${report.runtime.cpus} CPUs\n`);
    io.stdout(
      `onnxruntime ${report.providers.onnxruntimeVersion}; backends: ${report.providers.backends.map((b) => b.name).join(', ') || '(not listed)'}\n`,
    );
    io.stdout(
      `home ${report.config.home}\noutput ${report.config.outputDir} (${report.outputDirWritable ? 'writable' : 'NOT writable'})\n`,
    );
    for (const r of report.roots) io.stdout(`root ${r.path}${r.exists ? '' : ' (MISSING)'}\n`);
    for (const m of report.models)
      io.stdout(`model ${m.name}: ${m.verified ? 'verified' : m.usable ? 'usable' : m.present ? 'corrupt' : 'missing'}\n`);
    for (const s of report.sessions) io.stdout(`${s.role}: ${s.ok ? `loads on ${s.provider}` : `FAILS: ${s.error}`}\n`);
    io.stdout(`${describeBackend(report.backend)}\n`);
    if (report.fourToken) io.stdout(`${describeFourToken(report.fourToken)}\n`);
    io.stdout(`gpu: ${report.gpu.seen ? `NVIDIA driver seen (${report.gpu.evidence})` : `none seen (${report.gpu.evidence})`}\n`);
    for (const a of report.providers.attempts) {
      for (const f of a.fallbacks) io.stdout(`provider ${f.provider} unavailable for ${a.model}: ${f.reason}\n`);
    }
    io.stdout(report.ok ? 'ok\n' : `${report.problems.length} problem(s):\n${report.problems.map((p) => `- ${p}\n`).join('')}`);
    return report.ok ? 0 : 1;
  },
};

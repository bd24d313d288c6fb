import { describe, expect, it } from 'vitest';
import { TwinsegError } from '../../../src/errors.js';
import {
  fromModelCoords,
  normalizeToPaddedChw,
  promptToDecoderArrays,
  resizedSize,
  rgbToFloatHwc,
  SAM_PIXEL_MEAN,
  SAM_PIXEL_STD,
  toModelCoords,
} from '../../../src/perception/sam/sam-preprocess.js';

describe('resizedSize (SAM ResizeLongestSide)', () => {
  it('scales a 640x427 COCO photo to 1024x683', () => {
    const s = resizedSize(640, 427);
    expect([s.width, s.height]).toEqual([1024, 683]);
    expect(s.scale).toBeCloseTo(1.6, 12);
    expect(s.scaleX).toBeCloseTo(1.6, 12);
    expect(s.scaleY).toBeCloseTo(683 / 427, 12);
  });

  it('scales the 1800x1200 truck to 1024x683 (682.67 rounds up)', () => {
    const s = resizedSize(1800, 1200);
    expect([s.width, s.height]).toEqual([1024, 683]);
    expect(s.scale).toBeCloseTo(1024 / 1800, 12);
  });

  it('keeps a 1x1000 strip one pixel wide and 1024 tall', () => {
    const s = resizedSize(1, 1000);
    expect([s.width, s.height]).toEqual([1, 1024]);
    expect(s.scaleX).toBe(1);
    expect(s.scaleY).toBeCloseTo(1.024, 12);
  });

  it('leaves a 1024x1024 image as it is and honours another target size', () => {
    expect(resizedSize(1024, 1024)).toMatchObject({ width: 1024, height: 1024, scaleX: 1, scaleY: 1 });
    expect(resizedSize(2000, 1000, 512)).toMatchObject({ width: 512, height: 256 });
  });

  it('refuses a zero or fractional size', () => {
    expect(() => resizedSize(0, 10)).toThrow(TwinsegError);
    expect(() => resizedSize(10.5, 10)).toThrow(TwinsegError);
  });
});

describe('coordinates', () => {
  it('scales each axis by its own new/old ratio, as SAM apply_coords does', () => {
    const s = resizedSize(1800, 1200);
    const [x, y] = toModelCoords(500, 375, s);
    expect(x).toBeCloseTo((500 * 1024) / 1800, 9);
    expect(y).toBeCloseTo((375 * 683) / 1200, 9);
  });

  it('maps back to the same original pixel', () => {
    const s = resizedSize(640, 427);
    const [mx, my] = toModelCoords(123.5, 400, s);
    const [x, y] = fromModelCoords(mx, my, s);
    expect(x).toBeCloseTo(123.5, 9);
    expect(y).toBeCloseTo(400, 9);
  });
});

describe('normalizeToPaddedChw', () => {
  it('normalises a known pixel with SAM mean/std into channel planes', () => {
    const rgb = new Uint8Array([255, 0, 128]);
    const t = normalizeToPaddedChw(rgb, 1, 1, 2);
    expect(t.length).toBe(3 * 4);
    expect(t[0]).toBeCloseTo((255 - SAM_PIXEL_MEAN[0]) / SAM_PIXEL_STD[0], 5);
    expect(t[4]).toBeCloseTo((0 - SAM_PIXEL_MEAN[1]) / SAM_PIXEL_STD[1], 5);
    expect(t[8]).toBeCloseTo((128 - SAM_PIXEL_MEAN[2]) / SAM_PIXEL_STD[2], 5);
    expect(t[0]).toBeCloseTo(2.2489, 4);
  });

  it('puts pixels row-major at the top-left and zeros (not the mean colour) in the bottom/right padding', () => {
    // 3 wide, 2 tall, every channel = 10*row + col, into a 4x4 target.
    const w = 3;
    const h = 2;
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) rgb[(y * w + x) * 3 + c] = 10 * y + x;
    const t = normalizeToPaddedChw(rgb, w, h, 4, [0, 0, 0], [1, 1, 1]);
    const plane = (c: number) => Array.from(t.subarray(c * 16, c * 16 + 16));
    for (let c = 0; c < 3; c++) {
      expect(plane(c)).toEqual([0, 1, 2, 0, 10, 11, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('refuses a buffer that does not match its size', () => {
    expect(() => normalizeToPaddedChw(new Uint8Array(5), 1, 2, 4)).toThrow(TwinsegError);
  });

  it('rgbToFloatHwc keeps 0-255 values in HWC order', () => {
    expect(Array.from(rgbToFloatHwc(new Uint8Array([0, 128, 255])))).toEqual([0, 128, 255]);
  });
});

describe('promptToDecoderArrays', () => {
  const size = resizedSize(1800, 1200);

  it("appends SAM's padding point (0,0) label -1 to a points-only prompt", () => {
    const p = promptToDecoderArrays(
      {
        points: [
          { x: 900, y: 600, label: 1 },
          { x: 10, y: 20, label: 0 },
        ],
      },
      1800,
      1200,
      size,
    );
    expect(p.n).toBe(3);
    expect(Array.from(p.labels)).toEqual([1, 0, -1]);
    expect(p.coords[0]).toBeCloseTo(512, 4);
    expect(p.coords[1]).toBeCloseTo((600 * 683) / 1200, 4);
    expect([p.coords[4], p.coords[5]]).toEqual([0, 0]);
  });

  it('turns a box into two corner points labelled 2 and 3, with no padding point', () => {
    const p = promptToDecoderArrays({ box: [100, 200, 901, 601], points: [{ x: 500, y: 400, label: 1 }] }, 1800, 1200, size);
    expect(p.n).toBe(3);
    expect(Array.from(p.labels)).toEqual([1, 2, 3]);
    // x2/y2 are exclusive in our boxes, inclusive pixel coordinates in SAM's.
    expect(p.coords[2]).toBeCloseTo(100 * size.scaleX, 4);
    expect(p.coords[3]).toBeCloseTo(200 * size.scaleY, 4);
    expect(p.coords[4]).toBeCloseTo(900 * size.scaleX, 4);
    expect(p.coords[5]).toBeCloseTo(600 * size.scaleY, 4);
  });

  it('refuses an empty prompt, a point outside the image and an inverted box', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as TwinsegError).code;
      }
      return 'ok';
    };
    expect(code(() => promptToDecoderArrays({}, 1800, 1200, size))).toBe('INVALID_INPUT');
    expect(code(() => promptToDecoderArrays({ points: [{ x: 1801, y: 5, label: 1 }] }, 1800, 1200, size))).toBe('INVALID_INPUT');
    expect(code(() => promptToDecoderArrays({ box: [50, 50, 40, 60] }, 1800, 1200, size))).toBe('INVALID_INPUT');
    expect(code(() => promptToDecoderArrays({ points: [{ x: Number.NaN, y: 5, label: 1 }] }, 1800, 1200, size))).toBe('INVALID_INPUT');
  });
});

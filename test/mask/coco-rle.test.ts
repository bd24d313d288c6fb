import { randomBits } from '../helpers/random-bits.js';
import { COCO_SAMPLE, describeWithSampleData } from '../helpers/sample-data.js';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rleArea, rleBbox, rleFromBitmap, rleToBitmap } from '../../src/mask/rle.js';
import { countsFromString, countsToString, decodeCocoRle, encodeCocoRle } from '../../src/mask/coco-rle.js';

interface Annotation {
  id: number;
  area: number;
  bbox: [number, number, number, number];
  segmentation: { size: [number, number]; counts: string };
}

describeWithSampleData('coco')('COCO RLE on the COCO sample ground truth', () => {
  let instances: { annotations: Annotation[] };
  beforeAll(() => {
    instances = JSON.parse(readFileSync(COCO_SAMPLE.instances, 'utf8')) as { annotations: Annotation[] };
  });

  it('decodes every ground-truth segmentation to its exact COCO area', () => {
    expect(instances.annotations.length).toBe(50);
    for (const a of instances.annotations) {
      const rle = decodeCocoRle(a.segmentation);
      expect(rle.height).toBe(a.segmentation.size[0]);
      expect(rleArea(rle), `annotation ${a.id}`).toBe(a.area);
    }
  });

  it('puts the decoded mask inside the ground-truth bbox', () => {
    for (const a of instances.annotations) {
      const [x1, y1, x2, y2] = rleBbox(decodeCocoRle(a.segmentation));
      const [bx, by, bw, bh] = a.bbox;
      // COCO bboxes come from the original polygons, so they may be up to a pixel off the raster.
      expect(Math.abs(x1 - bx)).toBeLessThanOrEqual(1);
      expect(Math.abs(y1 - by)).toBeLessThanOrEqual(1);
      expect(Math.abs(x2 - (bx + bw))).toBeLessThanOrEqual(1);
      expect(Math.abs(y2 - (by + bh))).toBeLessThanOrEqual(1);
    }
  });

  it('re-encodes every ground-truth string byte for byte', () => {
    for (const a of instances.annotations) {
      const encoded = encodeCocoRle(decodeCocoRle(a.segmentation));
      expect(encoded.counts).toBe(a.segmentation.counts);
      expect(encoded.size).toEqual(a.segmentation.size);
    }
  });
});

describe('COCO RLE', () => {
  it('encodes small counts as single characters and uses deltas after index 2', () => {
    // 0..15 fit one 5-bit group with the sign bit clear: '0' + n.
    expect(countsToString([0, 3, 5])).toBe('035');
    // Index 3 is stored as 7 - 3 = 4, index 4 as 5 - 5 = 0.
    expect(countsToString([0, 3, 5, 7, 5])).toBe('03540');
    // A negative delta: index 3 = 1 - 3 = -2 -> 30 (0x1e, sign bit set) -> '0' + 30 = 'N'.
    expect(countsToString([0, 3, 5, 1])).toBe('035N');
    expect(Array.from(countsFromString('035N'))).toEqual([0, 3, 5, 1]);
  });

  it('round-trips large and wildly varying run lengths', () => {
    const counts = [0, 1, 4_000_000_000, 2, 17, 0xffffffff, 1, 31, 32, 16, 15, 1024, 1, 100_000];
    expect(Array.from(countsFromString(countsToString(counts)))).toEqual(counts);
  });

  it('round-trips a random mask through the string form', () => {
    const w = 37;
    const h = 23;
    const bits = randomBits(w, h, 7);
    const rle = rleFromBitmap(bits, w, h);
    const back = decodeCocoRle(encodeCocoRle(rle));
    expect(back.width).toBe(w);
    expect(back.height).toBe(h);
    expect(Array.from(rleToBitmap(back))).toEqual(Array.from(bits));
  });

  it('accepts the uncompressed list form', () => {
    const rle = decodeCocoRle({ size: [2, 3], counts: [1, 2, 3] });
    expect(rle.width).toBe(3);
    expect(rle.height).toBe(2);
    expect(Array.from(rleToBitmap(rle))).toEqual([0, 1, 0, 1, 0, 0]);
  });

  it('rejects counts that do not cover the image, bad characters and truncated numbers', () => {
    expect(() => decodeCocoRle({ size: [2, 3], counts: [1, 2] })).toThrow(/sum to 3/);
    expect(() => decodeCocoRle({ size: [2, 3], counts: '0 6' })).toThrow(/invalid character/);
    expect(() => decodeCocoRle({ size: [2, 3], counts: '0P' })).toThrow(/middle of a number/);
    expect(() => decodeCocoRle({ size: [2, -3], counts: '06' })).toThrow(/size/);
    expect(() => decodeCocoRle({ size: [1, 1], counts: [0.5, 0.5] })).toThrow(/integers/);
  });
});

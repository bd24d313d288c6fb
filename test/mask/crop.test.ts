import { describe, expect, it } from 'vitest';
import { cropMask } from '../../src/mask/crop.js';
import { discBits, toRle } from '../twin/scene-fixture.js';

describe('cropMask', () => {
  it('decodes exactly the pixels inside the box, including runs that span columns', () => {
    const w = 40;
    const h = 30;
    const bits = discBits(w, h, 20, 15, 12);
    const box: [number, number, number, number] = [5, 4, 33, 22];
    const crop = cropMask(toRle(bits, w, h), box);
    for (let y = 0; y < crop.height; y++) {
      for (let x = 0; x < crop.width; x++) expect(crop.bits[y * crop.width + x]).toBe(bits[(y + 4) * w + x + 5]);
    }
    const full = cropMask(toRle(new Uint8Array(w * h).fill(1), w, h), [3, 0, 7, h]);
    expect(full.bits.every((v) => v === 1)).toBe(true);
  });
});

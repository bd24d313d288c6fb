import { describe, expect, it } from 'vitest';
import { cleanupProposal, proposalFromDecoded } from '../../../src/perception/masks/mask-postprocess.js';
import { rleFromBitmap, rleToBitmap } from '../../../src/mask/rle.js';
import type { DecodedMask } from '../../../src/perception/sam/predictor-interface.js';

describe('proposalFromDecoded', () => {
  // 4x3 logits, row-major; foreground (> 0) is the 2x2 block at x 1..2, y 0..1.
  const logits = Float32Array.from([-3, 2, 0.5, -3, -3, 3, 4, -0.5, -3, -3, -3, -3]);
  const decoded: DecodedMask = { logits, width: 4, height: 3, predictedIou: 0.8 };
  const prompt = { points: [{ x: 1, y: 0, label: 1 as const }] };

  it('thresholds at 0 into an RLE with area, box, scores, prompt and stage', () => {
    const p = proposalFromDecoded(decoded, prompt, 'grid', { stabilityScoreOffset: 1, minMaskRegionArea: 0 });
    expect([...rleToBitmap(p.rle)]).toEqual([0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(p.area).toBe(4);
    expect(p.bbox).toEqual([1, 0, 3, 2]);
    expect(p.predictedIou).toBe(0.8);
    // > -1: 2, 0.5, 3, 4, -0.5 (5 px); > 1: 2, 3, 4 (3 px)
    expect(p.stability).toBeCloseTo(3 / 5, 12);
    expect(p.stage).toBe('grid');
    expect(p.prompt).toBe(prompt);
  });

  it('removes small islands when a minimum region area is set', () => {
    const w = 6;
    const h = 4;
    const l = new Float32Array(w * h).fill(-5);
    for (const [x, y] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [5, 3],
    ])
      l[y * w + x] = 5;
    const p = proposalFromDecoded({ logits: l, width: w, height: h, predictedIou: 0.9 }, {}, 'user', {
      stabilityScoreOffset: 1,
      minMaskRegionArea: 2,
    });
    expect(p.area).toBe(4);
    expect(p.bbox).toEqual([0, 0, 2, 2]);
  });

  it('refuses logits that do not match the stated size', () => {
    expect(() =>
      proposalFromDecoded({ logits: new Float32Array(5), width: 2, height: 2, predictedIou: 1 }, {}, 'user', {
        stabilityScoreOffset: 1,
        minMaskRegionArea: 0,
      }),
    ).toThrow(RangeError);
  });
});

describe('cleanupProposal', () => {
  it('fills a hole and recomputes the area, keeping the object when nothing changes', () => {
    const bits = Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]);
    const rle = rleFromBitmap(bits, 3, 3);
    const p = {
      rle,
      area: 8,
      bbox: [0, 0, 3, 3] as [number, number, number, number],
      predictedIou: 1,
      stability: 1,
      prompt: {},
      stage: 'grid' as const,
    };
    const filled = cleanupProposal(p, 2);
    expect(filled.changed).toBe(true);
    expect(filled.proposal.area).toBe(9);
    const same = cleanupProposal(p, 1);
    expect(same).toEqual({ proposal: p, changed: false });
  });

  it('keeps the token, scores, prompt and stage of a proposal it changes', () => {
    const bits = Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]);
    const prompt = { points: [{ x: 0, y: 0, label: 1 as const }] };
    const p = {
      rle: rleFromBitmap(bits, 3, 3),
      area: 8,
      bbox: [0, 0, 3, 3] as [number, number, number, number],
      predictedIou: 0.9,
      stability: 0.8,
      prompt,
      stage: 'coverage' as const,
      token: 2 as const,
    };
    const { proposal, changed } = cleanupProposal(p, 2);
    expect(changed).toBe(true);
    expect(proposal).toMatchObject({ token: 2, predictedIou: 0.9, stability: 0.8, stage: 'coverage', area: 9, bbox: [0, 0, 3, 3] });
    expect(proposal.prompt).toBe(prompt);
  });
});

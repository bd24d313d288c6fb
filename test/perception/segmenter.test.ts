import { describe, expect, it } from 'vitest';
import { rleIou } from '../../src/mask/rle.js';
import { segmenterFromPredictor } from '../../src/perception/segmenter.js';
import { createFakeTokenPredictor, fakeImage, shapeRle, type Shape } from '../helpers/fake-predictor.js';

const W = 300;
const H = 200;
const whole: Shape = { kind: 'rect', x1: 40, y1: 40, x2: 220, y2: 160 };
const part: Shape = { kind: 'rect', x1: 40, y1: 40, x2: 100, y2: 160 };
const lone: Shape = { kind: 'disc', cx: 260, cy: 60, r: 25 };

describe('prompted segmentation with four tokens', () => {
  it('returns the best granularity of a lone point and the other one as an alternative, with its token', async () => {
    const segmenter = segmenterFromPredictor(createFakeTokenPredictor([whole, part, lone]));
    const { best, alternatives } = await segmenter.segment(fakeImage(W, H), { points: [{ x: 70, y: 100, label: 1 }] });
    // The fake rates every token alike, so the export's rule keeps token 1 (the part); the whole is offered.
    expect(best).toMatchObject({ token: 1, stage: 'user' });
    expect(rleIou(best.rle, shapeRle(part, W, H))).toBeGreaterThan(0.9);
    expect(alternatives).toHaveLength(1); // token 2 is the part again, a copy
    expect(alternatives[0]!.token).toBe(3);
    expect(rleIou(alternatives[0]!.rle, shapeRle(whole, W, H))).toBeGreaterThan(0.9);
  });

  it('offers no alternatives where every granularity is the same object', async () => {
    const segmenter = segmenterFromPredictor(createFakeTokenPredictor([whole, part, lone]));
    expect((await segmenter.segment(fakeImage(W, H), { points: [{ x: 260, y: 60, label: 1 }] })).alternatives).toEqual([]);
  });

  it('offers the granularities for a multi-point prompt too, whose own answer is token 0', async () => {
    const segmenter = segmenterFromPredictor(createFakeTokenPredictor([whole, part, lone]));
    const twoParts = await segmenter.segment(fakeImage(W, H), {
      points: [
        { x: 70, y: 100, label: 1 },
        { x: 80, y: 120, label: 1 },
      ],
    });
    // The fake's token 0 for two positives is the largest shape holding them, the whole; token 1 is the part.
    expect(twoParts.best.token).toBe(0);
    expect(rleIou(twoParts.best.rle, shapeRle(whole, W, H))).toBeGreaterThan(0.9);
    expect(twoParts.alternatives.map((a) => a.token)).toEqual([1]);
    expect(rleIou(twoParts.alternatives[0]!.rle, shapeRle(part, W, H))).toBeGreaterThan(0.9);
  });
});

import { describe, expect, it } from 'vitest';
import { rleArea, rleBbox, rleFromBitmap } from '../../../src/mask/rle.js';
import { acceptIntoCoverage, createCoverage, markPrompted } from '../../../src/perception/everything/coverage-state.js';
import { leftoverRound } from '../../../src/perception/everything/prompt-rounds.js';
import type { Proposal } from '../../../src/perception/contract.js';

// A 640x480 picture (10 px cells): a sign (board and pole) and its board alone, as everything mode accepts them.
const W = 640;
const H = 480;
function proposal(fill: (x: number, y: number) => boolean): Proposal {
  const bits = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) bits[y * W + x] = fill(x, y) ? 1 : 0;
  const rle = rleFromBitmap(bits, W, H);
  return {
    rle,
    area: rleArea(rle),
    bbox: rleBbox(rle),
    predictedIou: 1,
    stability: 1,
    prompt: { points: [{ x: 0, y: 0, label: 1 }] },
    stage: 'parts',
  };
}
const board = (x: number, y: number) => x >= 200 && x < 300 && y >= 100 && y < 160;
const pole = (x: number, y: number) => x >= 242 && x < 258 && y >= 160 && y < 240;

/** A sign (board and pole) and its board alone, both accepted into a fresh coverage. */
function signOnCoverage() {
  const c = createCoverage(W, H);
  const sign = proposal((x, y) => board(x, y) || pole(x, y));
  const boardOnly = proposal(board);
  acceptIntoCoverage(c, sign);
  acceptIntoCoverage(c, boardOnly);
  return { c, sign, boardOnly };
}

describe('leftoverRound', () => {
  it('prompts the pole that the board mask leaves unexplained in the sign mask', () => {
    const { c, sign, boardOnly } = signOnCoverage();
    expect(boardOnly.area / sign.area).toBeGreaterThan(0.8); // above the part rule's 0.8, still explains it
    const prompts = leftoverRound(c, [sign, boardOnly], 10);
    expect(prompts).toHaveLength(1);
    const [p] = prompts[0]!.points!;
    expect(pole(p!.x, p!.y)).toBe(true);
    expect(p!.y).toBeGreaterThan(180);
    expect(p!.y).toBeLessThan(220);
  });

  it('skips pieces already prompted and keeps to the room it is given', () => {
    const { c, sign, boardOnly } = signOnCoverage();
    expect(leftoverRound(c, [sign, boardOnly], 0)).toEqual([]);
    for (let y = 165; y < 240; y += 10) for (const x of [245, 255]) markPrompted(c, x, y, 0);
    expect(leftoverRound(c, [sign, boardOnly], 10)).toEqual([]);
    expect(leftoverRound(createCoverage(W, H), [], 10)).toEqual([]);
  });
});

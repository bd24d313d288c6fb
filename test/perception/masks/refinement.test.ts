// Refinement's own logic on a scripted decoder: which token it keeps, the settle pass that feeds SAM its own
// answer, the replay that regenerates the same logits, and the click-safe cleanup of the result. A 256×256
// image makes one low-res cell one pixel, so masks are drawn straight onto the logit maps.
import { describe, expect, it } from 'vitest';
import { rleArea, rleContains, rleFromBitmap, rleBbox, type Box } from '../../../src/mask/rle.js';
import { lowResUpsampler } from '../../../src/perception/sam/lowres-masks.js';
import {
  cleanRefinedMask,
  decodeFirst,
  decodeRefinement,
  FIRST_SETTLE_MAX_GROWTH,
  refinementToken,
  replayHistory,
  SETTLE_PASSES,
} from '../../../src/perception/masks/refinement.js';
import type { Prompt, Proposal } from '../../../src/perception/contract.js';
import type { TokenDecoder, TokenMasks, TokenPrompt } from '../../../src/perception/sam/predictor-interface.js';

const S = 256;
const up = lowResUpsampler(S, S);

/** Four token maps, token t foreground (+8) inside boxes[t], background −8 elsewhere. */
function tokenMasks(boxes: [Box, Box, Box, Box], iou = [0.9, 0.8, 0.8, 0.8]): TokenMasks {
  const logits = new Float32Array(4 * S * S).fill(-8);
  boxes.forEach(([x1, y1, x2, y2], t) => {
    for (let y = y1; y < y2; y++) logits.fill(8, t * S * S + y * S + x1, t * S * S + y * S + x2);
  });
  return { logits, iou: Float32Array.from(iou), size: S };
}

/** A decoder that answers from a script and records what it was fed. */
function scripted(answer: (call: number, p: TokenPrompt) => TokenMasks): TokenDecoder & { fed: TokenPrompt[] } {
  const fed: TokenPrompt[] = [];
  return {
    fed,
    upsampler: up,
    async decode(prompts) {
      const masks = prompts.map((p) => {
        fed.push(p);
        return answer(fed.length - 1, p);
      });
      return { masks, runs: 1 };
    },
  };
}

const click = (x: number, y: number, label: 0 | 1 = 1) => ({ x, y, label });

describe('refinementToken', () => {
  const single: Box = [40, 40, 120, 120];
  it('keeps the whole-object token when it honours the clicks and is a fuller version of token 0', () => {
    const m = tokenMasks([single, [40, 40, 60, 60], [40, 40, 90, 90], [40, 40, 130, 130]]);
    expect(refinementToken(m, { points: [click(50, 50)] }, up, 1)).toBe(3);
  });
  it('keeps token 0 when the whole-object token covers a negative click', () => {
    const m = tokenMasks([single, [40, 40, 60, 60], [40, 40, 90, 90], [40, 40, 130, 130]]);
    expect(refinementToken(m, { points: [click(50, 50), click(125, 125, 0)] }, up, 1)).toBe(0);
  });
  it('where token 0 misses a positive click, takes the largest granularity that holds them all', () => {
    const m = tokenMasks([
      [40, 40, 60, 60],
      [40, 40, 60, 60],
      [40, 40, 100, 100],
      [0, 0, 200, 200],
    ]);
    expect(refinementToken(m, { points: [click(50, 50), click(90, 90), click(150, 150, 0)] }, up, 1)).toBe(2);
  });
});

describe('decodeRefinement', () => {
  it('decodes the clicks with the mask_input, then settles on its own kept answer with no new clicks', async () => {
    const first = tokenMasks([
      [40, 40, 120, 120],
      [40, 40, 60, 60],
      [40, 40, 90, 90],
      [40, 40, 130, 130],
    ]);
    const settled = tokenMasks([
      [40, 40, 125, 125],
      [40, 40, 60, 60],
      [40, 40, 90, 90],
      [40, 40, 128, 128],
    ]);
    const dec = scripted((call) => (call === 0 ? first : settled));
    const prompt: Prompt = { points: [click(50, 50)] };
    const input = new Float32Array(S * S).fill(-3);
    const out = await decodeRefinement(dec, prompt, input, 1);
    expect(dec.fed).toHaveLength(1 + SETTLE_PASSES);
    expect(dec.fed[0]!.maskInput).toBe(input);
    // The settle pass is fed the first decode's kept token (3 here), with the same prompt.
    expect(dec.fed[1]!.prompt).toEqual(prompt);
    expect(dec.fed[1]!.maskInput).toEqual(first.logits.subarray(3 * S * S, 4 * S * S));
    expect(out.masks).toBe(settled);
    expect(out.token).toBe(3);
  });

  it('keeps the first answer when the settle pass moves the mask too far (drift, not settling)', async () => {
    const first = tokenMasks([
      [40, 40, 120, 120],
      [40, 40, 60, 60],
      [40, 40, 90, 90],
      [40, 40, 130, 130],
    ]);
    const drifted = tokenMasks([
      [40, 40, 200, 200],
      [40, 40, 60, 60],
      [40, 40, 90, 90],
      [40, 40, 220, 220],
    ]);
    const dec = scripted((call) => (call === 0 ? first : drifted));
    const out = await decodeRefinement(dec, { points: [click(50, 50)] }, new Float32Array(S * S), 1);
    expect(dec.fed).toHaveLength(1 + SETTLE_PASSES);
    expect(out.masks).toBe(first);
    expect(out.token).toBe(3);
  });
});

describe('decodeFirst', () => {
  const spread = tokenMasks([
    [30, 30, 150, 150],
    [40, 40, 60, 60],
    [40, 40, 90, 90],
    [40, 40, 130, 130],
  ]);
  const tight = tokenMasks([
    [40, 40, 120, 120],
    [40, 40, 60, 60],
    [40, 40, 90, 90],
    [40, 40, 130, 130],
  ]);
  const clicks: Prompt = { points: [click(50, 50), click(100, 100)] };

  it("settles SAM's many-click answer once on its own logits and keeps that, with the plain decode for alternatives", async () => {
    const dec = scripted((call) => (call === 0 ? spread : tight));
    const out = await decodeFirst(dec, clicks, 1);
    expect(dec.fed).toHaveLength(2);
    expect(dec.fed[0]!.maskInput).toBeUndefined();
    expect(dec.fed[1]!.prompt).toEqual(clicks);
    expect(dec.fed[1]!.maskInput).toEqual(spread.logits.subarray(0, S * S));
    expect(out).toMatchObject({ token: 0 });
    expect(out.masks).toBe(spread);
    expect(out.kept).toBe(tight);
  });

  it('keeps the plain answer when settling grows the mask past the bound (a sky spreading into the trees)', async () => {
    // 120² → 170² pixels: twice the area, over FIRST_SETTLE_MAX_GROWTH.
    const grown = tokenMasks([[20, 20, 190, 190], ...([1, 2, 3] as const).map(() => [40, 40, 60, 60] as Box)] as [Box, Box, Box, Box]);
    expect((170 * 170) / (120 * 120)).toBeGreaterThan(FIRST_SETTLE_MAX_GROWTH);
    const dec = scripted((call) => (call === 0 ? spread : grown));
    const out = await decodeFirst(dec, clicks, 1);
    expect(dec.fed).toHaveLength(2);
    expect(out.kept).toBe(spread);
  });

  it("decodes a lone point once: the export's best granularity needs no settling, nor does a granularity asked for", async () => {
    const dec = scripted(() => spread);
    expect((await decodeFirst(dec, { points: [click(50, 50)] }, 1)).token).toBe(1);
    expect((await decodeFirst(dec, clicks, 1, 3)).token).toBe(3);
    expect(dec.fed).toHaveLength(2);
  });
});

describe('replayHistory', () => {
  it('regenerates a first segment of several clicks as segment kept it, settled', async () => {
    const first = tokenMasks([
      [30, 30, 150, 150],
      [40, 40, 60, 60],
      [40, 40, 90, 90],
      [40, 40, 130, 130],
    ]);
    const settled = tokenMasks([
      [40, 40, 120, 120],
      [40, 40, 60, 60],
      [40, 40, 90, 90],
      [40, 40, 130, 130],
    ]);
    const dec = scripted((call) => (call === 0 ? first : settled));
    const logits = await replayHistory(dec, [{ prompt: { points: [click(50, 50), click(100, 100)] }, token: 0 }], 1);
    expect(dec.fed).toHaveLength(2);
    expect(logits).toEqual(settled.logits.subarray(0, S * S));
  });

  it('decodes the first step alone and each later one as a refinement, returning the last kept logits', async () => {
    const m = tokenMasks([
      [40, 40, 120, 120],
      [40, 40, 60, 60],
      [40, 40, 90, 90],
      [40, 40, 130, 130],
    ]);
    const dec = scripted(() => m);
    const history = [
      { prompt: { box: [30, 30, 140, 140] as Box }, token: 2 as const },
      { prompt: { box: [30, 30, 140, 140] as Box, points: [click(50, 50)] }, token: 1 as const },
    ];
    const logits = await replayHistory(dec, history, 1);
    expect(dec.fed).toHaveLength(1 + 1 + SETTLE_PASSES);
    expect(dec.fed[0]!.maskInput).toBeUndefined();
    // The second step starts from the first step's kept token (2).
    expect(dec.fed[1]!.maskInput).toEqual(m.logits.subarray(2 * S * S, 3 * S * S));
    expect(logits).toEqual(m.logits.subarray(1 * S * S, 2 * S * S));
  });
});

describe('cleanRefinedMask', () => {
  /** A 100×100 square at (50, 50) with a 5×5 hole at (90, 90) and a 4×4 island at (200, 200). */
  function proposal(prompt: Prompt): Proposal {
    const bits = new Uint8Array(S * S);
    const fill = ([x1, y1, x2, y2]: Box, v: number) => {
      for (let y = y1; y < y2; y++) bits.fill(v, y * S + x1, y * S + x2);
    };
    fill([50, 50, 150, 150], 1);
    fill([90, 90, 95, 95], 0);
    fill([200, 200, 204, 204], 1);
    const rle = rleFromBitmap(bits, S, S);
    return { rle, area: rleArea(rle), bbox: rleBbox(rle), predictedIou: 0.9, stability: 0.9, prompt, stage: 'user', token: 0 };
  }

  it('fills small holes and drops small islands', () => {
    const out = cleanRefinedMask(proposal({ points: [click(60, 60)] }), 100);
    expect(rleContains(out.rle, 92, 92)).toBe(true);
    expect(rleContains(out.rle, 201, 201)).toBe(false);
    expect(out.area).toBe(100 * 100);
    expect(out.bbox).toEqual(rleBbox(out.rle));
  });

  it('keeps the mask as decoded where a positive click is on a small island or a negative one in a small hole', () => {
    const onIsland = proposal({ points: [click(60, 60), click(201, 201)] });
    expect(cleanRefinedMask(onIsland, 100)).toBe(onIsland);
    const inHole = proposal({ points: [click(60, 60), click(92, 92, 0)] });
    expect(cleanRefinedMask(inHole, 100)).toBe(inHole);
  });

  it('changes nothing when off or when every region is large', () => {
    const p = proposal({ points: [click(60, 60)] });
    expect(cleanRefinedMask(p, 0)).toBe(p);
    expect(cleanRefinedMask(p, 10)).toBe(p);
  });
});

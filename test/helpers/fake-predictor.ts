// A scripted SamPredictor over a synthetic scene of rectangles and discs, for testing everything
// mode without a model. Logits are 2 × signed distance to the shape's edge (positive inside), so
// the stability score is meaningful (about 0.9 for a 20-px disc at offset 1).
// Prompt semantics mimic a single-mask decoder: a lone positive point gets the LARGEST shape that
// contains it (the whole); with negative points, the SMALLEST shape holding the positive point and
// none of the negatives (a part). A point on no shape gets an empty mask.
// createFakeTokenPredictor adds SAM's four tokens: token 0 as above, tokens 1–3 the smallest, middle and
// largest shape holding the positive point, as low-res logits in SAM's padded 1024 frame.
import { throwIfAborted } from '../../src/errors.js';
import { lowResUpsampler } from '../../src/perception/sam/lowres-masks.js';
import { resizedSize } from '../../src/perception/sam/sam-preprocess.js';
import type { LoadedImage, Prompt } from '../../src/perception/contract.js';
import type { DecodedMask, Embedding, SamPredictor, TokenDecoder, TokenMasks } from '../../src/perception/sam/predictor-interface.js';
import { rleFromBitmap, type Rle } from '../../src/mask/rle.js';

export type Shape = { kind: 'rect'; x1: number; y1: number; x2: number; y2: number } | { kind: 'disc'; cx: number; cy: number; r: number };

/** Signed distance from pixel centre (x+0.5, y+0.5) to the shape's edge, positive inside. */
export function signedDistance(s: Shape, x: number, y: number): number {
  return signedDistanceAt(s, x + 0.5, y + 0.5);
}

/** Signed distance from the point (px, py) to the shape's edge, positive inside. */
export function signedDistanceAt(s: Shape, px: number, py: number): number {
  if (s.kind === 'disc') return s.r - Math.hypot(px - s.cx, py - s.cy);
  const dx = Math.min(px - s.x1, s.x2 - px);
  const dy = Math.min(py - s.y1, s.y2 - py);
  if (dx >= 0 && dy >= 0) return Math.min(dx, dy);
  const ox = Math.max(0, -dx);
  const oy = Math.max(0, -dy);
  return -Math.hypot(ox, oy);
}

export const contains = (s: Shape, x: number, y: number): boolean => signedDistance(s, Math.floor(x), Math.floor(y)) > 0;

export function shapeArea(s: Shape): number {
  return s.kind === 'disc' ? Math.PI * s.r * s.r : (s.x2 - s.x1) * (s.y2 - s.y1);
}

export function shapeRle(s: Shape, width: number, height: number): Rle {
  const bits = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) bits[y * width + x] = signedDistance(s, x, y) > 0 ? 1 : 0;
  return rleFromBitmap(bits, width, height);
}

export function fakeImage(width: number, height: number, hash = 'fake'): LoadedImage {
  return { hash, width, height, rgb: new Uint8Array(width * height * 3), source: 'synthetic', format: 'png' };
}

export interface FakePredictor extends SamPredictor {
  readonly prompts: Prompt[];
  embedCalls: number;
}

/** The shape a single-mask decoder returns for the prompt (see the header). */
function singleMaskShape(shapes: Shape[], prompt: Prompt): Shape | undefined {
  const pos = prompt.points?.find((p) => p.label === 1);
  if (!pos) return undefined;
  const negs = prompt.points?.filter((p) => p.label === 0) ?? [];
  const holding = shapes.filter((s) => contains(s, pos.x, pos.y));
  const allowed = negs.length === 0 ? holding : holding.filter((s) => negs.every((n) => !contains(s, n.x, n.y)));
  const byArea = allowed.sort((a, b) => shapeArea(a) - shapeArea(b));
  return negs.length === 0 ? byArea[byArea.length - 1] : byArea[0];
}

export function createFakePredictor(shapes: Shape[], predictedIou = 0.9): FakePredictor {
  const prompts: Prompt[] = [];
  const fake: FakePredictor = {
    modelName: 'fake',
    provider: 'cpu',
    prompts,
    embedCalls: 0,
    async embed(image) {
      fake.embedCalls++;
      const embedding: Embedding = { data: new Float32Array(0), dims: [1, 0, 0, 0], width: image.width, height: image.height, scale: 1 };
      return { embedding, cached: false, ms: 0 };
    },
    async decode(embedding, prompt): Promise<DecodedMask> {
      prompts.push(prompt);
      const { width, height } = embedding;
      const pick = singleMaskShape(shapes, prompt);
      const logits = new Float32Array(width * height).fill(-20);
      if (pick) {
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) logits[y * width + x] = Math.max(-20, Math.min(20, 2 * signedDistance(pick, x, y)));
        }
      }
      return { logits, width, height, predictedIou: pick ? predictedIou : 0.1 };
    },
  };
  return fake;
}

export interface FakeTokenPredictor extends FakePredictor {
  /** Prompts per tokenDecoder().decode call, in order. */
  readonly batches: number[];
}

/** Tokens 1–3 of a lone point: the smallest, middle and largest shape holding it. */
function granularityShapes(shapes: Shape[], prompt: Prompt): (Shape | undefined)[] {
  const pos = prompt.points?.find((p) => p.label === 1);
  const holding = pos ? shapes.filter((s) => contains(s, pos.x, pos.y)).sort((a, b) => shapeArea(a) - shapeArea(b)) : [];
  if (holding.length === 0) return [undefined, undefined, undefined];
  return [holding[0], holding[Math.floor((holding.length - 1) / 2)], holding[holding.length - 1]];
}

/** Low-res logits (SAM's 256² map of the padded 1024 frame) of 2 × signed distance to the shape. */
function lowResOf(shape: Shape | undefined, width: number, height: number, out: Float32Array): void {
  const S = 256;
  const frame = resizedSize(width, height, 1024);
  for (let r = 0; r < S; r++) {
    for (let c = 0; c < S; c++) {
      // Centre of low-res cell (c, r) in frame pixels, then in original pixels.
      const x = ((c + 0.5) * 4) / frame.scaleX;
      const y = ((r + 0.5) * 4) / frame.scaleY;
      out[r * S + c] = shape ? Math.max(-20, Math.min(20, 2 * signedDistanceAt(shape, x, y))) : -20;
    }
  }
}

export function createFakeTokenPredictor(shapes: Shape[], predictedIou = 0.9): FakeTokenPredictor {
  const base = createFakePredictor(shapes, predictedIou);
  const batches: number[] = [];
  const masksFor = (prompt: Prompt, width: number, height: number): TokenMasks => {
    const picks = [singleMaskShape(shapes, prompt), ...granularityShapes(shapes, prompt)];
    const logits = new Float32Array(4 * 256 * 256);
    picks.forEach((s, t) => lowResOf(s, width, height, logits.subarray(t * 65536, (t + 1) * 65536)));
    return { logits, iou: Float32Array.from(picks, (s) => (s ? predictedIou : 0.1)), size: 256 };
  };
  const fake: FakeTokenPredictor = Object.assign(base, {
    batches,
    async tokenDecoder(embedding: Embedding): Promise<TokenDecoder> {
      return {
        upsampler: lowResUpsampler(embedding.width, embedding.height),
        async decode(prompts, opts = {}) {
          throwIfAborted(opts.signal);
          batches.push(prompts.length);
          base.prompts.push(...prompts.map((p) => p.prompt));
          const masks = prompts.map((p) => masksFor(p.prompt, embedding.width, embedding.height));
          opts.onRun?.(prompts.length);
          return { masks, runs: 1 };
        },
      };
    },
  });
  return fake;
}

// A scripted SamPredictor over a synthetic scene of rectangles and discs, for testing everything
// mode without a model. Logits are 2 × signed distance to the shape's edge (positive inside), so
// the stability score is meaningful (about 0.9 for a 20-px disc at offset 1).
// Prompt semantics mimic a single-mask decoder: a lone positive point gets the LARGEST shape that
// contains it (the whole); with negative points, the SMALLEST shape holding the positive point and
// none of the negatives (a part). A point on no shape gets an empty mask.
import type { DecodedMask, Embedding, LoadedImage, Prompt, SamPredictor } from '../../src/perception/types.js';
import { rleFromBitmap, type Rle } from '../../src/mask/rle.js';

export type Shape =
  | { kind: 'rect'; x1: number; y1: number; x2: number; y2: number }
  | { kind: 'disc'; cx: number; cy: number; r: number };

/** Signed distance from pixel centre (x+0.5, y+0.5) to the shape's edge, positive inside. */
export function signedDistance(s: Shape, x: number, y: number): number {
  const px = x + 0.5;
  const py = y + 0.5;
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
      const pos = prompt.points?.find((p) => p.label === 1);
      const negs = prompt.points?.filter((p) => p.label === 0) ?? [];
      let pick: Shape | undefined;
      if (pos) {
        const holding = shapes.filter((s) => contains(s, pos.x, pos.y));
        const allowed = negs.length === 0 ? holding : holding.filter((s) => negs.every((n) => !contains(s, n.x, n.y)));
        const byArea = allowed.sort((a, b) => shapeArea(a) - shapeArea(b));
        pick = negs.length === 0 ? byArea[byArea.length - 1] : byArea[0];
      }
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

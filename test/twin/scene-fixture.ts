// Scenes drawn in code for the twin tests: known shapes, colours and positions, so every measured
// value has an exact expected answer.
import { rleFromBitmap, type Box, type Rle } from '../../src/mask/rle.js';
import type { LoadedImage, Proposal } from '../../src/perception/contract.js';

export type Rgb = [number, number, number];

export class Scene {
  readonly rgb: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.rgb.set(background, i * 3);
  }

  paint(bits: Uint8Array, colour: Rgb): void {
    for (let i = 0; i < bits.length; i++) if (bits[i]) this.rgb.set(colour, i * 3);
  }

  image(hash = 'scene-hash'): LoadedImage {
    return { hash, width: this.width, height: this.height, rgb: this.rgb, source: 'test scene', format: 'png' };
  }
}

export function rectBits(w: number, h: number, [x1, y1, x2, y2]: Box): Uint8Array {
  const bits = new Uint8Array(w * h);
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) bits[y * w + x] = 1;
  return bits;
}

/** Pixels whose centre lies within r of (cx, cy). */
export function discBits(w: number, h: number, cx: number, cy: number, r: number): Uint8Array {
  const bits = new Uint8Array(w * h);
  for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(h, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(w, Math.ceil(cx + r)); x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) bits[y * w + x] = 1;
    }
  }
  return bits;
}

export function toRle(bits: Uint8Array, w: number, h: number): Rle {
  return rleFromBitmap(bits, w, h);
}

export function proposalOf(rle: Rle, score = 0.9, stage: Proposal['stage'] = 'grid'): Proposal {
  let area = 0;
  for (let k = 1; k < rle.counts.length; k += 2) area += rle.counts[k]!;
  return { rle, area, bbox: [0, 0, 0, 0], predictedIou: score, stability: 0.95, prompt: { points: [] }, stage };
}

/**
 * 200x100 white scene:
 *  red rectangle [10,10,90,60) (4000 px) with a blue window [20,20,40,40) (400 px) inside it,
 *  a gray post [90,10,100,60) (500 px) touching the rectangle's right side,
 *  a green disc at (150,50) r=30, a yellow tag [150,85,170,95) (200 px) below the disc,
 *  and a slightly trimmed, lower-scored duplicate of the rectangle.
 * Expected ids (area desc): 1 rectangle, 2 disc, 3 post, 4 window, 5 tag.
 */
export function standardScene(): { scene: Scene; proposals: Proposal[] } {
  const W = 200;
  const H = 100;
  const scene = new Scene(W, H);
  const rect = rectBits(W, H, [10, 10, 90, 60]);
  const windowBits = rectBits(W, H, [20, 20, 40, 40]);
  const post = rectBits(W, H, [90, 10, 100, 60]);
  const disc = discBits(W, H, 150, 50, 30);
  const tag = rectBits(W, H, [150, 85, 170, 95]);
  scene.paint(rect, [220, 20, 30]);
  scene.paint(windowBits, [30, 60, 200]);
  scene.paint(post, [128, 128, 128]);
  scene.paint(disc, [0, 160, 0]);
  scene.paint(tag, [250, 225, 0]);
  const proposals = [
    proposalOf(toRle(tag, W, H), 0.8),
    proposalOf(toRle(windowBits, W, H), 0.85, 'parts'),
    proposalOf(toRle(rectBits(W, H, [10, 10, 90, 58]), W, H), 0.7),
    proposalOf(toRle(disc, W, H), 0.95),
    proposalOf(toRle(rect, W, H), 0.9),
    proposalOf(toRle(post, W, H), 0.9),
  ];
  return { scene, proposals };
}

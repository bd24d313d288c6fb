// What a drawn scene is: a JSON-able plan (SceneSpec) and what drawing it gives (pixels, exact masks,
// metadata). The plan is data, so a generated evaluation can store it beside its questions and a demo
// can print it.
import type { Box, Rle } from '../mask/rle.js';
import type { Rgb, SceneColourName, ThemeName } from './palette.js';
import type { Shape } from './shapes.js';

/** backdrop: the sky/ground (or wall/floor) behind everything; whole: an object; part: inside a whole. */
export type SceneRole = 'backdrop' | 'whole' | 'part';

export interface SceneTexture {
  seed: number;
  /** Brightness swing of the noise, in 0–255 units either way. */
  amplitude: number;
  /** Feature size of the coarsest octave along x and y, in pixels. */
  scaleX: number;
  scaleY: number;
  octaves: number;
  /** Brightness change from the item's top to its bottom, in 0–255 units (negative: darker below). */
  shade: number;
}

/** One thing to paint: its own shapes in one colour, on top of everything painted before it. */
export interface SceneItem {
  /** 1..N in painting order. */
  id: number;
  /** What it depicts: "house", "window", "wheel", "sky", … */
  name: string;
  role: SceneRole;
  /** The whole this part belongs to. */
  parent?: number;
  colour: SceneColourName;
  rgb: Rgb;
  shapes: Shape[];
  texture: SceneTexture;
}

export interface SceneSpec {
  seed: number;
  width: number;
  height: number;
  theme: ThemeName;
  /** In painting order: backdrops, then each whole followed by its parts. */
  items: SceneItem[];
}

export interface SceneObject {
  id: number;
  name: string;
  role: SceneRole;
  parent?: number;
  /** Direct parts. */
  children: number[];
  colour: SceneColourName;
  /** The fill colour before texture, as #rrggbb. */
  hex: string;
  /** Exactly the pixels showing this item or one of its parts (occluded pixels excluded). */
  mask: Rle;
  area: number;
  bbox: Box;
  /**
   * A pixel of the item's own visible paint farthest from that paint's edge: a safe place to point at
   * it (for a whole, on the whole itself, not on one of its parts).
   */
  anchor: [number, number];
  /** Pixels its shapes cover before anything in front is painted. */
  drawnArea: number;
  /** area / drawnArea: 1 when nothing hides any of it. */
  visibleFraction: number;
  /** Items painted over part of it: other wholes (by their whole's id) or its own whole's other parts. */
  occludedBy: number[];
}

export interface RenderedScene {
  spec: SceneSpec;
  width: number;
  height: number;
  /** width*height*3 bytes, row-major sRGB: the exact pixels the masks describe. */
  rgb: Uint8Array;
  /** One per spec item, same ids and order. */
  objects: SceneObject[];
}

export type ScenePictureFormat = 'png' | 'jpeg';

export interface Scene extends RenderedScene {
  /** The pixels encoded (PNG: lossless, the same pixels; JPEG: lossy, masks still describe `rgb`). */
  picture: { format: ScenePictureFormat; mime: string; data: Buffer };
}

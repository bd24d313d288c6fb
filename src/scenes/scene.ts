// Drawn scenes with exact ground truth: plan from a seed, paint, encode. For tests that need a picture
// the real model can see, for `twinseg demo`, and for generated reasoning-segmentation questions.
import { encodeRaw, PICTURE_MIME } from '../image/codec.js';
import { planScene, type PlanOptions } from './plan.js';
import { renderScene } from './render.js';
import type { RenderedScene, Scene, ScenePictureFormat, SceneSpec } from './scene-spec.js';

export interface DrawSceneOptions extends PlanOptions {
  /** Default png (lossless: the picture's pixels are exactly `rgb`). */
  format?: ScenePictureFormat;
  /** JPEG quality (default 92). */
  quality?: number;
}

/** Encodes a rendered scene's pixels as PNG or JPEG. */
export async function encodeScene(scene: RenderedScene, format: ScenePictureFormat = 'png', quality = 92): Promise<Scene['picture']> {
  const data = await encodeRaw({ data: scene.rgb, width: scene.width, height: scene.height, channels: 3 }, format, {
    quality,
    fullChroma: true,
  });
  return { format, mime: PICTURE_MIME[format], data };
}

/** Plans (from the seed), paints and encodes a scene. Same options, same scene, byte for byte. */
export async function drawScene(opts: DrawSceneOptions): Promise<Scene> {
  return drawSpec(planScene(opts), opts.format, opts.quality);
}

/** Paints and encodes a given plan (a stored one, or one written by hand). */
export async function drawSpec(spec: SceneSpec, format: ScenePictureFormat = 'png', quality?: number): Promise<Scene> {
  const rendered = renderScene(spec);
  return { ...rendered, picture: await encodeScene(rendered, format, quality) };
}

export { planScene, type PlanOptions } from './plan.js';
export { renderScene } from './render.js';
export { OBJECT_SWATCHES, SCENE_COLOUR_NAMES, THEME_NAMES, THEMES, type SceneColourName, type ThemeName } from './palette.js';
export { DEFAULT_TEMPLATES, TEMPLATE_NAMES, type TemplateName } from './templates.js';
export type { Shape } from './shapes.js';
export type * from './scene-spec.js';

// The size of a dataset image as the model sees it: decoded with EXIF orientation applied, as twins are
// built and as cv2.imread (LISA) reads it. A header alone would give the stored, unrotated size.
import { fileSource, loadImage } from '../perception/image-input.js';
import type { ImageLimits } from '../perception/contract.js';

/** Generous: evaluation reads the user's own dataset, not untrusted uploads. */
export const EVAL_IMAGE_LIMITS: ImageLimits = { maxBytes: 512 * 1024 * 1024, maxPixels: 256 * 1024 * 1024 };

export async function imageSize(file: string, limits: ImageLimits = EVAL_IMAGE_LIMITS): Promise<{ width: number; height: number }> {
  const { width, height } = await loadImage(fileSource(file), limits);
  return { width, height };
}

// Turns build_digital_twin's `image` argument into what the twin service loads: a real path checked
// against the session's roots (which travel with it, so that the read itself stays inside them), or
// base64 whose decoded size is within the configured limit. Telling paths from base64 is perception's
// job, done once here and handed down classified.
import { TwinsegError } from '../../errors.js';
import { classifyImageSource, type ImageSource } from '../../perception/image-input.js';
import { resolveReadPath } from '../../roots/path-policy.js';

export async function resolveImageInput(image: string, roots: readonly string[], maxBytes: number): Promise<ImageSource> {
  const src = classifyImageSource(image);
  if (src.kind === 'path') return { kind: 'path', path: await resolveReadPath(src.path, roots), roots };
  if (src.bytes > maxBytes) {
    throw new TwinsegError('IMAGE_TOO_LARGE', `The base64 image decodes to ${src.bytes} bytes; the limit is ${maxBytes}.`, {
      hint: 'Downscale or re-encode the image (e.g. JPEG), or save it inside an allowed root and pass its path.',
    });
  }
  return src;
}

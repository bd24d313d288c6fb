// Turns build_digital_twin's `image` argument into what the twin service loads: a real path checked
// against the session's roots (which travel with it, so that the read itself stays inside them), or
// base64 as it came. Telling paths from base64 is perception's job (classifyImageSource), done once here
// and handed down classified; the byte limit is checked where every entry meets, in loadImage.
import { classifyImageSource, type ImageSource } from '../../perception/image-input.js';
import { resolveReadPath } from '../../roots/path-policy.js';

export async function resolveImageInput(image: string, roots: readonly string[]): Promise<ImageSource> {
  const src = classifyImageSource(image);
  if (src.kind === 'path') return { kind: 'path', path: await resolveReadPath(src.path, roots), roots };
  return src;
}

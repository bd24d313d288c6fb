// Turns build_digital_twin's `image` argument into what the twin service loads: a real path checked
// against the session's roots, or a data URL whose decoded size is within the configured limit.
// Telling paths from base64 is perception's job (one classifier for the whole program).
import { TwinsegError } from '../errors.js';
import { classifyImageSource } from '../perception/image-input.js';
import { resolveReadPath } from './path-policy.js';

export type ImageInput = { kind: 'path'; value: string } | { kind: 'base64'; value: string; bytes: number };

export function decodedBase64Bytes(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}

export async function resolveImageInput(image: string, roots: readonly string[], maxBytes: number): Promise<ImageInput> {
  const src = classifyImageSource(image);
  if (src.kind === 'path') return { kind: 'path', value: await resolveReadPath(src.path, roots) };
  const bytes = decodedBase64Bytes(src.base64);
  if (bytes > maxBytes) {
    throw new TwinsegError('IMAGE_TOO_LARGE', `The base64 image decodes to ${bytes} bytes; the limit is ${maxBytes}.`, {
      hint: 'Downscale or re-encode the image (e.g. JPEG), or save it inside an allowed root and pass its path.',
    });
  }
  // Hand the service the string it was given (base64 or data URL): the same classifier reads it again.
  return { kind: 'base64', value: image.trim(), bytes };
}

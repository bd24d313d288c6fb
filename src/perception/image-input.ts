// Turns whatever a caller names as an image (path, file:// URL, base64, data URL) into 8-bit sRGB pixels.
// This is the only place that decodes images; every refusal is a TwinsegError naming the source.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfinedFileError, readConfined } from '../confined-files.js';
import { decodeToRgb, readPictureHeader, type PictureHeader, type RawImage } from '../image/codec.js';
import { TwinsegError, throwIfAborted, errorMessage } from '../errors.js';
import type { ImageLimits, LoadedImage } from './contract.js';

/** Container formats we decode; sharp can read more (SVG, HEIF, PDF…) but those are not photos we test. */
export const SUPPORTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'tiff', 'gif'] as const;

/** Transparent pixels are composited onto white: it reads as "background" in a photo of a cut-out object. */
export const FLATTEN_BACKGROUND = { r: 255, g: 255, b: 255 } as const;

export interface LoadImageOptions {
  signal?: AbortSignal;
  /**
   * Called with the picture's size once its header passed the limits, before the pixels are decoded:
   * the caller may wait here until memory for them is free.
   */
  beforeDecode?: (width: number, height: number) => Promise<void>;
}

export type ImageSource =
  | {
      kind: 'path';
      path: string;
      /** Real paths of the allowed roots: the file is read only inside them. Absent: any path (the CLI's own files). */
      roots?: readonly string[];
    }
  | { kind: 'base64'; base64: string; dataUrl: boolean; /** Exact decoded size. */ bytes: number };

/** Bytes that a base64 text (no whitespace) decodes to, from its length and padding. */
export function decodedBase64Bytes(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}

const base64Source = (base64: string, dataUrl: boolean): ImageSource => ({
  kind: 'base64',
  base64,
  dataUrl,
  bytes: decodedBase64Bytes(base64),
});

/** A file the program itself names (a dataset's, a drawn scene's): a path, read wherever it is. */
export const fileSource = (file: string): ImageSource => ({ kind: 'path', path: file });

/** Encoded image bytes held in memory, as an inline source (what a caller's base64 becomes). */
export const bytesSource = (bytes: Buffer): ImageSource => base64Source(bytes.toString('base64'), false);

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;
// Any base64 string this long with no '.' is not a plausible file path.
const LONG_BASE64_CHARS = 1024;

type SupportedFormat = (typeof SUPPORTED_IMAGE_FORMATS)[number];

/**
 * The container format from the leading bytes: one of ours, the name of a known other format (so the
 * refusal can say what the file is), or undefined. Bytes that are not one of ours never reach the
 * image library, so its SVG, HEIF and VIPS loaders only ever see twinseg's own drawings.
 */
export function sniffImageFormat(b: Uint8Array): SupportedFormat | string | undefined {
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  const ascii = (from: number, to: number) => Buffer.from(b.subarray(from, to)).toString('latin1');
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (starts(0x49, 0x49, 0x2b, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2b)) return 'tiff'; // BigTIFF
  if (ascii(0, 2) === 'BM') return 'bmp';
  if (ascii(4, 8) === 'ftyp') return /^(avif|avis)/.test(ascii(8, 12)) ? 'avif' : 'heif';
  if (ascii(0, 5) === '%PDF-') return 'pdf';
  if (starts(0x08, 0xf2, 0xa6, 0xb6) || starts(0xb6, 0xa6, 0xf2, 0x08)) return 'vips';
  if (/^P[1-7]\s/.test(ascii(0, 3))) return 'ppm';
  const head = ascii(0, 1024)
    .replace(/^\xEF\xBB\xBF/, '')
    .trimStart();
  if (head.startsWith('<')) return /<svg[\s>]/i.test(head) ? 'svg' : 'xml';
  return undefined;
}

const isSupported = (format: string | undefined): format is SupportedFormat =>
  (SUPPORTED_IMAGE_FORMATS as readonly string[]).includes(format ?? '');

/** Leading bytes of the formats we accept; used to tell a short base64 image from a path. */
function hasImageMagic(b: Uint8Array): boolean {
  return isSupported(sniffImageFormat(b));
}

/**
 * Decides what a source string names. A data: prefix is base64; file:// is a path; otherwise a string made
 * only of the base64 alphabet counts as base64 when it decodes to a known image signature or is too long to
 * be a path. Note a JPEG in base64 starts with "/9j/", so a leading slash alone does not mean "path".
 */
export function classifyImageSource(source: string): ImageSource {
  const s = source.trim();
  if (/^data:/i.test(s)) {
    const comma = s.indexOf(',');
    const header = comma < 0 ? '' : s.slice(5, comma);
    if (comma < 0 || !/;base64$/i.test(header)) {
      throw new TwinsegError('IMAGE_UNREADABLE', 'The data URL is not base64-encoded (expected "data:image/...;base64,...").', {
        hint: 'Send the image as a base64 data URL, plain base64, or a file path.',
      });
    }
    return base64Source(s.slice(comma + 1).replace(/\s+/g, ''), true);
  }
  if (/^file:\/\//i.test(s)) {
    try {
      return { kind: 'path', path: fileURLToPath(s) };
    } catch (e) {
      throw new TwinsegError('IMAGE_NOT_FOUND', `"${s}" is not a valid file:// URL.`, {
        hint: 'Use an absolute file:///path/to/image.jpg URL or a plain path.',
        cause: e,
      });
    }
  }
  const compact = s.replace(/\s+/g, '');
  if (compact.length >= 8 && BASE64_RE.test(compact)) {
    if (compact.length >= LONG_BASE64_CHARS) return base64Source(compact, false);
    const head = Buffer.from(compact.slice(0, 16), 'base64');
    if (hasImageMagic(head)) return base64Source(compact, false);
    // Base64 of an SVG is still base64, to be refused as SVG rather than looked up as a file name.
    if (/^(\xEF\xBB\xBF)?\s*<(svg|\?xml)/i.test(head.toString('latin1'))) return base64Source(compact, false);
  }
  return { kind: 'path', path: s };
}

/**
 * Loads, validates and decodes an image as classifyImageSource named it (or as fileSource / bytesSource
 * built it). Every entry (the tools, over stdio or HTTP, and the CLI) reaches pixels only here, so here is
 * where the byte limit is checked. See LoadedImage for the guarantees on the result.
 */
export async function loadImage(src: ImageSource, limits: ImageLimits, opts: LoadImageOptions = {}): Promise<LoadedImage> {
  throwIfAborted(opts.signal);
  if (src.kind === 'base64') {
    // Refuse before allocating.
    if (src.bytes > limits.maxBytes) {
      throw tooManyBytes(`The ${src.dataUrl ? 'data URL' : 'base64'} image decodes to`, src.bytes, limits.maxBytes);
    }
    const label = `${src.dataUrl ? 'data URL' : 'base64'} (${src.bytes} bytes)`;
    const bytes = Buffer.from(src.base64, 'base64');
    if (bytes.length === 0) {
      throw new TwinsegError('IMAGE_UNREADABLE', `The ${label} image is empty.`, { hint: 'Send the encoded image bytes.' });
    }
    return decodeImage(bytes, label, limits, opts);
  }
  if (src.path.includes('\0')) {
    throw new TwinsegError('IMAGE_NOT_FOUND', 'The image path contains a NUL character.', { hint: 'Pass a plain file path.' });
  }
  const file = path.resolve(src.path);
  const bytes = await readImageFile(file, src.roots, limits);
  return decodeImage(bytes, file, limits, opts);
}

/** The file's bytes, read once through a descriptor (confined-files.ts): never by name a second time. */
async function readImageFile(file: string, roots: readonly string[] | undefined, limits: ImageLimits): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readConfined(file, roots, limits.maxBytes);
  } catch (e) {
    throw readRefusal(file, roots, limits, e);
  }
  if (bytes.length === 0) {
    throw new TwinsegError('IMAGE_UNREADABLE', `${file} is empty (0 bytes).`, {
      hint: 'The file may still be being written, or the copy failed; pass a complete image.',
    });
  }
  return bytes;
}

function readRefusal(file: string, roots: readonly string[] | undefined, limits: ImageLimits, e: unknown): TwinsegError {
  if (e instanceof ConfinedFileError) {
    const r = e.refusal;
    switch (r.reason) {
      case 'missing':
        return notFound(file, e);
      case 'too-large':
        return tooManyBytes(`${file} is`, r.bytes, limits.maxBytes);
      case 'directory':
        return new TwinsegError('IMAGE_UNREADABLE', `${file} is a directory, not an image file.`, {
          hint: 'Pass the path of a JPEG, PNG, WebP, TIFF or GIF file inside it.',
        });
      case 'special':
        return new TwinsegError('IMAGE_UNREADABLE', `${file} is ${r.kind}, not a regular file; it was not read.`, {
          hint: 'Pass the path of an image file.',
        });
      case 'outside':
        return new TwinsegError('PATH_NOT_ALLOWED', `Path "${file}" is not allowed: ${r.detail}.`, {
          hint: `Use a file inside one of the allowed roots: ${(roots ?? []).join(', ') || '(none)'}.`,
          cause: e,
        });
      case 'exists':
        break;
    }
  }
  if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return notFound(file, e);
  return new TwinsegError('IMAGE_UNREADABLE', `Cannot read ${file}: ${errorMessage(e)}.`, {
    hint: 'Check that the file is readable by the server, then try again.',
    cause: e,
  });
}

async function decodeImage(bytes: Buffer, label: string, limits: ImageLimits, opts: LoadImageOptions): Promise<LoadedImage> {
  const sniffed = sniffImageFormat(bytes);
  if (!isSupported(sniffed)) throw unsupported(label, sniffed);
  let header: PictureHeader;
  try {
    // The header read is cheap and safe at any size; our own check below gives the clearer message.
    header = await readPictureHeader(bytes);
  } catch (e) {
    throw unreadable(label, e);
  }
  const { format, width: w, height: h } = header;
  // The library picks its loader by its own sniffing; it must agree with ours.
  if (format !== sniffed) throw unsupported(label, format);
  if (w * h > limits.maxPixels) {
    throw new TwinsegError(
      'IMAGE_TOO_LARGE',
      `${label} is ${w}×${h} = ${(w * h).toExponential(2)} pixels; the limit is ${limits.maxPixels} pixels.`,
      { hint: 'Downscale the image, or set TWINSEG_MAX_IMAGE_PIXELS to raise the limit.', details: { width: w, height: h } },
    );
  }
  await opts.beforeDecode?.(w, h);
  throwIfAborted(opts.signal);
  let out: RawImage;
  try {
    out = await decodeToRgb(bytes, { maxPixels: limits.maxPixels, background: FLATTEN_BACKGROUND });
  } catch (e) {
    throw unreadable(label, e);
  }
  const { width, height, channels, data: rgb } = out;
  if (channels !== 3 || rgb.length !== width * height * 3) {
    throw new TwinsegError('INTERNAL', `Decoding ${label} gave ${channels} channels instead of 3.`, {
      hint: 'Please report this image format as a bug.',
    });
  }
  return { hash: pixelHash(width, height, rgb), width, height, rgb, source: label, format };
}

/** The image's identity: SHA-256 over width, height (uint32 big-endian) and the RGB bytes. */
export function pixelHash(width: number, height: number, rgb: Uint8Array): string {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  return createHash('sha256').update(header).update(rgb).digest('hex');
}

/** `lead` starts the sentence before the size: "/photos/a.jpg is" or "The base64 image decodes to". */
function tooManyBytes(lead: string, size: number, max: number): TwinsegError {
  return new TwinsegError('IMAGE_TOO_LARGE', `${lead} ${size} bytes; the limit is ${max} bytes.`, {
    hint: 'Compress or downscale the image, or set TWINSEG_MAX_IMAGE_BYTES to raise the limit.',
    details: { bytes: size, maxBytes: max },
  });
}

function notFound(file: string, cause: unknown): TwinsegError {
  return new TwinsegError('IMAGE_NOT_FOUND', `No image file at ${file}.`, {
    hint: "Check the path; relative paths are resolved against the server's working directory.",
    cause,
  });
}

function unsupported(label: string, format: string | undefined): TwinsegError {
  const what = format ? `a ${format} file` : 'not a picture file (its first bytes match no image format)';
  return new TwinsegError('IMAGE_UNREADABLE', `${label} is ${what}; twinseg reads ${SUPPORTED_IMAGE_FORMATS.join(', ')}.`, {
    hint: 'Convert it to PNG or JPEG first.',
    details: { format },
  });
}

/** libvips' first line, without its trailing colon or full stop ("corrupt header: " says nothing more). */
function libraryReason(cause: unknown): string {
  const why = errorMessage(cause)
    .split('\n')[0]!
    .trim()
    .replace(/[:.]+$/, '');
  return why || 'the image library gave no reason';
}

function unreadable(label: string, cause: unknown): TwinsegError {
  const why = libraryReason(cause);
  if (/pixel limit|maximum supported image dimension|image too large|exceeds? .*(size|dimension)/i.test(why)) {
    return new TwinsegError('IMAGE_TOO_LARGE', `${label} has more pixels than the limit allows (${why}).`, {
      hint: 'Downscale the image, or set TWINSEG_MAX_IMAGE_PIXELS to raise the limit.',
      cause,
    });
  }
  return new TwinsegError('IMAGE_UNREADABLE', `Cannot decode ${label}: ${why}.`, {
    hint: `The file is corrupt or truncated: send a complete ${SUPPORTED_IMAGE_FORMATS.join(', ')} file, or re-save it (e.g. as PNG) and try again.`,
    cause,
  });
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

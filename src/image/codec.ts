// The one module that touches sharp (libvips): decoding pictures to raw pixels, resizing, drawing an
// SVG layer on top, and encoding raw pixels as PNG, JPEG or WebP. Everything else in twinseg works on
// RawImage. sharp is loaded on first use, so commands that never touch a picture never load it, and a
// broken install fails with a message that says how to fix it.
import type { Sharp, SharpOptions } from 'sharp';
import { errorMessage, TwinsegError } from '../errors.js';

/** Row-major pixels, `channels` interleaved bytes per pixel. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export type PictureFormat = 'png' | 'jpeg' | 'webp';

export const PICTURE_MIME: Record<PictureFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

export interface EncodeOptions {
  /** JPEG/WebP quality 1–100 (default 85). */
  quality?: number;
  /** PNG: quantise to this many palette colours (2 for a binary mask: 1 bit per pixel). */
  paletteColours?: number;
  /** PNG zlib level 0–9 (default 6). */
  compressionLevel?: number;
  /** JPEG: keep full colour resolution (crisp coloured edges, ~20% larger). */
  fullChroma?: boolean;
}

type SharpFactory = (input?: Buffer | Uint8Array, options?: SharpOptions) => Sharp;
let factory: Promise<SharpFactory> | undefined;

async function sharp(): Promise<SharpFactory> {
  factory ??= import('sharp').then(
    (m) => m.default as unknown as SharpFactory,
    (e: unknown) => {
      factory = undefined;
      throw new TwinsegError('INTERNAL', `The image library sharp could not be loaded: ${errorMessage(e)}`, {
        hint: 'Reinstall dependencies with `npm ci` (or `npm rebuild sharp`) on this machine; sharp ships a native binary per platform.',
        cause: e,
      });
    },
  );
  return factory;
}

const raw = (img: RawImage): SharpOptions => ({ raw: { width: img.width, height: img.height, channels: img.channels } });

function asRaw(data: Buffer, info: { width: number; height: number; channels: number }): RawImage {
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: info.channels as RawImage['channels'],
  };
}

export interface PictureHeader {
  /** Container format as libvips names it: jpeg, png, webp, tiff, gif, svg, heif, … */
  format?: string;
  width: number;
  /** With several pages (animated GIF), the first page's height. */
  height: number;
}

/** Reads only the header: cheap and safe at any declared size. */
export async function readPictureHeader(bytes: Uint8Array): Promise<PictureHeader> {
  const meta = await (await sharp())(bytes, { limitInputPixels: false, pages: 1 }).metadata();
  return { format: meta.format as string | undefined, width: meta.width ?? 0, height: meta.pageHeight ?? meta.height ?? 0 };
}

export interface DecodeRgbOptions {
  /** Refuse more pixels than this (libvips stops before allocating). */
  maxPixels: number;
  /** Transparent pixels are composited onto this colour. */
  background: { r: number; g: number; b: number };
}

/**
 * First frame as 8-bit sRGB: EXIF orientation applied (pixels as a person sees them), alpha flattened,
 * greyscale/CMYK/16-bit converted. Any damage libvips notices in the pixel data is an error (sharp's
 * advice for untrusted input): a JPEG whose header promises 8000×8000 over a few kilobytes of corrupt
 * data would otherwise decode, after seconds, to 64 Mpx of grey.
 */
export async function decodeToRgb(bytes: Uint8Array, opts: DecodeRgbOptions): Promise<RawImage> {
  const { data, info } = await (
    await sharp()
  )(bytes, { failOn: 'warning', limitInputPixels: opts.maxPixels, pages: 1 })
    .rotate()
    .flatten({ background: opts.background })
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return asRaw(data, info);
}

/** One grey channel, transparent parts as black (for masks read back from files). */
export async function decodeToGrey(bytes: Uint8Array): Promise<RawImage> {
  const { data, info } = await (
    await sharp()
  )(bytes)
    .flatten({ background: '#000000' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return asRaw(data, info);
}

/** Resize to exactly width×height. `linear` follows SAM's (PIL) bilinear resize; `lanczos3` is for pictures. */
export async function resizeRaw(
  img: RawImage,
  width: number,
  height: number,
  kernel: 'linear' | 'lanczos3' = 'lanczos3',
): Promise<RawImage> {
  if (img.width === width && img.height === height) return img;
  const { data, info } = await (
    await sharp()
  )(img.data, raw(img))
    .resize(width, height, { kernel, fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) {
    throw new TwinsegError('INTERNAL', `Resize gave ${info.width}x${info.height}, expected ${width}x${height}.`);
  }
  return asRaw(data, info);
}

/** Draws an SVG of the same size over the pixels (labels, legends); the result keeps img's channels. */
export async function drawSvgOver(img: RawImage, svg: string): Promise<RawImage> {
  const { data, info } = await (
    await sharp()
  )(img.data, raw(img))
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels === img.channels) return asRaw(data, info);
  // libvips adds the SVG's alpha channel to the output; keep the input's channels.
  const out = new Uint8Array(img.width * img.height * img.channels);
  for (let i = 0, j = 0; i < out.length; i += img.channels, j += info.channels) {
    for (let c = 0; c < img.channels; c++) out[i + c] = data[j + c]!;
  }
  return { ...img, data: out };
}

/** Renders a standalone SVG document to PNG (plots); no external resources are fetched. */
export async function svgToPng(svg: string, density = 144): Promise<Buffer> {
  return (await sharp())(Buffer.from(svg), { density }).png().toBuffer();
}

export async function encodeRaw(img: RawImage, format: PictureFormat, opts: EncodeOptions = {}): Promise<Buffer> {
  const s = (await sharp())(img.data, raw(img));
  const quality = opts.quality ?? 85;
  switch (format) {
    case 'png':
      return s
        .png({
          compressionLevel: opts.compressionLevel ?? 6,
          ...(opts.paletteColours ? { palette: true, colours: opts.paletteColours, dither: 0 } : {}),
        })
        .toBuffer();
    case 'jpeg':
      return s.jpeg({ quality, chromaSubsampling: opts.fullChroma ? '4:4:4' : '4:2:0', mozjpeg: false }).toBuffer();
    case 'webp':
      return s.webp({ quality, effort: 2 }).toBuffer();
  }
}

// Hostile pictures made in code: real encodings from sharp, then cut, bit-flipped or with their
// header's declared size patched, plus hand-made headers and SVGs that reach for the network.
import sharp from 'sharp';

export type Rgb = { r: number; g: number; b: number };

// CRC-32 (IEEE), as PNG chunks need it.
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A noisy 64×48 picture, so compressed data is not trivially small or regular. */
export function noisyRaw(width = 64, height = 48): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < rgb.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    rgb[i] = (i % 3 === 0 ? (i / 3) % width : seed) & 0xff;
  }
  return rgb;
}

export async function encoded(format: 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff', width = 64, height = 48): Promise<Buffer> {
  const s = sharp(noisyRaw(width, height), { raw: { width, height, channels: 3 } });
  switch (format) {
    case 'jpeg':
      return s.jpeg({ quality: 80 }).toBuffer();
    case 'png':
      return s.png().toBuffer();
    case 'webp':
      return s.webp({ quality: 80 }).toBuffer();
    case 'gif':
      return s.gif().toBuffer();
    case 'tiff':
      return s.tiff({ compression: 'lzw' }).toBuffer();
  }
}

/** A solid picture of one colour, as the given sharp pipeline encodes it. */
export function solid(width: number, height: number, colour: Rgb, channels: 3 | 4 = 3) {
  return sharp({ create: { width, height, channels, background: channels === 4 ? { ...colour, alpha: 1 } : colour } });
}

/** The PNG with IHDR's width and height replaced (CRC fixed, so only the size is a lie). */
export function pngClaiming(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  // Signature (8) + length (4) + "IHDR" (4): width at 16, height at 20; CRC over type+data at 29.
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

/** The JPEG with its SOF marker's height and width replaced. */
export function jpegClaiming(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length;) {
    if (out[i] !== 0xff) throw new Error('not at a JPEG marker');
    const marker = out[i + 1]!;
    const len = out.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

/** The GIF with its logical screen and first image descriptor sizes replaced. */
export function gifClaiming(gif: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(gif);
  out.writeUInt16LE(width, 6);
  out.writeUInt16LE(height, 8);
  const descriptor = out.indexOf(0x2c, 13);
  if (descriptor > 0) {
    out.writeUInt16LE(width, descriptor + 5);
    out.writeUInt16LE(height, descriptor + 7);
  }
  return out;
}

/** A lossless WebP with its VP8L header's size replaced (14 bits each: at most 16,384). */
export function webpLosslessClaiming(webp: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(webp);
  const at = out.indexOf('VP8L', 12, 'ascii');
  if (at < 0 || out[at + 8] !== 0x2f) throw new Error('not a simple lossless WebP');
  const bits = out.readUInt32LE(at + 9);
  out.writeUInt32LE(((bits & ~0x0fffffff) | ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14)) >>> 0, at + 9);
  return out;
}

/** A WebP (RIFF/VP8X) header whose canvas claims width×height (up to 2^24 each) and nothing else. */
export function webpVp8xClaiming(width: number, height: number): Buffer {
  const vp8x = Buffer.alloc(10);
  vp8x.writeUIntLE(width - 1, 4, 3);
  vp8x.writeUIntLE(height - 1, 7, 3);
  const chunk = Buffer.concat([Buffer.from('VP8X'), Buffer.from([10, 0, 0, 0]), vp8x]);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(4 + chunk.length, 4);
  riff.write('WEBP', 8, 'ascii');
  return Buffer.concat([riff, chunk]);
}

/** The TIFF (little-endian, as sharp writes it) with ImageWidth and ImageLength replaced. */
export function tiffClaiming(tiff: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(tiff);
  if (out.toString('ascii', 0, 2) !== 'II') throw new Error('expected a little-endian TIFF');
  const ifd = out.readUInt32LE(4);
  const n = out.readUInt16LE(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + 12 * k;
    const tag = out.readUInt16LE(e);
    if (tag !== 256 && tag !== 257) continue;
    const type = out.readUInt16LE(e + 2);
    const v = tag === 256 ? width : height;
    if (type === 3) out.writeUInt16LE(v, e + 8);
    else out.writeUInt32LE(v, e + 8);
  }
  return out;
}

export function truncated(buf: Buffer, fraction: number): Buffer {
  return buf.subarray(0, Math.max(1, Math.floor(buf.length * fraction)));
}

/** Flips the given bits (positions taken modulo the bit length). */
export function bitFlipped(buf: Buffer, bits: readonly number[]): Buffer {
  const out = Buffer.from(buf);
  for (const b of bits) {
    const at = b % (out.length * 8);
    out[at >> 3]! ^= 1 << (at & 7);
  }
  return out;
}

export async function animatedGif(colours: string[]): Promise<Buffer> {
  const frames = await Promise.all(
    colours.map((c) =>
      sharp({ create: { width: 4, height: 4, channels: 3, background: c } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(frames, { join: { animated: true } })
    .gif()
    .toBuffer();
}

export async function animatedWebp(colours: string[]): Promise<Buffer> {
  const frames = await Promise.all(
    colours.map((c) =>
      sharp({ create: { width: 4, height: 4, channels: 3, background: c } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(frames, { join: { animated: true } })
    .webp({ lossless: true })
    .toBuffer();
}

/** SVGs that would fetch from `base` (an http://127.0.0.1:port URL) if anything rendered them carelessly. */
export function reachingSvgs(base: string): Record<string, string> {
  const open = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8">';
  return {
    'image href': `${open}<image href="${base}/image.png" width="8" height="8"/><image xlink:href="${base}/xlink.png" width="8" height="8"/></svg>`,
    'external entity': `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "${base}/entity">]>${open}<text>&x;</text></svg>`,
    'css import and url()': `${open}<style>@import url(${base}/import.css);</style><rect width="8" height="8" style="fill:url(${base}/fill.svg#a)"/></svg>`,
    xinclude: `${open.replace('>', ' xmlns:xi="http://www.w3.org/2001/XInclude">')}<xi:include href="${base}/xinclude"/></svg>`,
    'use href': `${open}<use href="${base}/use.svg#a"/></svg>`,
    'local file': `${open}<image href="file:///etc/hostname" width="8" height="8"/></svg>`,
    'BOM and whitespace': `\uFEFF  \n${open}<image href="${base}/bom.png" width="8" height="8"/></svg>`,
  };
}

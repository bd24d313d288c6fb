import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwinsegError } from '../../src/errors.js';
import { classifyImageSource, decodedBase64Bytes, loadImage, pixelHash, type LoadImageOptions } from '../../src/perception/image-input.js';
import type { ImageLimits } from '../../src/perception/contract.js';
import { drawScene } from '../../src/scenes/scene.js';

const LIMITS: ImageLimits = { maxBytes: 50 * 1024 * 1024, maxPixels: 64 * 1024 * 1024 };
let dir: string;
/** A drawn 1200×800 scene saved as a JPEG file. */
let sceneJpeg: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-image-'));
  sceneJpeg = path.join(dir, 'scene.jpg');
  await fs.writeFile(sceneJpeg, (await drawScene({ seed: 1, width: 1200, height: 800, format: 'jpeg' })).picture.data);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function write(name: string, data: Uint8Array | string): Promise<string> {
  const p = path.join(dir, name);
  await fs.writeFile(p, data);
  return p;
}

/** Loads an image as a caller names it (path, file:// URL, base64, data URL): classified, then loaded. */
async function loadNamed(source: string, limits: ImageLimits, opts?: LoadImageOptions) {
  return loadImage(classifyImageSource(source), limits, opts);
}

/** Expects a TwinsegError with this code whose message mentions each of `mentions`. */
async function expectError(p: Promise<unknown>, code: string, ...mentions: string[]): Promise<TwinsegError> {
  return expectErrorWithHint(p, code, true, ...mentions);
}

async function expectErrorWithHint(p: Promise<unknown>, code: string, needsHint: boolean, ...mentions: string[]): Promise<TwinsegError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TwinsegError);
  const te = e as TwinsegError;
  expect(te.code).toBe(code);
  for (const m of mentions) expect(te.message).toContain(m);
  if (needsHint) expect(te.hint ?? '').not.toBe('');
  return te;
}

// CRC-32 (IEEE) as PNG chunks need it; small enough to inline for a hand-made header.
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose IHDR claims width×height (8-bit RGB) with no real pixel data behind it. */
function pngHeaderClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', new Uint8Array(0)),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

const rgbPng = () =>
  sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 200, g: 100, b: 50 } } })
    .png()
    .toBuffer();

describe('loadImage refuses bad input with typed, actionable errors', () => {
  it('reports a missing file as IMAGE_NOT_FOUND naming the path', async () => {
    const p = path.join(dir, 'nope.jpg');
    await expectError(loadNamed(p, LIMITS), 'IMAGE_NOT_FOUND', p);
  });

  it('refuses a directory', async () => {
    await expectError(loadNamed(dir, LIMITS), 'IMAGE_UNREADABLE', dir, 'directory');
  });

  it('refuses a zero-byte file', async () => {
    const p = await write('empty.png', '');
    await expectError(loadNamed(p, LIMITS), 'IMAGE_UNREADABLE', p, '0 bytes');
  });

  it('refuses a truncated JPEG', async () => {
    const jpeg = await fs.readFile(sceneJpeg);
    const p = await write('truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    await expectError(loadNamed(p, LIMITS), 'IMAGE_UNREADABLE', p);
  });

  it('refuses a text file named .png', async () => {
    const p = await write('text.png', 'this is not an image\n');
    await expectError(loadNamed(p, LIMITS), 'IMAGE_UNREADABLE', p);
  });

  it('refuses a PNG header claiming 100,000×100,000 pixels before decoding it', async () => {
    const p = await write('huge.png', pngHeaderClaiming(100_000, 100_000));
    const e = await expectError(loadNamed(p, LIMITS), 'IMAGE_TOO_LARGE', p, '100000×100000', String(LIMITS.maxPixels));
    expect(e.hint).toContain('TWINSEG_MAX_IMAGE_PIXELS');
  });

  it('refuses a format sharp reads but twinseg does not support (SVG)', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>';
    const p = await write('shape.svg', svg);
    await expectError(loadNamed(p, LIMITS), 'IMAGE_UNREADABLE', p, 'svg');
  });

  it('refuses a BMP, which sharp cannot read', async () => {
    // 1×1 24-bit BMP: 14-byte file header, 40-byte info header, one padded pixel row.
    const bmp = Buffer.alloc(58);
    bmp.write('BM', 0, 'ascii');
    bmp.writeUInt32LE(58, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(1, 18);
    bmp.writeInt32LE(1, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    const p = await write('pixel.bmp', bmp);
    await expectError(loadNamed(p, LIMITS), 'IMAGE_UNREADABLE', p);
  });

  it('refuses a file over the byte limit using its size, without decoding it', async () => {
    const p = await write('big.png', await rgbPng());
    const size = (await fs.stat(p)).size;
    const e = await expectError(loadNamed(p, { ...LIMITS, maxBytes: size - 1 }), 'IMAGE_TOO_LARGE', p, String(size));
    expect(e.hint).toContain('TWINSEG_MAX_IMAGE_BYTES');
  });

  it('refuses base64 over the byte limit before decoding it', async () => {
    const b64 = (await rgbPng()).toString('base64');
    await expectError(loadNamed(b64, { ...LIMITS, maxBytes: 10 }), 'IMAGE_TOO_LARGE', 'base64');
  });

  it('refuses a data URL that is not base64', async () => {
    await expectError(loadNamed('data:image/png,abc', LIMITS), 'IMAGE_UNREADABLE', 'base64');
  });

  it('reads a path only inside the roots it carries', async () => {
    const p = await write('allowed-check.png', await rgbPng());
    const elsewhere = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-image-root-'));
    try {
      await expectError(loadImage({ kind: 'path', path: p, roots: [await fs.realpath(elsewhere)] }, LIMITS), 'PATH_NOT_ALLOWED', p);
      const img = await loadImage({ kind: 'path', path: p, roots: [await fs.realpath(dir)] }, LIMITS);
      expect(img.source).toBe(p);
    } finally {
      await fs.rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('refuses a FIFO and a device without reading them, at once', async () => {
    const fifo = path.join(dir, 'pipe.png');
    await promisify(execFile)('mkfifo', [fifo]);
    await expectError(loadNamed(fifo, LIMITS), 'IMAGE_UNREADABLE', 'FIFO');
    await expectError(loadImage({ kind: 'path', path: fifo, roots: [await fs.realpath(dir)] }, LIMITS), 'IMAGE_UNREADABLE', 'FIFO');
    await expectError(loadImage({ kind: 'path', path: '/dev/zero', roots: ['/dev'] }, LIMITS), 'IMAGE_UNREADABLE', 'character device');
  });

  it('stops before decoding when the signal has already fired', async () => {
    const ac = new AbortController();
    ac.abort();
    await expectErrorWithHint(loadNamed(sceneJpeg, LIMITS, { signal: ac.signal }), 'CANCELLED', false);
  });
});

describe('loadImage decodes supported images to 8-bit sRGB', () => {
  it('decodes a JPEG file at its true size', async () => {
    const img = await loadNamed(sceneJpeg, LIMITS);
    expect([img.width, img.height, img.format]).toEqual([1200, 800, 'jpeg']);
    expect(img.rgb.length).toBe(1200 * 800 * 3);
    expect(img.source).toBe(sceneJpeg);
    expect(img.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('applies EXIF orientation 6 (width and height swap)', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 20, channels: 3, background: 'red' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const img = await loadNamed(await write('rot6.jpg', jpeg), LIMITS);
    expect([img.width, img.height]).toEqual([20, 40]);
  });

  it('flattens transparency onto white', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const img = await loadNamed(await write('clear.png', png), LIMITS);
    expect(Array.from(img.rgb)).toEqual(new Array(12).fill(255));
  });

  it('reduces a 16-bit PNG to 8 bits per channel', async () => {
    const png16 = await sharp({ create: { width: 3, height: 2, channels: 3, background: { r: 255, g: 128, b: 0 } } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const img = await loadNamed(await write('deep.png', png16), LIMITS);
    expect(img.rgb.length).toBe(3 * 2 * 3);
    expect(Array.from(img.rgb.slice(0, 3))).toEqual([255, 128, 0]);
  });

  it('expands a single-channel greyscale PNG to RGB', async () => {
    const grey = await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const img = await loadNamed(await write('grey.png', grey), LIMITS);
    expect(Array.from(img.rgb)).toEqual(new Array(12).fill(90));
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const cmyk = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .toColourspace('cmyk')
      .jpeg({ quality: 100 })
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const img = await loadNamed(await write('cmyk.jpg', cmyk), LIMITS);
    expect(img.rgb.length).toBe(4 * 4 * 3);
    expect(img.rgb[0]).toBeGreaterThan(150); // still red, not an inverted or 4-channel mess
    expect(img.rgb[1]).toBeLessThan(80);
  });

  it.each([
    ['gif', (s: Sharp) => s.gif()],
    ['webp', (s: Sharp) => s.webp({ lossless: true })],
    ['tiff', (s: Sharp) => s.tiff({ compression: 'lzw' })],
  ] as const)('decodes %s', async (format, encode) => {
    const buf = await encode(sharp({ create: { width: 5, height: 3, channels: 3, background: { r: 0, g: 0, b: 255 } } })).toBuffer();
    const img = await loadNamed(await write(`blue.${format}`, buf), LIMITS);
    expect([img.width, img.height, img.format]).toEqual([5, 3, format]);
    expect(Array.from(img.rgb.slice(0, 3))).toEqual([0, 0, 255]);
  });

  it('takes only the first frame of an animated GIF', async () => {
    const frame = (background: string) =>
      sharp({ create: { width: 4, height: 4, channels: 3, background } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame('green'), await frame('red')], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const img = await loadNamed(await write('anim.gif', gif), LIMITS);
    expect([img.width, img.height]).toEqual([4, 4]);
    expect(Array.from(img.rgb.slice(0, 3))).toEqual([0, 128, 0]);
  });

  it('gives the same pixels and hash from a path, file:// URL, relative path, base64 and data URL', async () => {
    const png = await rgbPng();
    const p = await write('same.png', png);
    const b64 = png.toString('base64');
    const sources = [p, pathToFileURL(p).href, path.relative(process.cwd(), p), b64, `data:image/png;base64,${b64}`];
    const images = await Promise.all(sources.map((s) => loadNamed(s, LIMITS)));
    const hashes = new Set(images.map((i) => i.hash));
    expect(hashes.size).toBe(1);
    expect(images[0].hash).toBe(pixelHash(6, 4, images[3].rgb));
    expect(images[3].source).toMatch(/^base64 \(\d+ bytes\)$/);
    expect(images[4].source).toMatch(/^data URL/);
  });

  it('hashes pixels, not container bytes: PNG and lossless WebP of one image agree', async () => {
    const base = sharp({ create: { width: 7, height: 5, channels: 3, background: { r: 1, g: 2, b: 3 } } });
    const a = await loadNamed((await base.clone().png().toBuffer()).toString('base64'), LIMITS);
    const b = await loadNamed((await base.clone().webp({ lossless: true }).toBuffer()).toString('base64'), LIMITS);
    expect(a.hash).toBe(b.hash);
  });
});

describe('classifyImageSource', () => {
  it('treats base64 of a JPEG (which starts with "/9j/") as base64, not as a path', async () => {
    const jpeg = await sharp({ create: { width: 2, height: 2, channels: 3, background: 'white' } })
      .jpeg()
      .toBuffer();
    const b64 = jpeg.toString('base64');
    expect(b64.startsWith('/9j/')).toBe(true);
    expect(classifyImageSource(b64).kind).toBe('base64');
  });

  it('treats short slash-separated names without an image signature as paths', () => {
    expect(classifyImageSource('/tmp/photo')).toEqual({ kind: 'path', path: '/tmp/photo' });
    expect(classifyImageSource('images/cat.jpg')).toEqual({ kind: 'path', path: 'images/cat.jpg' });
  });
});

it('decodedBase64Bytes counts padding exactly', () => {
  for (const n of [1, 2, 3, 4, 5, 100]) expect(decodedBase64Bytes(Buffer.alloc(n).toString('base64'))).toBe(n);
});

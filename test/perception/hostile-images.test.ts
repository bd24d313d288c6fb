// Hostile pictures through loadImage: each is refused with IMAGE_UNREADABLE / IMAGE_TOO_LARGE and a
// hint, or decoded correctly (8-bit RGB at the size it really has). Generated here, never stored.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwinsegError } from '../../src/errors.js';
import { classifyImageSource, loadImage } from '../../src/perception/image-input.js';
import type { ImageLimits, LoadedImage } from '../../src/perception/contract.js';
import { errorTextProblems } from '../helpers/error-text.js';
import {
  animatedGif,
  animatedWebp,
  bitFlipped,
  encoded,
  gifClaiming,
  jpegClaiming,
  pngClaiming,
  reachingSvgs,
  solid,
  tiffClaiming,
  truncated,
  webpLosslessClaiming,
  webpVp8xClaiming,
} from '../helpers/hostile-images.js';
import { tempDir } from '../helpers/mcp-harness.js';

const LIMITS: ImageLimits = { maxBytes: 8 * 1024 * 1024, maxPixels: 64 * 1024 * 1024 };
let dir: string;
let fetches: string[] = [];
let netServer: http.Server;
let base: string;

beforeAll(async () => {
  dir = await tempDir('twinseg-hostile-');
  netServer = http.createServer((req, res) => {
    fetches.push(req.url ?? '');
    res.end('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
  });
  await new Promise<void>((resolve) => netServer.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(netServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => netServer?.close(resolve));
  await fs.rm(dir, { recursive: true, force: true });
});

type Outcome = { image: LoadedImage } | { error: TwinsegError };

/** Loads from a file and from base64; both ways must agree and be a clean refusal or a sound image. */
async function load(name: string, bytes: Buffer, limits = LIMITS): Promise<Outcome> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  const outcomes: Outcome[] = [];
  for (const source of [file, bytes.toString('base64')]) {
    outcomes.push(
      await loadImage(classifyImageSource(source), limits).then(
        (image) => ({ image }),
        (e: unknown) => {
          if (!(e instanceof TwinsegError)) throw new Error(`${name}: threw ${String(e)} instead of a TwinsegError`);
          return { error: e };
        },
      ),
    );
  }
  const [fromFile, fromBase64] = outcomes as [Outcome, Outcome];
  expect('error' in fromBase64 ? fromBase64.error.code : 'decoded', `${name} via base64`).toBe(
    'error' in fromFile ? fromFile.error.code : 'decoded',
  );
  for (const o of outcomes) {
    if ('error' in o) {
      expect(['IMAGE_UNREADABLE', 'IMAGE_TOO_LARGE'], `${name}: ${o.error.message}`).toContain(o.error.code);
      expect(errorTextProblems(`${o.error.code}: ${o.error.fullMessage}`), `${name}: ${o.error.fullMessage}`).toEqual([]);
    } else {
      const { width, height, rgb } = o.image;
      expect(width * height, name).toBeGreaterThan(0);
      expect(width * height, name).toBeLessThanOrEqual(limits.maxPixels);
      expect(rgb.length, name).toBe(width * height * 3);
    }
  }
  return fromFile;
}

async function refused(name: string, bytes: Buffer, code: string, limits = LIMITS): Promise<TwinsegError> {
  const o = await load(name, bytes, limits);
  expect('error' in o ? o.error.code : 'decoded', name).toBe(code);
  return (o as { error: TwinsegError }).error;
}

async function decoded(name: string, bytes: Buffer): Promise<LoadedImage> {
  const o = await load(name, bytes);
  expect('error' in o ? `${o.error.code}: ${o.error.fullMessage}` : 'decoded', name).toBe('decoded');
  return (o as { image: LoadedImage }).image;
}

describe('damaged pictures', () => {
  it.each(['jpeg', 'png', 'webp', 'gif', 'tiff'] as const)('refuses or soundly decodes a %s cut anywhere', async (format) => {
    const whole = await encoded(format);
    for (const fraction of [0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99]) await load(`cut-${fraction}.${format}`, truncated(whole, fraction));
    await load(`cut-2-bytes.${format}`, whole.subarray(0, whole.length - 2));
  });

  it.each(['jpeg', 'png', 'webp', 'gif', 'tiff'] as const)('refuses or soundly decodes a bit-flipped %s', async (format) => {
    const whole = await encoded(format);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), async (bits) => {
        await load(`flip-${n++}.${format}`, bitFlipped(whole, bits));
      }),
      { seed: 7_310, numRuns: 40 },
    );
  });
});

describe('odd sizes', () => {
  it('refuses a zero-width or zero-height PNG and JPEG', async () => {
    await refused('zero-w.png', pngClaiming(await encoded('png', 2, 2), 0, 2), 'IMAGE_UNREADABLE');
    await refused('zero-h.png', pngClaiming(await encoded('png', 2, 2), 2, 0), 'IMAGE_UNREADABLE');
    await refused('zero.jpg', jpegClaiming(await encoded('jpeg', 2, 2), 0, 0), 'IMAGE_UNREADABLE');
  });

  it('refuses a GIF claiming 0×0, or decodes the frame it holds', async () => {
    // libvips decodes it as 1×1 today; load() checks that whatever comes out is a sound image.
    await load('zero.gif', gifClaiming(await encoded('gif', 2, 2), 0, 0));
  });

  it.each(['jpeg', 'png', 'webp', 'gif', 'tiff'] as const)('decodes a one-pixel %s', async (format) => {
    const img = await decoded(`one.${format}`, await encoded(format, 1, 1));
    expect([img.width, img.height]).toEqual([1, 1]);
  });

  it('decodes 1×100,000 and 100,000×1 strips at their real size', async () => {
    const tall = await decoded('tall.png', await solid(1, 100_000, { r: 9, g: 8, b: 7 }).png().toBuffer());
    expect([tall.width, tall.height]).toEqual([1, 100_000]);
    expect(Array.from(tall.rgb.subarray(-3))).toEqual([9, 8, 7]);
    const wide = await decoded('wide.png', await solid(100_000, 1, { r: 9, g: 8, b: 7 }).png().toBuffer());
    expect([wide.width, wide.height]).toEqual([100_000, 1]);
  });
});

describe('header bombs: a few bytes claiming 65,535×65,535 pixels', () => {
  it.each([
    ['png', async () => pngClaiming(await encoded('png', 2, 2), 65_535, 65_535)],
    ['jpeg', async () => jpegClaiming(await encoded('jpeg', 8, 8), 65_535, 65_535)],
    ['gif', async () => gifClaiming(await encoded('gif', 2, 2), 65_535, 65_535)],
    ['tiff', async () => tiffClaiming(await encoded('tiff', 2, 2), 65_535, 65_535)],
    ['webp (VP8X canvas)', async () => webpVp8xClaiming(65_535, 65_535)],
    [
      'webp (VP8L at its 16,384 maximum)',
      async () => webpLosslessClaiming(await solid(2, 2, { r: 1, g: 2, b: 3 }).webp({ lossless: true }).toBuffer(), 16_384, 16_384),
    ],
  ] as const)('refuses a %s bomb before decoding it', async (format, make) => {
    const bomb = await make();
    expect(bomb.length).toBeLessThan(2_000);
    const e = await load(`bomb.${format}`, bomb);
    expect('error' in e ? e.error.code : 'decoded').toMatch(/IMAGE_TOO_LARGE|IMAGE_UNREADABLE/);
    if ('error' in e && e.error.code === 'IMAGE_TOO_LARGE' && format !== 'jpeg' && !format.includes('VP8L')) {
      expect(e.error.message).toContain('65535×65535');
      expect(e.error.hint).toContain('TWINSEG_MAX_IMAGE_PIXELS');
    }
  });

  it('refuses a JPEG whose header promises 8000×8000 (within the limit) over a few kB of data, without decoding 64 Mpx of grey', async () => {
    const lie = jpegClaiming(await encoded('jpeg', 256, 256), 8000, 8000);
    expect(lie.length).toBeLessThan(40_000);
    const e = await load('corrupt-past-header.jpg', lie);
    expect('error' in e ? e.error.code : 'decoded').toBe('IMAGE_UNREADABLE');
    expect('error' in e && e.error.message).toMatch(/Corrupt JPEG data/);
  });

  it('refuses a PNG claiming one pixel more than the limit, and decodes one at the limit', async () => {
    const limits = { ...LIMITS, maxPixels: 64 * 64 };
    await refused('over.png', await solid(64, 65, { r: 1, g: 2, b: 3 }).png().toBuffer(), 'IMAGE_TOO_LARGE', limits);
    const o = await load('at.png', await solid(64, 64, { r: 1, g: 2, b: 3 }).png().toBuffer(), limits);
    expect('image' in o).toBe(true);
  });
});

describe('colour models and containers', () => {
  it('converts CMYK, 16-bit, palette and grey+alpha pictures to 8-bit RGB', async () => {
    const red = { r: 200, g: 30, b: 30 };
    const cmyk = await decoded('cmyk.jpg', await solid(4, 4, red).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer());
    expect(cmyk.rgb[0]).toBeGreaterThan(150);
    const png16 = await decoded('deep.png', await solid(3, 2, { r: 255, g: 128, b: 0 }).toColourspace('rgb16').png().toBuffer());
    expect(Array.from(png16.rgb.subarray(0, 3))).toEqual([255, 128, 0]);
    const tiff16 = await decoded('deep.tiff', await solid(3, 2, { r: 255, g: 128, b: 0 }).toColourspace('rgb16').tiff().toBuffer());
    expect(tiff16.rgb[0]).toBe(255);
    expect(Math.abs(tiff16.rgb[1]! - 128)).toBeLessThanOrEqual(1); // 16 → 8 bits may round either way
    expect(tiff16.rgb[2]).toBe(0);
    const palette = await decoded('palette.png', await solid(5, 5, { r: 0, g: 0, b: 255 }).png({ palette: true, colours: 4 }).toBuffer());
    expect(Array.from(palette.rgb.subarray(0, 3))).toEqual([0, 0, 255]);
    const greyAlpha = await decoded('grey-alpha.png', await solid(2, 2, { r: 90, g: 90, b: 90 }, 4).toColourspace('b-w').png().toBuffer());
    expect(Array.from(greyAlpha.rgb.subarray(0, 3))).toEqual([90, 90, 90]);
  });

  it('takes the first frame of an animated GIF and an animated WebP', async () => {
    for (const [name, bytes] of [
      ['anim.gif', await animatedGif(['green', 'red', 'blue'])],
      ['anim.webp', await animatedWebp(['green', 'red', 'blue'])],
    ] as const) {
      const img = await decoded(name, bytes);
      expect([img.width, img.height], name).toEqual([4, 4]);
      expect(Array.from(img.rgb.subarray(0, 3)), name).toEqual([0, 128, 0]);
    }
  });
});

describe('SVG', () => {
  it('refuses every SVG and fetches nothing, however it reaches out', async () => {
    fetches = [];
    for (const [name, svg] of Object.entries(reachingSvgs(base))) {
      const e = await refused(`${name}.svg`, Buffer.from(svg), 'IMAGE_UNREADABLE');
      expect(e.message, name).toMatch(/svg/i);
      await refused(`${name}.png`, Buffer.from(svg), 'IMAGE_UNREADABLE'); // the name does not matter
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fetches).toEqual([]);
  });
});

describe('byte limit', () => {
  it('refuses base64 and files over the byte limit before decoding, and accepts them at the limit', async () => {
    const png = await encoded('png');
    const limits = { ...LIMITS, maxBytes: png.length - 1 };
    await refused('over-limit.png', png, 'IMAGE_TOO_LARGE', limits);
    const at = await load('at-limit.png', png, { ...LIMITS, maxBytes: png.length });
    expect('image' in at).toBe(true);
  });
});

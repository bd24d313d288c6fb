import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fullWindow,
  HOST_MAX_PIXELS,
  HOST_MAX_SIDE,
  hostScale,
  imageToPicture,
  MAX_ZOOM,
  pictureSize,
  pictureToImage,
  zoomWindow,
} from '../../../src/twin/pictures/picture-window.js';

describe('host scale', () => {
  it('enlarges the COCO sizes to the largest picture a host takes whole', () => {
    expect(hostScale(640, 427, { maxZoom: 4 })).toBe(2.05); // 1312×875: 1.15 MP binds
    expect(hostScale(640, 360, { maxZoom: 4 })).toBe(2.23); // 1427×803
    expect(hostScale(640, 160, { maxZoom: 4 })).toBe(2.45); // 1568×392: the long side binds
    expect(hostScale(100, 100, { maxZoom: 4 })).toBe(4);
  });

  it('never enlarges by default, and shrinks what is over the limits', () => {
    expect(hostScale(640, 427)).toBe(1);
    expect(hostScale(4000, 3000)).toBe(0.3);
  });

  it('never gives a picture over 1568 px or 1.15 MP, for any image size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 8 }),
        (w, h, zoom) => {
          const size = pictureSize(fullWindow(w, h, { maxZoom: zoom }));
          expect(Math.max(size.width, size.height)).toBeLessThanOrEqual(HOST_MAX_SIDE);
          expect(size.width * size.height).toBeLessThanOrEqual(HOST_MAX_PIXELS + Math.max(size.width, size.height));
        },
      ),
    );
  });
});

describe('picture window', () => {
  it('maps picture pixels to image pixels and back', () => {
    const w = { x1: 80, y1: 135, x2: 640, y2: 345, scale: 2.5 };
    expect(pictureToImage(w, 0, 0)).toEqual([80.2, 135.2]);
    expect(pictureToImage(w, 249.5, 99.5)).toEqual([180, 175]);
    expect(imageToPicture(w, 180, 175)).toEqual([250, 100]);
  });

  it('shows the region with a margin, inside the image, at a scale within the host limits', () => {
    const w = zoomWindow([80, 135, 640, 345], 640, 360);
    expect(w.x1).toBeLessThanOrEqual(80);
    expect(w.y1).toBeLessThanOrEqual(135 - 8);
    expect(w.x2).toBe(640);
    expect(w.y2).toBeGreaterThanOrEqual(345 + 8);
    expect([w.x1 >= 0, w.y1 >= 0, w.y2 <= 360]).toEqual([true, true, true]);
    const size = pictureSize(w);
    expect(Math.max(size.width, size.height)).toBeLessThanOrEqual(HOST_MAX_SIDE);
    expect(size.width * size.height).toBeLessThanOrEqual(HOST_MAX_PIXELS);
  });

  it(`grows a tiny region so that it is enlarged at most ${MAX_ZOOM}×`, () => {
    const w = zoomWindow([300, 200, 304, 203], 1000, 800);
    expect(w.scale).toBeLessThanOrEqual(MAX_ZOOM);
    expect(w.x1 <= 300 && w.x2 >= 304 && w.y1 <= 200 && w.y2 >= 203).toBe(true);
    expect(Math.max(w.x2 - w.x1, w.y2 - w.y1)).toBeGreaterThanOrEqual(HOST_MAX_SIDE / MAX_ZOOM);
  });

  it('keeps any region inside the image and around what it asked for', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 3000 }),
        fc.integer({ min: 8, max: 3000 }),
        fc.tuple(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
        ),
        (W, H, [a, b, c, d]) => {
          const region: [number, number, number, number] = [
            Math.min(a, c) * W,
            Math.min(b, d) * H,
            Math.max(a, c) * W + 1,
            Math.max(b, d) * H + 1,
          ];
          const w = zoomWindow(region, W, H);
          expect(w.x1 >= 0 && w.y1 >= 0 && w.x2 <= W && w.y2 <= H).toBe(true);
          expect(w.x2 > w.x1 && w.y2 > w.y1).toBe(true);
          // The region's corner pixels are in the window when the window could hold the region.
          expect(w.x1 <= Math.floor(region[0]) || w.x2 - w.x1 === W).toBe(true);
          expect(w.y1 <= Math.floor(region[1]) || w.y2 - w.y1 === H).toBe(true);
          expect(w.scale).toBeLessThanOrEqual(MAX_ZOOM);
          const size = pictureSize(w);
          expect(Math.max(size.width, size.height)).toBeLessThanOrEqual(HOST_MAX_SIDE);
        },
      ),
    );
  });
});

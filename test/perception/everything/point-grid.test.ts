import { describe, expect, it } from 'vitest';
import { rleFromBitmap, rleToBitmap } from '../../../src/mask/rle.js';
import {
  buildPointGrid,
  coarseToFine,
  generateCropBoxes,
  gridPointsInBox,
  isBoxNearCropEdge,
  pointsPerSideForLayer,
  uncropRle,
} from '../../../src/perception/everything/point-grid.js';

describe('point grid', () => {
  it('puts points at cell centres (offset 1/(2n)) with x varying fastest, as SAM build_point_grid', () => {
    expect(buildPointGrid(2)).toEqual([
      [0.25, 0.25],
      [0.75, 0.25],
      [0.25, 0.75],
      [0.75, 0.75],
    ]);
    const g4 = buildPointGrid(4);
    expect(g4).toHaveLength(16);
    const xs = g4.slice(0, 4).map(([x]) => x);
    [0.125, 0.375, 0.625, 0.875].forEach((v, i) => expect(xs[i]).toBeCloseTo(v, 12));
    expect(g4[4]![1]).toBeCloseTo(0.375, 12);
    expect(buildPointGrid(1)).toEqual([[0.5, 0.5]]);
  });

  it('refuses a non-positive or fractional side', () => {
    expect(() => buildPointGrid(0)).toThrow(RangeError);
    expect(() => buildPointGrid(2.5)).toThrow(RangeError);
  });

  it('scales the grid into a box in image pixels', () => {
    expect(gridPointsInBox(2, [100, 0, 300, 100])).toEqual([
      [150, 25],
      [250, 25],
      [150, 75],
      [250, 75],
    ]);
  });

  it('shrinks the grid per crop layer by the downscale factor', () => {
    expect(pointsPerSideForLayer(32, 0, 2)).toBe(32);
    expect(pointsPerSideForLayer(32, 1, 2)).toBe(16);
    expect(pointsPerSideForLayer(7, 1, 2)).toBe(3);
  });
});

describe('crop boxes', () => {
  it('layer 0 alone is the whole image', () => {
    expect(generateCropBoxes(640, 427, 0, 512 / 1500)).toEqual({ boxes: [[0, 0, 640, 427]], layers: [0] });
  });

  it('equals SAM generate_crop_boxes for one layer on a 640x427 image', () => {
    // By hand with SAM's formulas: overlap = int(512/1500 * 427 * 2/2) = 145,
    // crop_w = ceil((145 + 640) / 2) = 393, crop_h = ceil((145 + 427) / 2) = 286,
    // x0 = [0, 248], y0 = [0, 141], boxes clipped to the image, x outer.
    expect(generateCropBoxes(640, 427, 1, 512 / 1500)).toEqual({
      boxes: [
        [0, 0, 640, 427],
        [0, 0, 393, 286],
        [0, 141, 393, 427],
        [248, 0, 640, 286],
        [248, 141, 640, 427],
      ],
      layers: [0, 1, 1, 1, 1],
    });
  });

  it('layer 2 adds 16 tiles that cover the image', () => {
    const { boxes, layers } = generateCropBoxes(1800, 1200, 2, 512 / 1500);
    expect(boxes).toHaveLength(1 + 4 + 16);
    expect(layers.filter((l) => l === 2)).toHaveLength(16);
    const last = boxes[boxes.length - 1]!;
    expect(last[2]).toBe(1800);
    expect(last[3]).toBe(1200);
  });

  it('flags masks cut by a tile edge but not those on the image edge', () => {
    const crop: [number, number, number, number] = [0, 0, 393, 286];
    expect(isBoxNearCropEdge([300, 100, 390, 200], crop, 640, 427)).toBe(true); // right tile edge, inside image
    expect(isBoxNearCropEdge([0, 0, 100, 100], crop, 640, 427)).toBe(false); // image corner
    expect(isBoxNearCropEdge([100, 100, 200, 200], crop, 640, 427)).toBe(false); // well inside
  });
});

describe('everything helpers', () => {
  it('places a tile mask at its offset in the full image', () => {
    const tile = rleFromBitmap(Uint8Array.from([1, 0, 1, 1, 1, 0]), 3, 2);
    const full = rleToBitmap(uncropRle(tile, 2, 1, 6, 4));
    const expected = new Uint8Array(24);
    for (const [x, y] of [
      [2, 1],
      [4, 1],
      [2, 2],
      [3, 2],
    ])
      expected[y * 6 + x] = 1;
    expect([...full]).toEqual([...expected]);
  });

  it('orders grid points so the first ones already span the image', () => {
    const pts: Array<[number, number]> = [
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
    ];
    expect(coarseToFine(pts).slice(0, 3)).toEqual([
      [0, 0],
      [4, 0],
      [2, 0],
    ]);
    expect(coarseToFine(pts)).toHaveLength(5);
  });
});

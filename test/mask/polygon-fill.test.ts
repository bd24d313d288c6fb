import { describe, expect, it } from 'vitest';
import { countsToString } from '../../src/mask/coco-rle.js';
import { fillPolygonCoco, fillPolygonOpenCv, fillPolygonsCoco } from '../../src/mask/polygon-fill.js';
import { rleArea, rleToBitmap, type Rle } from '../../src/mask/rle.js';

/** The set pixels as "x,y" strings, for readable expectations on tiny masks. */
function pixels(rle: Rle): string[] {
  const bits = rleToBitmap(rle);
  const out: string[] = [];
  for (let y = 0; y < rle.height; y++) for (let x = 0; x < rle.width; x++) if (bits[y * rle.width + x]) out.push(`${x},${y}`);
  return out;
}

// Reference masks from the tools themselves (pycocotools 2.0.11: mask.frPyObjects + merge; opencv-python
// 5.0: cv2.polylines then cv2.fillPoly on np.int32 points, as LISA's get_mask_from_json draws), random
// polygons reaching past the image border, each as [width, height, flat xy, COCO RLE of pycocotools,
// COCO RLE of OpenCV], RLE strings as pycocotools.mask.encode writes them.
const REFERENCE: [number, number, number[], string, string][] = [
  [
    23,
    16,
    [15.99, 0.85, -1.71, 5.5, 5.4, 14.21, 16.65, 10.03, 13.07, 11.23, 1.92, 6.8, 2.38, 16.12],
    '53=1NOI20N10010M13OM05MM33LM570KLN32NM32OM120NO28NQ4',
    '52>4KMI42MO020ON14MN22MO36010JMO30ON120N012MO13OL15OK05060f2',
  ],
  [9, 26, [-1.03, 18.61, 2.38, 10.14, 8.95, -1.44, -1.21, 25.45], '?6a010O1O101N1O10k0', '?9>10O1O1O2O0O1O2N3'],
  [24, 15, [25.7, 6.05, 10.42, 10.56, 25.2, 8.25], 'k61>000O0100000O1000OJ', 'P51>0O1000O01000000O10O10O100J'],
  [
    27,
    25,
    [28.26, 23.68, 15.21, 12.71, 0.59, 15.62, 18.71, 11.62],
    'W81k30mL1O1O0011O0000001N1000ZO',
    '?1h0000O0100000O10O100000O10O1000O2O1O100001N1000001O00ZO',
  ],
  [
    27,
    20,
    [-1.05, 15.43, 27.99, 21.43, 18.57, 6.55, 9.26, 14.56, 18.89, 0.73, 5.28, 6.72, 13.85, 17.44],
    'd3191OO1362O1GJ18NH26LJ1035LNOM44N22MN50J17OH19NG2:40100O2N2N1O2N1O2N',
    '?1c0000010OF00002NN14NM14NL17KH0158MG2;ME3?NGN22L04OL15OI2<0O102O2N2N1O2N1O2N2N',
  ],
  [24, 13, [8.67, 12.6, -1.08, -1.56, 16.92, -1.26], '=2;1O2N1O2N1O2N1OO1N2O1N2O1N2NZ3', '02;2N1O1O2N1O1O2N=0A2O1N2O1N2O1Nm2'],
  [
    14,
    32,
    [-0.15, 17.8, 1.2, 23.05, -1.34, 7.96, 4.2, 20.93, -1.06, 14.53, 1.76, 8.15, 6.57, 32.51],
    ';143a01^OOd01[OOh0NWO4k003MS7',
    '9333`00_O2a0M^O1g051N4L2NQ6',
  ],
  [
    23,
    15,
    [10.55, 8.43, 2.91, 12.56, 3.94, 9.53, 23.59, 15.39],
    'h11=10O100000O1O110O01O010O1O010O00`00A',
    'Y12;20O2O0O10O101N10010O01O010O001O010O001O',
  ],
  [18, 13, [15.49, 6.52, 3.45, -0.03, 5.94, 7.29, 1.41, 13.77], 'V11;1F051L20O15101N101N101N2O0OR1', 'i01;3L6KKO6101N101N101N101N101Ne0'],
  [29, 16, [5.57, 8.54, 13.75, 10.54, 6.67, 16.93], 'Y37900O2N1O100Og7', 'h24<4L01N1O100O2N1OW7'],
  [
    31,
    13,
    [8.2, 12.84, 7.74, 14.05, 16.03, 9.83, 22.66, 1.64, 7.98, 2.33, 21.92, 9.8],
    'Z31<0M0I16OJ191O0LNM360KM04NM23MN32MN30OO200O0010b3',
    'm21<0M0I16OJ16OJ24OL14NM32MN31NN41K05OL18000KOM22ON102ON0_3',
  ],
  [12, 25, [4.73, 5.0, 4.96, 26.4, 6.96, 16.12, 12.72, 25.9, 10.17, 10.11], 'S4b08J6M22O02O4L\\O', 'Y3d06L4K410000012MA'],
];

describe('COCO polygon fill (pycocotools)', () => {
  it("gives pycocotools' exact pixels on reference polygons, self-intersecting and clipped ones included", () => {
    for (const [w, h, xy, coco] of REFERENCE) {
      expect(countsToString(fillPolygonCoco(xy, w, h).counts), JSON.stringify(xy)).toBe(coco);
    }
  });

  it('fills a square on integer corners by pixel centres: [1,1]-[4,4] covers columns and rows 1..3', () => {
    const m = fillPolygonCoco([1, 1, 4, 1, 4, 4, 1, 4], 6, 6);
    expect(rleArea(m)).toBe(9);
    expect(pixels(m)).toContain('1,1');
    expect(pixels(m)).toContain('3,3');
    expect(pixels(m)).not.toContain('4,4');
  });

  it('fills a self-intersecting bow-tie by even-odd: both lobes, nothing outside them', () => {
    const m = fillPolygonCoco([0, 0, 8, 8, 8, 0, 0, 8], 9, 9);
    const px = pixels(m);
    expect(px).toContain('1,4'); // left lobe
    expect(px).toContain('7,4'); // right lobe
    expect(px).not.toContain('4,1'); // above the crossing: outside both lobes
  });

  it('unites the polygons of one segmentation, as pycocotools merges them', () => {
    const a = [0, 0, 3, 0, 3, 3, 0, 3];
    const b = [2, 2, 5, 2, 5, 5, 2, 5];
    const u = fillPolygonsCoco([a, b], 6, 6);
    expect(rleArea(u)).toBe(rleArea(fillPolygonCoco(a, 6, 6)) + rleArea(fillPolygonCoco(b, 6, 6)) - 1);
  });

  it('gives an empty mask for no points or a polygon wholly outside the image', () => {
    expect(rleArea(fillPolygonCoco([], 4, 4))).toBe(0);
    expect(rleArea(fillPolygonCoco([10, 10, 20, 10, 20, 20], 4, 4))).toBe(0);
  });
});

describe("OpenCV polygon fill (LISA's ReasonSeg ground truth)", () => {
  it("gives OpenCV's exact pixels on reference polygons, clipped ones included", () => {
    for (const [w, h, xy, , cv] of REFERENCE) {
      const pts: [number, number][] = [];
      for (let i = 0; i < xy.length; i += 2) pts.push([xy[i]!, xy[i + 1]!]);
      expect(countsToString(fillPolygonOpenCv(pts, w, h).counts), JSON.stringify(xy)).toBe(cv);
    }
  });

  it('includes the outline: a square on integer corners [1,1]-[4,4] covers 1..4 in both directions', () => {
    const m = fillPolygonOpenCv(
      [
        [1, 1],
        [4, 1],
        [4, 4],
        [1, 4],
      ],
      6,
      6,
    );
    expect(rleArea(m)).toBe(16);
    expect(pixels(m)).toContain('4,4');
  });

  it("truncates fractional vertices toward zero as numpy's int32 cast does", () => {
    const a = fillPolygonOpenCv(
      [
        [1.9, 1.9],
        [4.9, 1.9],
        [4.9, 4.9],
        [1.9, 4.9],
      ],
      6,
      6,
    );
    expect(pixels(a)).toEqual(
      pixels(
        fillPolygonOpenCv(
          [
            [1, 1],
            [4, 1],
            [4, 4],
            [1, 4],
          ],
          6,
          6,
        ),
      ),
    );
  });

  it('draws a degenerate polygon (two points) as its line', () => {
    expect(
      pixels(
        fillPolygonOpenCv(
          [
            [0, 0],
            [3, 0],
          ],
          5,
          2,
        ),
      ),
    ).toEqual(['0,0', '1,0', '2,0', '3,0']);
  });
});

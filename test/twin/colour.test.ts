import { describe, expect, it } from 'vitest';
import { colorName, maskColor, rgbToLab, toHex } from '../../src/twin/colour.js';
import { cropMask } from '../../src/mask/crop.js';
import { rectBits, Scene, toRle } from './scene-fixture.js';

describe('colour names', () => {
  it.each([
    [[0, 0, 0], 'black'],
    [[20, 22, 25], 'black'],
    [[128, 128, 128], 'gray'],
    [[250, 250, 250], 'white'],
    [[220, 20, 30], 'red'],
    [[120, 10, 15], 'red'],
    [[255, 140, 0], 'orange'],
    [[250, 225, 0], 'yellow'],
    [[0, 160, 0], 'green'],
    [[34, 139, 34], 'green'],
    [[0, 200, 200], 'cyan'],
    [[30, 60, 200], 'blue'],
    [[0, 0, 128], 'blue'],
    [[128, 0, 128], 'purple'],
    [[255, 182, 193], 'pink'],
    [[139, 69, 19], 'brown'],
  ] as [[number, number, number], string][])('names %j %s', (rgb, name) => {
    expect(colorName(rgb)).toBe(name);
  });

  it('converts sRGB white and red to their CIELAB values', () => {
    const [L, a, b] = rgbToLab([255, 255, 255]);
    expect(L).toBeCloseTo(100, 1);
    expect(Math.abs(a) + Math.abs(b)).toBeLessThan(0.05);
    const red = rgbToLab([255, 0, 0]);
    expect(red[0]).toBeCloseTo(53.24, 1);
    expect(red[1]).toBeCloseTo(80.09, 0);
    expect(red[2]).toBeCloseTo(67.2, 0);
  });

  it('writes hex with two digits per channel', () => {
    expect(toHex([0, 15.4, 255])).toBe('#000fff');
  });
});

describe('maskColor', () => {
  it('takes mean and dominant colour over mask pixels only; the name follows the dominant colour', () => {
    const scene = new Scene(40, 20, [255, 255, 255]);
    scene.paint(rectBits(40, 20, [0, 0, 30, 20]), [220, 20, 30]); // 600 red
    scene.paint(rectBits(40, 20, [30, 0, 40, 20]), [250, 250, 250]); // 200 white
    const rle = toRle(rectBits(40, 20, [0, 0, 40, 20]), 40, 20);
    const c = maskColor(scene.rgb, 40, cropMask(rle, [0, 0, 40, 20]));
    expect(c.dominant).toBe('#dc141e');
    expect(c.name).toBe('red');
    // mean = 0.75·red + 0.25·white
    expect(c.mean).toBe(toHex([0.75 * 220 + 0.25 * 250, 0.75 * 20 + 0.25 * 250, 0.75 * 30 + 0.25 * 250]));
    const onlyWhite = maskColor(scene.rgb, 40, cropMask(toRle(rectBits(40, 20, [30, 0, 40, 20]), 40, 20), [30, 0, 40, 20]));
    expect(onlyWhite.name).toBe('white');
  });
});

describe('colour names for the desaturated colours of photos', () => {
  it.each([
    [[0x36, 0x50, 0x62], 'blue'], // denim in shade
    [[0x7a, 0x6e, 0x4e], 'brown'], // wood
    [[0xb8, 0xaa, 0x90], 'brown'], // beige
    [[0x6d, 0x8a, 0x4a], 'green'], // foliage
    [[0x9c, 0x3a, 0x36], 'red'], // brick
    [[0x8e, 0x84, 0x7b], 'gray'], // warm gray, too dull for a hue
  ] as [[number, number, number], string][])('names %j %s', (rgb, name) => {
    expect(colorName(rgb)).toBe(name);
  });
});

import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCocoRle } from '../../src/mask/coco-rle.js';
import { signedArea } from '../../src/mask/contours.js';
import { rleArea } from '../../src/mask/rle.js';
import { decodeMaskPng } from '../../src/twin/pictures/mask-png.js';
import { cliWorkspace, type CliWorkspace } from '../helpers/cli-run.js';

let ws: CliWorkspace;
let twin: Awaited<ReturnType<CliWorkspace['build']>>;
beforeAll(async () => {
  ws = await cliWorkspace('twinseg-mask-cli-');
  twin = await ws.build(5);
});
afterAll(() => ws?.remove());

interface Written {
  area: number;
  bbox: [number, number, number, number];
  file: string;
  mime: string;
}

async function mask(format: string, ...more: string[]): Promise<Written> {
  const ids = twin.objects
    .slice(0, 2)
    .map((o) => o.id)
    .join(',');
  const out = path.join(ws.dir, `mask-${format}${more.length ? '-more' : ''}.out`);
  const r = await ws.run(['mask', twin.twinId, ids, '--format', format, '--out', out, ...more]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Written;
}

describe('twinseg mask writes every format as a file that decodes to the mask it reports', () => {
  it('png: a binary mask of the reported area', async () => {
    const m = await mask('png');
    const decoded = await decodeMaskPng(await fs.readFile(m.file));
    expect(rleArea(decoded)).toBe(m.area);
    expect(m.mime).toBe('image/png');
  });

  it('rle: COCO RLE JSON of the reported area', async () => {
    const m = await mask('rle');
    const { rle } = JSON.parse(await fs.readFile(m.file, 'utf8')) as { rle: { size: [number, number]; counts: string } };
    expect(rle.size).toEqual([240, 320]);
    expect(rleArea(decodeCocoRle(rle))).toBe(m.area);
  });

  it('polygon: rings in pixels inside the reported box that enclose the reported area', async () => {
    const m = await mask('polygon');
    type Ring = [number, number][];
    const { polygons } = JSON.parse(await fs.readFile(m.file, 'utf8')) as { polygons: { outer: Ring[]; holes: Ring[] } };
    expect(polygons.outer.length).toBeGreaterThan(0);
    for (const [x, y] of [...polygons.outer, ...polygons.holes].flat()) {
      expect(x).toBeGreaterThanOrEqual(m.bbox[0]);
      expect(y).toBeGreaterThanOrEqual(m.bbox[1]);
      expect(x).toBeLessThanOrEqual(m.bbox[2]);
      expect(y).toBeLessThanOrEqual(m.bbox[3]);
    }
    const enclosed = (rings: Ring[]) => rings.reduce((sum, r) => sum + Math.abs(signedArea(r)), 0);
    expect(enclosed(polygons.outer) - enclosed(polygons.holes)).toBeCloseTo(m.area, -1);
  });

  it('cutout: a PNG with transparency whose opaque pixels are the mask', async () => {
    const m = await mask('cutout');
    const { data, info } = await sharp(m.file).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    let opaque = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) opaque++;
    expect(opaque).toBe(m.area);
  });

  it('overlay: a JPEG picture of the image, and --crop one of the objects enlarged', async () => {
    const m = await mask('overlay');
    expect(m.mime).toBe('image/jpeg');
    const meta = await sharp(m.file).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 240]);
    const cropped = await mask('overlay', '--crop');
    expect((await sharp(cropped.file).metadata()).format).toBe('jpeg');
    expect(await fs.readFile(cropped.file)).not.toEqual(await fs.readFile(m.file));
  });
});

describe('twinseg mask never replaces a file unless asked', () => {
  it('refuses an existing --out with FILE_EXISTS, leaves it untouched, and replaces it with --force', async () => {
    const out = path.join(ws.dir, 'kept.png');
    await fs.writeFile(out, 'mine');
    const id = String(twin.objects[0]!.id);
    const r = await ws.run(['mask', twin.twinId, id, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^twinseg: FILE_EXISTS: .*kept\.png already exists; nothing was written\. Pass --force/);
    expect(await fs.readFile(out, 'utf8')).toBe('mine');
    const forced = await ws.run(['mask', twin.twinId, id, '--out', out, '--force']);
    expect(forced.code, forced.err).toBe(0);
    expect((await fs.readFile(out)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('names a folder given as --out as a folder, with no temp-file name in sight', async () => {
    for (const force of [[], ['--force']]) {
      const r = await ws.run(['mask', twin.twinId, String(twin.objects[0]!.id), '--out', ws.dir, ...force]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^twinseg: IO_ERROR: .* is a folder, not a file\. Give a file name/);
      expect(r.err).not.toMatch(/\.tmp|rename|EISDIR/);
    }
  });

  it('says how to get a twin in CLI words when the twin is unknown', async () => {
    const r = await ws.run(['mask', 'tw_0000000000000000', '1', '--out', path.join(ws.dir, 'x.png')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/TWIN_NOT_FOUND: .*Run `twinseg build IMAGE`/);
    expect(r.err).not.toMatch(/build_digital_twin/);
  });
});

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRaw } from '../../src/image/codec.js';
import { loadReasonSeg } from '../../src/eval/reasonseg-loader.js';
import { loadDataset } from '../../src/eval/load-dataset.js';
import { rleArea, rleContains } from '../../src/mask/rle.js';
import { caught } from '../helpers/caught.js';
import { rectPoints, tempDir, writeJson, writePng } from './eval-fixtures.js';

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  // a.jpg: a 6x6 target with a 2x2 ignore hole, plus a deprecated "flag" shape over everything.
  const jpeg = await encodeRaw({ data: new Uint8Array(12 * 10 * 3).fill(90), width: 12, height: 10, channels: 3 }, 'jpeg');
  await fs.writeFile(path.join(dir, 'a.jpg'), jpeg);
  await writeJson(path.join(dir, 'a.json'), {
    text: ['What holds the soup?', 'the bowl'],
    is_sentence: true,
    shapes: [
      { label: 'flag', points: rectPoints([0, 0, 12, 10]), shape_type: 'polygon' },
      { label: 'target', labels: ['target'], points: rectPoints([2, 2, 8, 8]), shape_type: 'polygon', group_id: null, flags: {} },
      { label: 'ignore', points: rectPoints([4, 4, 6, 6]), shape_type: 'polygon' },
    ],
  });
  // b.png: a small target inside a large ignore region; the smaller shape is painted last, on top.
  await writePng(path.join(dir, 'b.png'), 10, 10);
  await writeJson(path.join(dir, 'b.json'), {
    text: 'the cup ',
    is_sentence: false,
    shapes: [
      { label: 'target', points: rectPoints([3, 3, 5, 5]) },
      { label: 'Ignore region', points: rectPoints([0, 0, 10, 10]) },
    ],
  });
  // c.jpg: nothing matches the query (an empty target).
  await writePng(path.join(dir, 'c.jpg'), 8, 8);
  await writeJson(path.join(dir, 'c.json'), { text: ['the elephant'], is_sentence: false, shapes: [] });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ReasonSeg loader', () => {
  it('reads each image beside its JSON, with text[0] as the query and the image size from the file', async () => {
    const ds = await loadReasonSeg(dir);
    expect(ds.format).toBe('reasonseg');
    expect(ds.samples.map((s) => [s.id, s.image, s.query, s.width, s.height, s.isSentence])).toEqual([
      ['a.jpg', 'a.jpg', 'What holds the soup?', 12, 10, true],
      ['b.png', 'b.png', 'the cup', 10, 10, false],
      ['c.jpg', 'c.jpg', 'the elephant', 8, 8, false],
    ]);
    expect(ds.samples[0]!.imagePath).toBe(path.join(dir, 'a.jpg'));
  });

  it('paints target and ignore as LISA does: flag skipped, larger shapes first, smaller on top', async () => {
    const [a, b, c] = (await loadReasonSeg(dir)).samples;
    expect(rleArea(a!.target)).toBe(36 - 4);
    expect(rleArea(a!.ignore!)).toBe(4);
    expect(rleContains(a!.ignore!, 4, 4)).toBe(true);
    expect(rleContains(a!.target, 0, 0)).toBe(false); // the flag shape painted nothing
    expect(rleArea(b!.target)).toBe(4);
    expect(rleArea(b!.ignore!)).toBe(96);
    expect(rleArea(c!.target)).toBe(0);
    expect(c!.ignore).toBeUndefined();
  });

  it('is what loadDataset reads from a folder', async () => {
    expect((await loadDataset(dir)).format).toBe('reasonseg');
  });

  it('names the JSON whose image is missing', async () => {
    const d = await tempDir();
    await writeJson(path.join(d, 'lonely.json'), { text: ['x'], shapes: [] });
    const e = await caught(loadReasonSeg(d));
    expect(e.message).toMatch(/lonely\.json has no image beside it/);
    await fs.rm(d, { recursive: true, force: true });
  });

  it('names the file and field of a malformed shape, and says what was expected', async () => {
    const d = await tempDir();
    await writePng(path.join(d, 'x.png'), 4, 4);
    await writeJson(path.join(d, 'x.json'), { text: ['x'], shapes: [{ label: 'target', points: [[1, 'two']] }] });
    const e = await caught(loadReasonSeg(d));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain(path.join(d, 'x.json'));
    expect(e.message).toContain('shapes[0].points[0][1]');
    expect(e.hint).toMatch(/"shapes": \[\{"label"/);
    await fs.rm(d, { recursive: true, force: true });
  });

  it('says where a JSON syntax error is', async () => {
    const d = await tempDir();
    await writePng(path.join(d, 'y.png'), 4, 4);
    await fs.writeFile(path.join(d, 'y.json'), '{"text": ["x"],\n "shapes": [}');
    const e = await caught(loadReasonSeg(d));
    expect(e.message).toMatch(/y\.json is not valid JSON at line 2, column \d+/);
    await fs.rm(d, { recursive: true, force: true });
  });

  it('reads a JSON that is not UTF-8 as Windows-1252, as LISA falls back to', async () => {
    const d = await tempDir();
    await writePng(path.join(d, 'q.png'), 4, 4);
    const json = Buffer.concat([
      Buffer.from('{"text": ["the '),
      Buffer.from([0x93]),
      Buffer.from('caf'),
      Buffer.from([0xe9, 0x94]),
      Buffer.from(' sign"], "shapes": []}'),
    ]);
    await fs.writeFile(path.join(d, 'q.json'), json);
    expect((await loadReasonSeg(d)).samples[0]!.query).toBe('the \u201ccaf\u00e9\u201d sign');
    await fs.rm(d, { recursive: true, force: true });
  });

  it('refuses a folder with no annotations and a missing folder, saying what a dataset looks like', async () => {
    const d = await tempDir();
    expect((await caught(loadReasonSeg(d))).message).toMatch(/no ReasonSeg annotations/);
    expect((await caught(loadDataset(path.join(d, 'nope')))).code).toBe('IO_ERROR');
    await fs.rm(d, { recursive: true, force: true });
  });
});

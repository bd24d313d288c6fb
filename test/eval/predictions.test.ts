import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvalSample } from '../../src/eval/dataset.js';
import { matchPredictions } from '../../src/eval/match-predictions.js';
import { parsePredictions } from '../../src/eval/predictions.js';
import { TwinsegError } from '../../src/errors.js';
import { boxRle } from './eval-fixtures.js';

const FILE = '/data/run/predictions.jsonl';

function errorOf(text: string): TwinsegError {
  try {
    parsePredictions(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(TwinsegError);
    return e as TwinsegError;
  }
  throw new Error('expected a parse error');
}

describe('predictions file', () => {
  it('reads each kind of answer, skipping blank lines and keeping line numbers', () => {
    const text = [
      '{"image": "a.jpg", "query": " the cup ", "twin_id": "tw_0123456789abcdef", "ids": [3, 7]}',
      '',
      '{"image": "a.jpg", "twin_id": "tw_0123456789abcdef", "ids": [4, 2], "op": "difference"}',
      '{"image": "b.jpg", "rle": {"size": [2, 3], "counts": [1, 2, 3]}}',
      '{"image": "c.jpg", "sample": "c.jpg#2", "mask_path": "masks/c.png"}',
    ].join('\n');
    const ps = parsePredictions(text, FILE);
    expect(ps.map((p) => p.line)).toEqual([1, 3, 4, 5]);
    expect(ps[0]).toEqual({
      line: 1,
      image: 'a.jpg',
      query: 'the cup',
      mask: { kind: 'twin', twinId: 'tw_0123456789abcdef', ids: [3, 7], op: 'union' },
    });
    expect(ps[1]!.mask).toMatchObject({ op: 'difference' });
    expect(ps[2]!.mask).toEqual({ kind: 'rle', rle: { size: [2, 3], counts: [1, 2, 3] } });
    expect(ps[3]).toMatchObject({ sample: 'c.jpg#2', mask: { kind: 'mask', path: path.resolve('/data/run/masks/c.png') } });
  });

  it('reads the objects an answer takes away, and refuses an exclude that names no objects', () => {
    const [p] = parsePredictions('{"image": "a.jpg", "twin_id": "tw_0123456789abcdef", "ids": [1, 6], "exclude": [70]}', FILE);
    expect(p!.mask).toEqual({ kind: 'twin', twinId: 'tw_0123456789abcdef', ids: [1, 6], op: 'union', exclude: [70] });
    expect(errorOf('{"image": "a.jpg", "twin_id": "tw_x", "ids": [1], "exclude": ["a"]}').message).toMatch(
      /line 1: "exclude" must be a list of positive integer/,
    );
  });

  it('names the file and line of a bad line, what is wrong and what a line looks like', () => {
    const e = errorOf('{"image": "a.jpg", "rle": {"size": [2, 3], "counts": [6]}}\n{"image": "a.jpg", "ids": [1]}');
    expect(e.message).toBe(`${FILE} line 2: no mask: give "twin_id" with "ids", or "rle", or "mask_path".`);
    expect(e.hint).toMatch(/one JSON object per line/);
    expect(errorOf('{"image": "a.jpg", "twin_id": "tw_x", "ids": [1], "rle": {}}').message).toMatch(
      /line 1: give only one of "twin_id", "rle"/,
    );
    expect(errorOf('{"image": "a.jpg", "twin_id": "tw_x", "ids": [0]}').message).toMatch(/"ids" must be a list of positive integer/);
    expect(errorOf('{"image": "a.jpg", "twin_id": "tw_x", "ids": [1], "op": "xor"}').message).toMatch(
      /"op" must be one of union, intersection, difference/,
    );
    expect(errorOf('{"image": "a.jpg", "rle": {"size": [2], "counts": "x"}}').message).toMatch(/"rle" must be \{"size": \[height, width\]/);
    expect(errorOf('{"twin_id": "tw_x", "ids": [1]}').message).toMatch(/"image" must be a non-empty string/);
    expect(errorOf('[1, 2]').message).toMatch(/line 1: expected a JSON object/);
    expect(errorOf('\n\n{"image": "a.jpg",').message).toMatch(/line 3: not valid JSON/);
    expect(errorOf('\n \n').message).toMatch(/holds no predictions/);
  });
});

function sample(id: string, image: string, query: string): EvalSample {
  return { id, image, imagePath: path.join('/data/set', image), query, width: 4, height: 4, target: boxRle(4, 4, [0, 0, 1, 1]) };
}

const SAMPLES = [
  sample('a.jpg#1', 'a.jpg', 'the cup'),
  sample('a.jpg#2', 'a.jpg', 'the plate'),
  sample('sub/b.jpg', 'sub/b.jpg', 'the dog'),
];
const rle = '"rle": {"size": [4, 4], "counts": [16]}';

describe('matching predictions to samples', () => {
  it('finds the image by dataset name, absolute path or unique file name, and the query by text or sample id', () => {
    const ps = parsePredictions(
      [
        `{"image": "a.jpg", "query": "the plate", ${rle}}`,
        `{"image": "/data/set/a.jpg", "sample": "a.jpg#1", ${rle}}`,
        `{"image": "b.jpg", ${rle}}`,
      ].join('\n'),
      FILE,
    );
    const m = matchPredictions(SAMPLES, ps, FILE);
    expect([...m.bySample].map(([id, p]) => [id, p.line])).toEqual([
      ['a.jpg#2', 1],
      ['a.jpg#1', 2],
      ['sub/b.jpg', 3],
    ]);
    expect(m.unmatched).toEqual([]);
  });

  it('lets the last line for a sample count, and counts the lines it overrides', () => {
    const ps = parsePredictions(
      [`{"image": "sub/b.jpg", ${rle}}`, `{"image": "sub/b.jpg", ${rle}}`, `{"image": "b.jpg", ${rle}}`].join('\n'),
      FILE,
    );
    const m = matchPredictions(SAMPLES, ps, FILE);
    expect(m.bySample.get('sub/b.jpg')!.line).toBe(3);
    expect(m.superseded).toBe(2);
  });

  it('reports lines that name no sample, with the reason', () => {
    const ps = parsePredictions([`{"image": "zebra.jpg", ${rle}}`, `{"image": "a.jpg", "query": "the fork", ${rle}}`].join('\n'), FILE);
    expect(matchPredictions(SAMPLES, ps, FILE).unmatched).toEqual([
      { line: 1, reason: 'image "zebra.jpg" is not in the dataset' },
      { line: 2, reason: 'image a.jpg has no query "the fork"' },
    ]);
  });

  it("refuses a line that does not say which of an image's queries it answers", () => {
    const ps = parsePredictions(`{"image": "a.jpg", ${rle}}`, FILE);
    expect(() => matchPredictions(SAMPLES, ps, FILE)).toThrow(/line 1: image a\.jpg has 2 queries/);
  });
});

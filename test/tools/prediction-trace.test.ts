import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parsePredictions } from '../../src/eval/predictions.js';
import { createPredictionTrace } from '../../src/tools/prediction-trace.js';
import { tempDir } from '../eval/eval-fixtures.js';

let dir: string;

beforeAll(async () => {
  dir = await tempDir('twinseg-trace-');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('prediction trace (TWINSEG_TRACE)', () => {
  it('appends one {image, twin_id, ids, op} line per call, in call order, creating the folder', async () => {
    const file = path.join(dir, 'new', 'trace.jsonl');
    const trace = createPredictionTrace(file);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        trace.append({ image: `/photos/${i}.jpg`, twin_id: 'tw_0123456789abcdef', ids: [i + 1], op: 'union' }),
      ),
    );
    const lines = (await fs.readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    expect(JSON.parse(lines[7]!)).toEqual({ image: '/photos/7.jpg', twin_id: 'tw_0123456789abcdef', ids: [8], op: 'union' });
    expect(lines.map((l) => (JSON.parse(l) as { ids: number[] }).ids[0])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('reads back as predictions: twin ids with their op, one per line', async () => {
    const file = path.join(dir, 'read.jsonl');
    const trace = createPredictionTrace(file);
    await trace.append({ image: '/data/val/a.jpg', twin_id: 'tw_0123456789abcdef', ids: [3, 7], op: 'difference' });
    await trace.append({ image: '/data/val/a.jpg', twin_id: 'tw_0123456789abcdef', ids: [3], op: 'union' });
    const ps = parsePredictions(await fs.readFile(file, 'utf8'), file);
    expect(ps).toEqual([
      { line: 1, image: '/data/val/a.jpg', mask: { kind: 'twin', twinId: 'tw_0123456789abcdef', ids: [3, 7], op: 'difference' } },
      { line: 2, image: '/data/val/a.jpg', mask: { kind: 'twin', twinId: 'tw_0123456789abcdef', ids: [3], op: 'union' } },
    ]);
  });

  it('keeps whole lines when two processes append to one file at once', async () => {
    const file = path.join(dir, 'shared.jsonl');
    const module = pathToFileURL(path.resolve('dist/tools/prediction-trace.js')).href;
    // Long lines (about 4 kB) make interleaving likely if a line were written in pieces.
    const script = `import { createPredictionTrace } from ${JSON.stringify(module)};
      const t = createPredictionTrace(${JSON.stringify(file)});
      const ids = Array.from({ length: 800 }, (_, i) => i + 1);
      for (let i = 0; i < 100; i++) await t.append({ image: process.argv[1] + i, twin_id: 'tw_0123456789abcdef', ids, op: 'union' });`;
    const run = promisify(execFile);
    await Promise.all(['a', 'b'].map((who) => run(process.execPath, ['--input-type=module', '-e', script, who])));
    const lines = (await fs.readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(200);
    for (const l of lines) expect((JSON.parse(l) as { ids: number[] }).ids).toHaveLength(800);
  });

  it('is configured by TWINSEG_TRACE as an absolute path, and off when unset', () => {
    expect(loadConfig({ TWINSEG_HOME: dir, TWINSEG_TRACE: 'runs/trace.jsonl' }).trace).toBe(path.resolve('runs/trace.jsonl'));
    expect(loadConfig({ TWINSEG_HOME: dir }).trace).toBeUndefined();
  });
});

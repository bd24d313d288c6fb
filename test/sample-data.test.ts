// A clone with nothing beside it must pass `npm test`: tests and benches reach the sample data outside the
// repository only through test/helpers/sample-data.ts, which skips (tests) or stops (benches) with one
// line when it is absent.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const HELPER = path.join('test', 'helpers', 'sample-data.ts');
/** This file spells the patterns out to test for them. */
const GUARD = path.join('test', 'sample-data.test.ts');
/** The sibling folder's relative path, its data subfolder, or a path built from its quoted name. */
const FORBIDDEN = [/\.\.[\\/]+shared\b/, /\bshared[\\/]+data\b/, /['"`]shared['"`]/];
/** What benches write (git-ignored): it records where this machine's data was, which is no source's doing. */
const GENERATED = path.join('bench', 'out');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

describe('sample data stays outside the repository', () => {
  it('is named by no test or bench file but the helper', () => {
    const files = [...filesUnder('test'), ...filesUnder('bench')].filter(
      (f) => /\.(c|m)?[jt]s$|\.json$/.test(f) && !f.startsWith(GENERATED + path.sep),
    );
    expect(files).toContain(HELPER);
    const offenders = files
      .filter((f) => f !== HELPER && f !== GUARD)
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .flatMap((line, i) => (FORBIDDEN.some((re) => re.test(line)) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offenders).toEqual([]);
  });
});

describe('the sample-data helper', () => {
  const saved = process.env.TWINSEG_SAMPLE_DATA;
  afterEach(() => {
    if (saved === undefined) delete process.env.TWINSEG_SAMPLE_DATA;
    else process.env.TWINSEG_SAMPLE_DATA = saved;
    vi.resetModules();
  });

  async function helperWith(dir: string | undefined): Promise<typeof import('./helpers/sample-data.js')> {
    if (dir === undefined) delete process.env.TWINSEG_SAMPLE_DATA;
    else process.env.TWINSEG_SAMPLE_DATA = dir;
    vi.resetModules();
    return import('./helpers/sample-data.js');
  }

  it('looks beside the checkout by default', async () => {
    const h = await helperWith(undefined);
    expect(h.SAMPLE_DATA_DIR).toBe(path.resolve('..', 'shared', 'data'));
    expect(h.COCO_SAMPLE.instances).toBe(path.join(h.SAMPLE_DATA_DIR, 'coco-panoptic-sample', 'instances.json'));
    expect(h.SAMPLE_PHOTOS.dog).toBe(path.join(h.SAMPLE_DATA_DIR, 'photos', 'dog.jpg'));
  });

  it('says in one line what is missing, where, and how to point at it', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'twinseg-no-samples-'));
    try {
      const h = await helperWith(empty);
      for (const set of ['coco', 'photos'] as const) {
        const line = h.missingSampleData(set)!;
        expect(line).not.toContain('\n');
        expect(line).toContain(path.join(empty, set === 'coco' ? 'coco-panoptic-sample' : 'photos'));
        expect(line).toContain('TWINSEG_SAMPLE_DATA');
      }
      expect(h.missingSampleData('coco')).toMatch(/instances\.json/);
      expect(() => h.requireSampleData('photos')).toThrow(/dog\.jpg/);
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      expect(h.skipWithoutSampleData('coco')).toBe(true);
      expect(h.skipWithoutSampleData('coco')).toBe(true);
      expect(warn).toHaveBeenCalledTimes(1);
      warn.mockRestore();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('takes a relative TWINSEG_SAMPLE_DATA from the repository root', async () => {
    const h = await helperWith('elsewhere/data');
    expect(h.SAMPLE_DATA_DIR).toBe(path.resolve('elsewhere', 'data'));
  });
});

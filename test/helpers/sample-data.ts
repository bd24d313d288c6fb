// The one way tests and benches reach the sample data that lives outside this repository: real COCO
// photos with ground truth, and a few photos without masks (see docs/development.md, "Sample data"). The folder is
// TWINSEG_SAMPLE_DATA, default ../shared/data beside the checkout (a relative value is taken from the
// repository root). Never copy these files into the repository; when they are absent, tests skip
// with one line that says what is missing and where to put it, and benches stop with that line.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

export const SAMPLE_DATA_ENV = 'TWINSEG_SAMPLE_DATA';
const DEFAULT_SAMPLE_DATA = '../shared/data';
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const SAMPLE_DATA_DIR = path.resolve(REPO_ROOT, process.env[SAMPLE_DATA_ENV] || DEFAULT_SAMPLE_DATA);

const cocoDir = path.join(SAMPLE_DATA_DIR, 'coco-panoptic-sample');
const photosDir = path.join(SAMPLE_DATA_DIR, 'photos');

/** Two COCO val2017 photos with ground-truth segments (COCO RLE) from the panopticapi sample. */
export const COCO_SAMPLE = {
  dir: cocoDir,
  instances: path.join(cocoDir, 'instances.json'),
  /** 640×427 */
  photoA: path.join(cocoDir, '000000142238.jpg'),
  /** 640×360 */
  photoB: path.join(cocoDir, '000000439180.jpg'),
} as const;

/** segment-anything's example photos (no masks). */
export const SAMPLE_PHOTOS = {
  dir: photosDir,
  truck: path.join(photosDir, 'truck.jpg'),
  groceries: path.join(photosDir, 'groceries.jpg'),
  dog: path.join(photosDir, 'dog.jpg'),
} as const;

export type SampleSet = 'coco' | 'photos';

const SETS: Record<SampleSet, { what: string; dir: string; files: string[] }> = {
  coco: {
    what: 'the COCO panoptic sample',
    dir: cocoDir,
    files: [COCO_SAMPLE.instances, COCO_SAMPLE.photoA, COCO_SAMPLE.photoB],
  },
  photos: {
    what: "segment-anything's photos",
    dir: photosDir,
    files: [SAMPLE_PHOTOS.truck, SAMPLE_PHOTOS.groceries, SAMPLE_PHOTOS.dog],
  },
};

/** One line saying what is missing and where to put it, or undefined when the set is there. */
export function missingSampleData(set: SampleSet): string | undefined {
  const { what, dir, files } = SETS[set];
  const absent = files.filter((f) => !existsSync(f)).map((f) => path.basename(f));
  if (absent.length === 0) return undefined;
  return (
    `sample data missing: ${what} — no ${absent.join(', ')} in ${dir}. ` +
    `Put it there or set ${SAMPLE_DATA_ENV} to a folder holding coco-panoptic-sample/ and photos/ (docs/development.md, "Sample data").`
  );
}

const told = new Set<SampleSet>();

/** True (and the one line printed, once per test file) when the set is absent: for `describe.skipIf`. */
export function skipWithoutSampleData(set: SampleSet): boolean {
  const missing = missingSampleData(set);
  if (missing && !told.has(set)) {
    told.add(set);
    console.warn(`skipped: ${missing}`);
  }
  return missing !== undefined;
}

/** A `describe` that runs only with the sample set present, and otherwise skips with the one line. */
export function describeWithSampleData(set: SampleSet): ReturnType<typeof describe.skipIf> {
  return describe.skipIf(skipWithoutSampleData(set));
}

/** For benches: stop with the one line when the set is absent. */
export function requireSampleData(set: SampleSet): void {
  const missing = missingSampleData(set);
  if (missing) throw new Error(missing);
}

// Ground truth of the shared COCO sample and class-agnostic proposal quality against it: for each non-crowd
// GT segment, the best IoU of any one proposal (recall at 0.5 and 0.75, and the mean of those best IoUs).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeCocoRle } from '../src/mask/coco-rle.js';
import { rleIou, type Rle } from '../src/mask/rle.js';

import { COCO_SAMPLE, requireSampleData } from '../test/helpers/sample-data.js';

// Sample data from outside the repository (TWINSEG_SAMPLE_DATA): stop at once, saying what is missing.
requireSampleData('coco');
export const SAMPLE = COCO_SAMPLE.dir;

interface GtImage {
  id: number;
  file_name: string;
}
interface GtAnn {
  image_id: number;
  category_id: number;
  iscrowd: number;
  segmentation: { size: [number, number]; counts: string };
}

/** A non-crowd GT segment and its category's name ("person", "gravel"). */
export interface NamedSegment {
  rle: Rle;
  name: string;
}

/** Non-crowd GT segments with their category names, per photo file name. */
export function namedGroundTruth(): Map<string, NamedSegment[]> {
  const json = JSON.parse(readFileSync(path.join(SAMPLE, 'instances.json'), 'utf8')) as { images: GtImage[]; annotations: GtAnn[] };
  const categories = JSON.parse(readFileSync(path.join(SAMPLE, 'categories.json'), 'utf8')) as { id: number; name: string }[];
  const names = new Map(categories.map((c) => [c.id, c.name]));
  const out = new Map<string, NamedSegment[]>();
  for (const im of json.images) {
    const anns = json.annotations.filter((a) => a.image_id === im.id && !a.iscrowd);
    out.set(
      im.file_name,
      anns.map((a) => ({ rle: decodeCocoRle(a.segmentation), name: names.get(a.category_id) ?? String(a.category_id) })),
    );
  }
  return out;
}

/** Non-crowd GT segments per photo file name. */
export function groundTruth(): Map<string, Rle[]> {
  return new Map([...namedGroundTruth()].map(([file, segs]) => [file, segs.map((s) => s.rle)]));
}

/** Best IoU of any proposal, per GT segment. */
export function bestIous(gt: readonly Rle[], found: readonly Rle[]): number[] {
  return gt.map((g) => found.reduce((m, p) => Math.max(m, rleIou(g, p)), 0));
}

/** Pooled over every GT segment of every photo. */
export function summarise(best: readonly number[]): { n: number; recall50: number; recall75: number; meanBestIou: number } {
  const n = best.length;
  return {
    n,
    recall50: best.filter((b) => b >= 0.5).length / n,
    recall75: best.filter((b) => b >= 0.75).length / n,
    meanBestIou: best.reduce((a, b) => a + b, 0) / n,
  };
}

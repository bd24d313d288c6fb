// The shared COCO sample (../shared/data/coco-panoptic-sample), read here and nowhere else in test/eval,
// the way the other tests read ../shared today. When test/helpers/sample-data.ts lands (TWINSEG_SAMPLE_DATA,
// a one-line skip message), switch these two exports to it.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const COCO_SAMPLE_DIR = path.resolve('../shared/data/coco-panoptic-sample');
export const haveCocoSample = existsSync(path.join(COCO_SAMPLE_DIR, 'instances.json'));
if (!haveCocoSample) console.log(`skipping tests on the shared COCO sample: ${COCO_SAMPLE_DIR} is absent`);

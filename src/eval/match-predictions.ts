// Which sample each prediction answers. Images are matched by the dataset's own name for them, by
// absolute path (what the server's trace records: the twin's image source), or by file name when it
// is unique; queries by sample id, by text, or implicitly when the image has only one.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { TwinsegError } from '../errors.js';
import type { EvalSample } from './dataset.js';
import type { Prediction } from './predictions.js';

export interface Unmatched {
  line: number;
  reason: string;
}

export interface MatchResult {
  /** The prediction that counts for each sample id (the last line naming it). */
  bySample: Map<string, Prediction>;
  /** Lines overridden by a later line for the same sample. */
  superseded: number;
  unmatched: Unmatched[];
}

export function matchPredictions(samples: readonly EvalSample[], predictions: readonly Prediction[], file: string): MatchResult {
  const findImage = imageFinder(samples);
  const byId = new Map(samples.map((s) => [s.id, s]));
  const bySample = new Map<string, Prediction>();
  const unmatched: Unmatched[] = [];
  let superseded = 0;
  for (const p of predictions) {
    let sample: EvalSample | undefined;
    const ofImage = findImage(p.image);
    if (!ofImage) {
      unmatched.push({ line: p.line, reason: `image ${JSON.stringify(p.image)} is not in the dataset` });
      continue;
    }
    if (p.sample !== undefined) {
      sample = byId.get(p.sample);
      if (!sample || !ofImage.includes(sample)) {
        unmatched.push({ line: p.line, reason: `no sample ${JSON.stringify(p.sample)} on image ${JSON.stringify(p.image)}` });
        continue;
      }
    } else if (p.query !== undefined) {
      const hits = ofImage.filter((s) => s.query === p.query);
      if (hits.length !== 1) {
        unmatched.push({
          line: p.line,
          reason:
            hits.length === 0
              ? `image ${ofImage[0]!.image} has no query ${JSON.stringify(p.query)}`
              : `image ${ofImage[0]!.image} has ${hits.length} samples with that query; name one by "sample"`,
        });
        continue;
      }
      sample = hits[0];
    } else if (ofImage.length === 1) {
      sample = ofImage[0];
    } else {
      throw new TwinsegError(
        'INVALID_INPUT',
        `${file} line ${p.line}: image ${ofImage[0]!.image} has ${ofImage.length} queries, and the line does not say which it answers.`,
        {
          hint: `Add "query" (e.g. ${JSON.stringify(ofImage[0]!.query)}) or "sample" (e.g. "${ofImage[0]!.id}") to each line for this image.`,
        },
      );
    }
    if (bySample.has(sample!.id)) superseded++;
    bySample.set(sample!.id, p);
  }
  return { bySample, superseded, unmatched };
}

/** Looks an image name up among the samples: dataset name, then absolute path, then unique file name. */
function imageFinder(samples: readonly EvalSample[]): (name: string) => EvalSample[] | undefined {
  const byName = groupBy(samples, (s) => s.image);
  const byPath = groupBy(samples, (s) => s.imagePath);
  const byBase = groupBy(samples, (s) => path.basename(s.imagePath));
  const baseImages = new Map<string, Set<string>>();
  for (const s of samples) {
    const b = path.basename(s.imagePath);
    baseImages.set(b, (baseImages.get(b) ?? new Set()).add(s.imagePath));
  }
  return (name) => {
    const norm = name.replace(/\\/g, '/').replace(/^\.\//, '');
    const direct = byName.get(norm);
    if (direct) return direct;
    if (path.isAbsolute(name)) {
      const abs = path.resolve(name);
      let real = abs;
      try {
        real = realpathSync(abs);
      } catch {
        // A path that no longer exists can still match by its text.
      }
      const hit = byPath.get(real) ?? byPath.get(abs);
      if (hit) return hit;
    }
    const base = path.basename(norm);
    return baseImages.get(base)?.size === 1 ? byBase.get(base) : undefined;
  };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

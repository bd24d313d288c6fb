// The predictions file: JSON Lines, one answer per line.
//
//   {"image": "abc.jpg", "query": "the cup left of the laptop", "twin_id": "tw_0123456789abcdef", "ids": [3, 7]}
//   {"image": "abc.jpg", "twin_id": "tw_0123456789abcdef", "ids": [4, 2], "op": "difference"}
//   {"image": "abc.jpg", "twin_id": "tw_0123456789abcdef", "ids": [1, 6], "exclude": [70]}
//   {"image": "def.jpg", "rle": {"size": [427, 640], "counts": "…"}}
//   {"image": "ghi.jpg", "sample": "ghi.jpg#2", "mask_path": "masks/ghi-2.png"}
//
// - image (required): the image as the dataset names it (path relative to the dataset's image folder),
//   an absolute path to it, or its file name when no other dataset image has that name.
// - query or sample (optional): which of the image's queries this answers, by its text or by the sample
//   id of the per-sample rows; needed only when the image has several queries.
// - the mask, exactly one of:
//   - twin_id + ids (+ op: union, intersection or difference; default union; + exclude: ids taken away
//     from the result): objects of a twin in the twin store (TWINSEG_HOME), combined as get_mask combines
//     them; ids [] is an empty answer;
//   - rle: COCO RLE {size: [height, width], counts}, compressed string or list of run lengths;
//   - mask_path: a mask image, relative to this file's folder; white (>= 128) is foreground, and a file
//     whose largest value is 1 is read as a 0/1 mask.
// When several lines answer the same sample, the last one counts: a host may look at a mask and then
// ask for a better one, and the server's TWINSEG_TRACE file ({image, twin_id, ids, op, exclude?} per get_mask
// call) is read as predictions this way.
import path from 'node:path';
import { TwinsegError } from '../errors.js';
import type { CocoRleInput } from '../mask/coco-rle.js';
import { MASK_OPS, type MaskOp } from '../mask/combine.js';
import { readTextFile } from './input-files.js';

export type PredictionMask =
  | { kind: 'twin'; twinId: string; ids: number[]; op: MaskOp; exclude?: number[] }
  | { kind: 'rle'; rle: CocoRleInput }
  | { kind: 'mask'; path: string };

export interface Prediction {
  /** 1-based line in the predictions file. */
  line: number;
  image: string;
  query?: string;
  sample?: string;
  mask: PredictionMask;
}

export const PREDICTION_LINE_FORMAT =
  'one JSON object per line: {"image": "name.jpg", "query": "..." (optional), then "twin_id": "tw_…" with "ids": [3, 7] (and "op", "exclude"), or "rle": {"size": [h, w], "counts": …}, or "mask_path": "mask.png"}';

export async function loadPredictions(file: string): Promise<Prediction[]> {
  const abs = path.resolve(file);
  return parsePredictions(await readTextFile(abs, 'predictions file'), abs);
}

/** Parses JSONL text; `file` names the source in errors and anchors relative mask paths. */
export function parsePredictions(text: string, file: string): Prediction[] {
  const out: Prediction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    out.push(parseLine(raw, i + 1, file));
  }
  if (out.length === 0) {
    throw new TwinsegError('INVALID_INPUT', `The predictions file ${file} holds no predictions.`, {
      hint: `Write ${PREDICTION_LINE_FORMAT}.`,
    });
  }
  return out;
}

function parseLine(raw: string, line: number, file: string): Prediction {
  const bad = (problem: string) =>
    new TwinsegError('INVALID_INPUT', `${file} line ${line}: ${problem}.`, { hint: `Expected ${PREDICTION_LINE_FORMAT}.` });
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw bad(`not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('expected a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.image !== 'string' || o.image === '') throw bad('"image" must be a non-empty string naming the image');
  for (const k of ['query', 'sample'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw bad(`"${k}" must be a string`);
  }
  const kinds = (['twin_id', 'rle', 'mask_path'] as const).filter((k) => o[k] !== undefined);
  if (kinds.length !== 1) {
    throw bad(
      kinds.length === 0
        ? 'no mask: give "twin_id" with "ids", or "rle", or "mask_path"'
        : `give only one of ${kinds.map((k) => `"${k}"`).join(', ')}`,
    );
  }
  let mask: PredictionMask;
  switch (kinds[0]!) {
    case 'twin_id': {
      if (typeof o.twin_id !== 'string' || o.twin_id === '') throw bad('"twin_id" must be a twin id string like "tw_0123456789abcdef"');
      const idList = (v: unknown) => Array.isArray(v) && v.every((n) => Number.isInteger(n) && (n as number) > 0);
      if (!idList(o.ids)) throw bad('"ids" must be a list of positive integer object ids, e.g. [3, 7] ([] for an empty answer)');
      if (o.exclude !== undefined && !idList(o.exclude))
        throw bad('"exclude" must be a list of positive integer object ids to take away, e.g. [70]');
      const op = o.op ?? 'union';
      if (typeof op !== 'string' || !(MASK_OPS as readonly string[]).includes(op)) throw bad(`"op" must be one of ${MASK_OPS.join(', ')}`);
      const exclude = (o.exclude ?? []) as number[];
      mask = { kind: 'twin', twinId: o.twin_id, ids: o.ids as number[], op: op as MaskOp, ...(exclude.length ? { exclude } : {}) };
      break;
    }
    case 'rle': {
      const r = o.rle as { size?: unknown; counts?: unknown } | null;
      const sizeOk = Array.isArray(r?.size) && r.size.length === 2 && r.size.every((n) => Number.isInteger(n) && (n as number) >= 0);
      const countsOk =
        typeof r?.counts === 'string' || (Array.isArray(r?.counts) && r.counts.every((n) => Number.isInteger(n) && (n as number) >= 0));
      if (typeof r !== 'object' || r === null || !sizeOk || !countsOk) {
        throw bad('"rle" must be {"size": [height, width], "counts": compressed string or list of run lengths}');
      }
      mask = { kind: 'rle', rle: { size: r.size as number[], counts: r.counts as string | number[] } };
      break;
    }
    case 'mask_path': {
      if (typeof o.mask_path !== 'string' || o.mask_path === '') throw bad('"mask_path" must be a path to a mask image');
      mask = { kind: 'mask', path: path.resolve(path.dirname(file), o.mask_path) };
      break;
    }
  }
  return {
    line,
    image: o.image,
    ...(typeof o.query === 'string' ? { query: o.query.trim() } : {}),
    ...(typeof o.sample === 'string' ? { sample: o.sample } : {}),
    mask,
  };
}

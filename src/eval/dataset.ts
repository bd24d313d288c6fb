// What an evaluation scores against, whatever the file format: samples of (image, query, target mask,
// ignore mask). The loaders (reasonseg-loader.ts, coco-loader.ts) produce it; metrics and the oracle
// read only this.
import type { Rle } from '../mask/rle.js';

export const DATASET_FORMATS = ['reasonseg', 'coco'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export interface EvalSample {
  /** Unique within the dataset: the image name, plus `#n` when an image has several queries. */
  id: string;
  /** The image as predictions name it: its path relative to the dataset's image folder, with `/`. */
  image: string;
  /** Real absolute path of the image file. */
  imagePath: string;
  query: string;
  width: number;
  height: number;
  target: Rle;
  /** Pixels excluded from scoring (LISA's 255), when the dataset marks any. */
  ignore?: Rle;
  /** ReasonSeg: whether the query is a sentence (LISA's long queries) rather than a phrase. */
  isSentence?: boolean;
  /** COCO: the annotation ids whose union is the target. */
  targetIds?: number[];
}

export interface EvalDataset {
  format: DatasetFormat;
  /** The file or folder it was read from. */
  source: string;
  samples: EvalSample[];
}

/** Sample ids from image names: the name alone when the image has one query, else name#1, name#2… */
export function assignSampleIds<T extends { image: string }>(items: T[]): (T & { id: string })[] {
  const perImage = new Map<string, number>();
  for (const it of items) perImage.set(it.image, (perImage.get(it.image) ?? 0) + 1);
  const seen = new Map<string, number>();
  return items.map((it) => {
    const n = (seen.get(it.image) ?? 0) + 1;
    seen.set(it.image, n);
    return { ...it, id: perImage.get(it.image) === 1 ? it.image : `${it.image}#${n}` };
  });
}

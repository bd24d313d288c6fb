// A dataset from a path: a folder is read in the ReasonSeg layout, a .json file as COCO instances.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage, TwinsegError } from '../errors.js';
import { loadCoco, type CocoLoadOptions } from './coco-loader.js';
import type { DatasetFormat, EvalDataset } from './dataset.js';
import { loadReasonSeg } from './reasonseg-loader.js';

export function detectFormat(isDirectory: boolean): DatasetFormat {
  return isDirectory ? 'reasonseg' : 'coco';
}

export async function loadDataset(source: string, opts: CocoLoadOptions & { format?: DatasetFormat } = {}): Promise<EvalDataset> {
  const abs = path.resolve(source);
  let isDirectory: boolean;
  try {
    isDirectory = (await fs.stat(abs)).isDirectory();
  } catch (e) {
    throw new TwinsegError('IO_ERROR', `The dataset ${abs} cannot be read: ${errorMessage(e)}.`, {
      hint: 'Pass a ReasonSeg folder (images each beside a JSON) or a COCO instances .json file.',
      cause: e,
    });
  }
  const format = opts.format ?? detectFormat(isDirectory);
  if (format === 'reasonseg') {
    if (!isDirectory) {
      throw new TwinsegError('INVALID_INPUT', `${abs} is a file; the ReasonSeg layout is a folder of images each beside a JSON.`, {
        hint: 'Pass the folder (e.g. ReasonSeg/val), or --format coco for a COCO instances file.',
      });
    }
    return loadReasonSeg(abs);
  }
  if (isDirectory) {
    throw new TwinsegError('INVALID_INPUT', `${abs} is a folder; COCO format needs the instances .json file.`, {
      hint: 'Pass the instances file itself, e.g. annotations/instances_val2017.json.',
    });
  }
  return loadCoco(abs, opts);
}

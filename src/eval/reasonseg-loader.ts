// ReasonSeg as LISA releases it: a folder of images, each beside a JSON of the same name
// (`abc.jpg` + `abc.json`) holding
//   { "text": ["query", "another phrasing", ...], "is_sentence": true,
//     "shapes": [{ "label": "target" | "ignore" | …, "points": [[x, y], ...], ... }, ...] }
// The ground truth is built as LISA's get_mask_from_json builds it: shapes labelled "flag" are skipped;
// every other shape is a polygon drawn the OpenCV way, largest first, so a smaller shape paints over a
// larger one; a label containing "ignore" paints ignore (LISA's 255), any other label paints target.
// The query is text[0], the one LISA's validation uses.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TwinsegError, errorMessage } from '../errors.js';
import { fillPolygonOpenCv } from '../mask/polygon-fill.js';
import { rleArea, rleFromBitmap, type Rle } from '../mask/rle.js';
import { assignSampleIds, type EvalDataset, type EvalSample } from './dataset.js';
import { checkShape, readJsonFile } from './input-files.js';
import { imageSize } from './image-size.js';

/** Extensions tried for the image beside `name.json`, in order (LISA's release uses .jpg). */
export const REASONSEG_IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.JPG', '.JPEG', '.PNG'] as const;

const point = z.tuple([z.number(), z.number()]);
const ShapeSchema = z.looseObject({ label: z.string(), points: z.array(point) });
const AnnotationSchema = z.looseObject({
  text: z.union([z.string(), z.array(z.string()).min(1)]),
  is_sentence: z.boolean().optional(),
  shapes: z.array(ShapeSchema),
});
type Shape = z.infer<typeof ShapeSchema>;

const EXPECTED =
  '{"text": ["query", ...], "is_sentence": true|false, "shapes": [{"label": "target"|"ignore", "points": [[x, y], ...]}, ...]} as in LISA\'s ReasonSeg release';

export async function loadReasonSeg(dir: string): Promise<EvalDataset> {
  const root = path.resolve(dir);
  let names: string[];
  try {
    names = (await fs.readdir(root)).sort();
  } catch (e) {
    throw new TwinsegError('IO_ERROR', `The ReasonSeg folder ${root} cannot be read: ${errorMessage(e)}.`, {
      hint: "Pass a folder holding images each beside a JSON of the same name (LISA's ReasonSeg layout), or a COCO instances .json file.",
      cause: e,
    });
  }
  const jsons = names.filter((n) => n.toLowerCase().endsWith('.json'));
  if (jsons.length === 0) {
    throw new TwinsegError('INVALID_INPUT', `The folder ${root} holds no ReasonSeg annotations (*.json beside the images).`, {
      hint: 'Point at a split folder such as ReasonSeg/val, or pass --format coco with an instances .json file.',
    });
  }
  const present = new Set(names);
  const samples: Omit<EvalSample, 'id'>[] = [];
  for (const name of jsons) {
    const file = path.join(root, name);
    const stem = name.slice(0, -'.json'.length);
    const imageName = REASONSEG_IMAGE_EXTENSIONS.map((ext) => stem + ext).find((n) => present.has(n));
    if (!imageName) {
      throw new TwinsegError('INVALID_INPUT', `${file} has no image beside it (looked for ${stem}.jpg, .jpeg, .png, .webp).`, {
        hint: 'In the ReasonSeg layout every abc.json sits next to abc.jpg.',
      });
    }
    const ann = checkShape(AnnotationSchema, await readJsonFile(file, 'ReasonSeg annotation', EXPECTED), file, EXPECTED);
    const query = (typeof ann.text === 'string' ? ann.text : ann.text[0]!).trim();
    const imagePath = await fs.realpath(path.join(root, imageName));
    const { width, height } = await imageSize(imagePath);
    const { target, ignore } = groundTruth(ann.shapes, width, height);
    samples.push({
      image: imageName,
      imagePath,
      query,
      width,
      height,
      target,
      ...(ignore ? { ignore } : {}),
      ...(ann.is_sentence === undefined ? {} : { isSentence: ann.is_sentence }),
    });
  }
  return { format: 'reasonseg', source: root, samples: assignSampleIds(samples) };
}

/** Target and ignore masks from labelled polygons, painted largest first as LISA paints them. */
export function groundTruth(shapes: readonly Shape[], width: number, height: number): { target: Rle; ignore?: Rle } {
  const drawn = shapes
    .filter((s) => s.label.toLowerCase() !== 'flag')
    .map((s) => {
      const mask = fillPolygonOpenCv(s.points, width, height);
      return { mask, area: rleArea(mask), ignore: s.label.toLowerCase().includes('ignore') };
    });
  // numpy's argsort of the areas, reversed: ascending and stable for these short lists, so among equal
  // areas the later shape is painted first and the earlier one ends on top.
  const order = drawn
    .map((_, i) => i)
    .sort((a, b) => drawn[a]!.area - drawn[b]!.area || a - b)
    .reverse();
  const labels = new Uint8Array(width * height); // 0 background, 1 target, 2 ignore
  for (const i of order) paint(labels, width, drawn[i]!.mask, drawn[i]!.ignore ? 2 : 1);
  const target = new Uint8Array(labels.length);
  const ignore = new Uint8Array(labels.length);
  let anyIgnore = false;
  for (let p = 0; p < labels.length; p++) {
    if (labels[p] === 1) target[p] = 1;
    else if (labels[p] === 2) {
      ignore[p] = 1;
      anyIgnore = true;
    }
  }
  return {
    target: rleFromBitmap(target, width, height),
    ...(anyIgnore ? { ignore: rleFromBitmap(ignore, width, height) } : {}),
  };
}

/** Writes `value` into a row-major bitmap wherever the (column-major) mask is set. */
function paint(bits: Uint8Array, width: number, rle: Rle, value: number): void {
  let pos = 0;
  for (let k = 0; k < rle.counts.length; k++) {
    const n = rle.counts[k]!;
    if (k % 2 === 1) {
      for (let p = pos; p < pos + n; p++) {
        const x = Math.floor(p / rle.height);
        bits[(p - x * rle.height) * width + x] = value;
      }
    }
    pos += n;
  }
}

// COCO-format ground truth: an instances file (images, annotations with segmentation as compressed or
// uncompressed RLE or as polygons, optional categories), and optionally a queries file (queries-file.ts)
// saying which annotations each query means. Without one, every annotation that is not a crowd region
// becomes a sample whose query is its category name: what the twin oracle needs ("could one object or a
// few objects of the twin give this segment?"), and a baseline a class-name reasoner can be scored on.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TwinsegError } from '../errors.js';
import { decodeCocoRle } from '../mask/coco-rle.js';
import { fillPolygonsCoco } from '../mask/polygon-fill.js';
import { rleUnion, type Rle } from '../mask/rle.js';
import { assignSampleIds, type EvalDataset, type EvalSample } from './dataset.js';
import { checkShape, readJsonFile } from './input-files.js';
import { loadQueries, type CocoQuery } from './queries-file.js';

const RleSchema = z.looseObject({
  size: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
  counts: z.union([z.string(), z.array(z.number().int().nonnegative())]),
});
const SegmentationSchema = z.union([z.array(z.array(z.number())), RleSchema]);
const InstancesSchema = z.looseObject({
  images: z.array(
    z.looseObject({
      id: z.number().int(),
      file_name: z.string().min(1),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    }),
  ),
  annotations: z.array(
    z.looseObject({
      id: z.number().int(),
      image_id: z.number().int(),
      category_id: z.number().int().optional(),
      segmentation: SegmentationSchema,
      iscrowd: z.union([z.number(), z.boolean()]).optional(),
    }),
  ),
  categories: z.array(z.looseObject({ id: z.number().int(), name: z.string() })).optional(),
});
type Instances = z.infer<typeof InstancesSchema>;
type Annotation = Instances['annotations'][number];
type CocoImage = Instances['images'][number];

const EXPECTED =
  'COCO instances JSON: {"images": [{"id", "file_name", "width", "height"}], "annotations": [{"id", "image_id", "segmentation": RLE or polygons, "iscrowd"}], "categories": [{"id", "name"}]}';

export interface CocoLoadOptions {
  /** Queries file naming target annotation ids (queries-file.ts); default: one sample per annotation. */
  queries?: string;
  /** Folder the images' file_name is relative to; default: the instances file's folder. */
  images?: string;
}

export async function loadCoco(instancesFile: string, opts: CocoLoadOptions = {}): Promise<EvalDataset> {
  const file = path.resolve(instancesFile);
  const data = checkShape(InstancesSchema, await readJsonFile(file, 'COCO instances file', EXPECTED), file, EXPECTED);
  const imageDir = path.resolve(opts.images ?? path.dirname(file));
  const images = new Map(data.images.map((im) => [im.id, im]));
  const anns = new Map(data.annotations.map((a) => [a.id, a]));
  const categories = new Map((data.categories ?? []).map((c) => [c.id, c.name]));
  const masks = new Map<number, Rle>();
  const maskOf = (a: Annotation): Rle => {
    let m = masks.get(a.id);
    if (!m) {
      const im = images.get(a.image_id);
      if (!im)
        throw new TwinsegError('INVALID_INPUT', `${file}: annotation ${a.id} is on image ${a.image_id}, which is not in "images".`, {
          hint: 'Every annotation\'s image_id must name an entry of "images".',
        });
      m = annotationMask(a, im, file);
      masks.set(a.id, m);
    }
    return m;
  };
  const realPaths = new Map<number, string>();
  const imagePathOf = async (im: CocoImage): Promise<string> => {
    let p = realPaths.get(im.id);
    if (!p) {
      const candidate = path.join(imageDir, im.file_name);
      try {
        p = await fs.realpath(candidate);
      } catch {
        throw new TwinsegError('INVALID_INPUT', `${file}: image ${im.id} (${im.file_name}) is not at ${candidate}.`, {
          hint: 'Pass --images with the folder the file_name entries are relative to.',
        });
      }
      realPaths.set(im.id, p);
    }
    return p;
  };
  const base = async (im: CocoImage) => ({
    image: im.file_name.split(path.sep).join('/'),
    imagePath: await imagePathOf(im),
    width: im.width,
    height: im.height,
  });

  let samples: EvalSample[];
  if (opts.queries) {
    const queries = await loadQueries(opts.queries, { images: data.images, annotations: anns });
    const items: Omit<EvalSample, 'id'>[] = [];
    for (const q of queries) items.push(querySample(q, await base(q.image), maskOf));
    samples = assignSampleIds(items);
  } else {
    samples = [];
    for (const a of data.annotations) {
      if (isCrowd(a)) continue;
      const im = images.get(a.image_id);
      const target = maskOf(a);
      const b = await base(im!);
      samples.push({
        ...b,
        id: `${b.image}#${a.id}`,
        query: categories.get(a.category_id ?? -1) ?? `annotation ${a.id}`,
        target,
        targetIds: [a.id],
      });
    }
  }
  if (samples.length === 0) {
    throw new TwinsegError('INVALID_INPUT', `${file} yields no samples (no non-crowd annotations${opts.queries ? ' or queries' : ''}).`, {
      hint: 'Check that the file holds annotations, or pass a queries file.',
    });
  }
  return { format: 'coco', source: file, samples };
}

function querySample(
  q: CocoQuery<CocoImage, Annotation>,
  base: Pick<EvalSample, 'image' | 'imagePath' | 'width' | 'height'>,
  maskOf: (a: Annotation) => Rle,
): Omit<EvalSample, 'id'> {
  const empty: Rle = { width: base.width, height: base.height, counts: Uint32Array.of(base.width * base.height) };
  const union = (list: readonly Annotation[]) => list.map(maskOf).reduce(rleUnion, empty);
  const ignore = q.ignore.length > 0 ? union(q.ignore) : undefined;
  return { ...base, query: q.query, target: union(q.targets), ...(ignore ? { ignore } : {}), targetIds: q.targets.map((a) => a.id) };
}

function isCrowd(a: Annotation): boolean {
  return a.iscrowd === true || a.iscrowd === 1;
}

/** The annotation's mask at its image's size, from RLE (either form) or polygons (pycocotools' raster). */
export function annotationMask(a: Pick<Annotation, 'id' | 'segmentation'>, im: Pick<CocoImage, 'width' | 'height'>, file: string): Rle {
  const seg = a.segmentation;
  if (Array.isArray(seg)) {
    const bad = seg.findIndex((p) => p.length % 2 !== 0);
    if (bad >= 0) {
      throw new TwinsegError(
        'INVALID_INPUT',
        `${file}: annotation ${a.id}: polygon ${bad} has an odd number of coordinates (${seg[bad]!.length}).`,
        {
          hint: 'A COCO polygon is a flat list [x1, y1, x2, y2, ...].',
        },
      );
    }
    return fillPolygonsCoco(seg, im.width, im.height);
  }
  const [h, w] = seg.size;
  if (h !== im.height || w !== im.width) {
    throw new TwinsegError(
      'INVALID_INPUT',
      `${file}: annotation ${a.id}: RLE size [${h}, ${w}] differs from its image (${im.width}x${im.height}).`,
      {
        hint: 'COCO RLE size is [height, width] of the annotated image.',
      },
    );
  }
  try {
    return decodeCocoRle(seg);
  } catch (e) {
    if (e instanceof TwinsegError) throw new TwinsegError(e.code, `${file}: annotation ${a.id}: ${e.message}`, { hint: e.hint, cause: e });
    throw e;
  }
}

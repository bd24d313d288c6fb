// The queries file for COCO-format data: which annotations each query means.
//
//   {
//     "queries": [
//       { "image": "000000142238.jpg", "query": "the dog nearest the camera", "targets": [1724], "ignore": [1790] },
//       { "image": 439180, "query": "everything one can sit on", "targets": [2001, 2002] },
//       { "image": "000000439180.jpg", "query": "the giraffe", "targets": [] }
//     ]
//   }
//
// - image: the image's file_name as in the instances file, or its numeric id.
// - query: the request as a person would say it (free text; predictions repeat it to say which query
//   they answer when an image has several).
// - targets: annotation ids on that image whose union is the target; [] means nothing in the image
//   matches (scored by the empty-target rule in metrics.ts).
// - ignore (optional): annotation ids whose pixels are left out of scoring (LISA's ignore); where an
//   ignore annotation overlaps a target, the pixels are ignored.
import { z } from 'zod';
import { TwinsegError } from '../errors.js';
import { checkShape, fieldPath, readJsonFile } from './input-files.js';

const QuerySchema = z.strictObject({
  image: z.union([z.string().min(1), z.number().int()]),
  query: z.string().min(1),
  targets: z.array(z.number().int()),
  ignore: z.array(z.number().int()).optional(),
});
const QueriesSchema = z.strictObject({ queries: z.array(QuerySchema).min(1) });

const EXPECTED =
  '{"queries": [{"image": file_name or image id, "query": "text", "targets": [annotation ids], "ignore": [annotation ids] (optional)}]}';

export interface CocoQuery<I, A> {
  image: I;
  query: string;
  targets: A[];
  ignore: A[];
}

export async function loadQueries<I extends { id: number; file_name: string }, A extends { id: number; image_id: number }>(
  file: string,
  gt: { images: readonly I[]; annotations: ReadonlyMap<number, A> },
): Promise<CocoQuery<I, A>[]> {
  const data = checkShape(QueriesSchema, await readJsonFile(file, 'queries file', EXPECTED), file, EXPECTED);
  const byName = new Map(gt.images.map((im) => [im.file_name, im]));
  const byId = new Map(gt.images.map((im) => [im.id, im]));
  return data.queries.map((q, i) => {
    const where = `${file}: ${fieldPath(['queries', i])}`;
    const image = typeof q.image === 'number' ? byId.get(q.image) : byName.get(q.image);
    if (!image) {
      throw new TwinsegError('INVALID_INPUT', `${where}.image: no image ${JSON.stringify(q.image)} in the instances file.`, {
        hint: 'Name the image by its file_name or its numeric id as listed in "images".',
      });
    }
    const resolve = (ids: readonly number[], field: string): A[] =>
      ids.map((id, k) => {
        const a = gt.annotations.get(id);
        if (!a)
          throw new TwinsegError('INVALID_INPUT', `${where}.${field}[${k}]: no annotation ${id} in the instances file.`, {
            hint: 'Use annotation ids from "annotations".',
          });
        if (a.image_id !== image.id) {
          throw new TwinsegError(
            'INVALID_INPUT',
            `${where}.${field}[${k}]: annotation ${id} is on image ${a.image_id}, not on ${image.file_name} (id ${image.id}).`,
            {
              hint: "A query's targets and ignore regions must lie on its own image.",
            },
          );
        }
        return a;
      });
    return { image, query: q.query.trim(), targets: resolve(q.targets, 'targets'), ignore: resolve(q.ignore ?? [], 'ignore') };
  });
}

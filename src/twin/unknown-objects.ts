// The one wording of "no such object", with the ids that do exist, for every twin operation.
import { TwinsegError } from '../errors.js';
import type { Twin } from './scene-model.js';

/** Ids or id ranges listed in one message; a twin with scattered ids must not give a page of them. */
const MAX_LISTED = 10;

/** Human-readable id range of a twin, e.g. "1–42" or "1–40, 43". */
export function describeIds(twin: Twin): string {
  const ids = twin.objects.map((o) => o.id).sort((a, b) => a - b);
  if (ids.length === 0) return 'none (the twin has no objects)';
  const parts: string[] = [];
  let start = ids[0]!;
  let prev = start;
  for (const id of [...ids.slice(1), NaN]) {
    if (id === prev + 1) {
      prev = id;
      continue;
    }
    parts.push(start === prev ? `${start}` : `${start}–${prev}`);
    start = id;
    prev = id;
  }
  return listed(parts);
}

function listed(items: readonly (string | number)[]): string {
  const more = items.length - MAX_LISTED;
  return items.slice(0, MAX_LISTED).join(', ') + (more > 0 ? ` and ${more} more` : '');
}

export function unknownObjects(twin: Twin, missing: readonly number[]): TwinsegError {
  const ids = [...new Set(missing)];
  const s = ids.length > 1 ? 's' : '';
  const hint =
    twin.objects.length === 0
      ? 'The twin has no objects: add one with segment (a point or box on it), or build again with preset "thorough".'
      : `Use ids the twin has: ${describeIds(twin)} (the numbers on its marks image, or from filter_objects).`;
  return new TwinsegError('OBJECT_NOT_FOUND', `No object${s} with id${s} ${listed(ids)} in twin ${twin.id}.`, {
    hint,
    details: { missing: ids },
  });
}

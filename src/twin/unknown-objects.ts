// The one wording of "no such object", with the ids that do exist, for every twin operation.
import { TwinsegError } from '../errors.js';
import type { Twin } from './types.js';

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
  return parts.join(', ');
}

export function unknownObjects(twin: Twin, missing: readonly number[]): TwinsegError {
  const ids = [...new Set(missing)];
  const s = ids.length > 1 ? 's' : '';
  return new TwinsegError('OBJECT_NOT_FOUND', `No object${s} with id${s} ${ids.join(', ')} in twin ${twin.id}.`, {
    hint: `Existing object ids: ${describeIds(twin)}.`,
    details: { missing: ids },
  });
}

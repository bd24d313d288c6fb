// Set operations over several masks at once, for tools that combine objects ("the union of 3 and 7",
// "the table without the cups"). Pairwise folds over the run-list operations of perception/rle.
import { rleDifference, rleIntersection, rleUnion, type Rle } from './rle.js';
import { TwinsegError } from '../errors.js';

/** How several masks combine into one. */
export const MASK_OPS = ['union', 'intersection', 'difference'] as const;
export type MaskOp = (typeof MASK_OPS)[number];

/**
 * The masks combined by `op`, then minus the union of `exclude`: (∪ masks) − (∪ exclude) for a union.
 * `difference` is the first mask minus the union of all the others.
 */
export function combineMasks(masks: readonly Rle[], op: MaskOp, exclude: readonly Rle[] = []): Rle {
  const first = masks[0];
  if (first === undefined) {
    throw new TwinsegError('INVALID_INPUT', `Cannot compute the ${op} of no masks.`, {
      hint: 'Pass at least one object id.',
    });
  }
  for (const m of [...masks, ...exclude]) {
    if (m.width !== first.width || m.height !== first.height) {
      throw new TwinsegError(
        'INVALID_INPUT',
        `Masks of different sizes cannot be combined: ${first.width}x${first.height} vs ${m.width}x${m.height}.`,
        { hint: 'Combine only objects of the same twin (the same image).' },
      );
    }
  }
  const combined = combineSameSize(first, masks.slice(1), op);
  return exclude.length === 0 ? combined : rleDifference(combined, exclude.reduce(rleUnion));
}

function combineSameSize(first: Rle, rest: readonly Rle[], op: MaskOp): Rle {
  switch (op) {
    case 'union':
      return rest.reduce(rleUnion, first);
    case 'intersection':
      return rest.reduce(rleIntersection, first);
    case 'difference':
      return rest.length === 0 ? first : rleDifference(first, rest.reduce(rleUnion));
    default: {
      const never: never = op;
      throw new TwinsegError('INVALID_INPUT', `Unknown mask operation ${String(never)}.`, {
        hint: 'Use union, intersection or difference.',
      });
    }
  }
}

// Input pieces several tools share, described for the model that fills them in. Integer bounds are
// real limits (an explicit maximum also keeps zod from advertising 9007199254740991 in every schema).
import { z } from 'zod';
import { TwinsegError } from '../errors.js';
import { OVERRIDE_RANGES, overridesSchema } from '../perception/presets.js';
import { strict } from '../twin/query/filter-schema.js';
import { describeZodError } from './tool-errors.js';

/** Largest object id accepted; twins hold hundreds of objects at most. */
export const MAX_OBJECT_ID = 1_000_000;

// No description: every tool takes one, and the server's instructions say which (the latest).
export const TwinIdSchema = z.string().min(1);

// A number with checks zod enforces: the JSON Schema stays free of integer-limit noise, and of a "minimum"
// repeated at every id field of tools/list.
export const ObjectIdSchema = z
  .number()
  .refine((n) => Number.isInteger(n) && n >= 1 && n <= MAX_OBJECT_ID, 'Object ids are whole numbers from 1.');

export const BoxSchema = z
  .array(z.number())
  .length(4)
  .describe('[x1, y1, x2, y2] in image pixels.')
  .transform((b) => b as [number, number, number, number]);

/**
 * A tool's input: an argument the tool does not know is refused with the list of those it does (a plain
 * z.object would drop it, and the host would believe it was honoured).
 */
export const toolInput = strict;

export const PointSchema = strict({
  x: z.number(),
  y: z.number(),
  label: z.literal([0, 1]).describe('1: on the object; 0: not on it.'),
});

/** Expert overrides of an everything-mode preset; ranges come from perception's OVERRIDE_RANGES. */
export const EverythingOverridesSchema = overridesSchema();

/** The `options` map of build_digital_twin, checked against the names and ranges that exist. */
export function parseOverrides(raw: Record<string, unknown>): z.infer<typeof EverythingOverridesSchema> {
  const parsed = EverythingOverridesSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new TwinsegError('INVALID_INPUT', `Invalid options: ${describeZodError(parsed.error)}.`, {
    hint: `Use only these options, in these ranges (or leave options out): ${Object.entries(OVERRIDE_RANGES)
      .map(([k, r]) => (r.kind === 'boolean' ? `${k} (true/false)` : `${k} (${r.min}–${r.max})`))
      .join(', ')}.`,
  });
}

// Input pieces several tools share, described for the model that fills them in.
import { z } from 'zod';
import { overridesSchema } from '../perception/presets.js';

export const TwinIdSchema = z
  .string()
  .min(1)
  .max(200)
  .describe('The twin id returned by build_digital_twin.');

export const ObjectIdSchema = z.number().int().positive().describe('An object id from the twin (the number drawn on the marks image).');

export const BoxSchema = z
  .tuple([z.number(), z.number(), z.number(), z.number()])
  .describe('[x1, y1, x2, y2] in original image pixels; x2/y2 exclusive.');

/** Expert overrides of an everything-mode preset; ranges come from perception's OVERRIDE_RANGES. */
export const EverythingOverridesSchema = overridesSchema();

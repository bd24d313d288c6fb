import { expect, it } from 'vitest';
import { EverythingOverridesSchema } from '../../src/tools/schemas.js';

it('accepts in-range preset overrides and refuses out-of-range or unknown ones', () => {
  expect(EverythingOverridesSchema.safeParse({ pointsPerSide: 0 }).success).toBe(false);
  expect(EverythingOverridesSchema.safeParse({}).success).toBe(true);
  expect(EverythingOverridesSchema.safeParse({ bogus: 1 }).success).toBe(false);
});

// Everything-mode settings by name. `balanced` is the default: a coarse grid, then prompts only where
// accepted masks leave gaps and inside large masks for their parts, within a decoder-call budget.
// `thorough` is SAM's own recipe (every point of a dense 32×32 grid plus one crop layer, no skipping).
// Thresholds are looser than SAM's 0.88/0.95 because this single-mask decoder scores lower (see the
// shared perception notes); stability 0.70 measured better than 0.85 at a 64-call budget on the COCO
// sample (bench/perception.run.ts), since people in crowds rarely reach 0.85.
import { z } from 'zod';
import { TwinsegError } from '../errors.js';
import type { EverythingOptions, PresetName } from './types.js';

// SAM's filters and crop geometry as every preset uses them; presets differ in how they prompt.
const FILTERS = {
  predIouThresh: 0.7,
  stabilityScoreThresh: 0.7,
  stabilityScoreOffset: 1,
  boxNmsThresh: 0.7,
  cropOverlapRatio: 512 / 1500,
} as const;

export const PRESETS: Record<PresetName, EverythingOptions> = {
  fast: {
    ...FILTERS,
    preset: 'fast',
    pointsPerSide: 5,
    maxPrompts: 32,
    promptsPerRound: 8,
    multimask: true,
    coverageTarget: 0.9,
    parts: false,
    cropNLayers: 0,
    minMaskRegionArea: 0,
  },
  balanced: {
    ...FILTERS,
    preset: 'balanced',
    pointsPerSide: 7,
    maxPrompts: 64,
    promptsPerRound: 8,
    multimask: true,
    coverageTarget: 0.97,
    parts: true,
    cropNLayers: 0,
    minMaskRegionArea: 100,
  },
  thorough: {
    ...FILTERS,
    preset: 'thorough',
    pointsPerSide: 32,
    maxPrompts: 2048,
    promptsPerRound: 64,
    multimask: true,
    coverageTarget: 0,
    parts: false,
    // A dense grid proposes plenty; the stricter stability keeps its flimsy masks out.
    stabilityScoreThresh: 0.85,
    cropNLayers: 1,
    minMaskRegionArea: 100,
  },
};

export const DEFAULT_PRESET: PresetName = 'balanced';

/** Range of each setting a caller may override; the tools layer builds its input schema from this. */
export const OVERRIDE_RANGES = {
  pointsPerSide: { kind: 'int', min: 1, max: 64 },
  maxPrompts: { kind: 'int', min: 1, max: 8192 },
  promptsPerRound: { kind: 'int', min: 1, max: 256 },
  multimask: { kind: 'boolean' },
  coverageTarget: { kind: 'number', min: 0, max: 1 },
  parts: { kind: 'boolean' },
  predIouThresh: { kind: 'number', min: 0, max: 1 },
  stabilityScoreThresh: { kind: 'number', min: 0, max: 1 },
  stabilityScoreOffset: { kind: 'number', min: 0, max: 10 },
  boxNmsThresh: { kind: 'number', min: 0, max: 1 },
  cropNLayers: { kind: 'int', min: 0, max: 3 },
  cropOverlapRatio: { kind: 'number', min: 0, max: 0.9 },
  minMaskRegionArea: { kind: 'int', min: 0, max: 1_000_000 },
} as const satisfies Record<string, { kind: 'int' | 'number'; min: number; max: number } | { kind: 'boolean' }>;

export type OverrideName = keyof typeof OVERRIDE_RANGES;

/** A zod schema of the overrides (all optional, unknown names refused), from OVERRIDE_RANGES. */
export function overridesSchema(describe: (name: OverrideName) => string | undefined = () => undefined) {
  const shape = Object.fromEntries(
    (Object.entries(OVERRIDE_RANGES) as [OverrideName, (typeof OVERRIDE_RANGES)[OverrideName]][]).map(([name, r]) => {
      let t: z.ZodType =
        r.kind === 'boolean' ? z.boolean() : r.kind === 'int' ? z.number().int().min(r.min).max(r.max) : z.number().min(r.min).max(r.max);
      const text = describe(name);
      if (text) t = t.describe(text);
      return [name, t.optional()];
    }),
  ) as { [K in OverrideName]: z.ZodOptional<z.ZodType<EverythingOptions[K]>> };
  return z.strictObject(shape);
}

const validOverrides = overridesSchema();

/** The preset's settings (default `balanced`) with validated overrides on top. */
export function resolveEverythingOptions(
  preset: PresetName = DEFAULT_PRESET,
  overrides: Partial<EverythingOptions> = {},
): EverythingOptions {
  const base = PRESETS[preset];
  if (!base) {
    throw new TwinsegError('INVALID_INPUT', `Unknown preset "${String(preset)}".`, {
      hint: `Use one of: ${Object.keys(PRESETS).join(', ')}.`,
    });
  }
  const { preset: _ignored, ...rest } = overrides;
  const parsed = validOverrides.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TwinsegError('INVALID_INPUT', `Invalid everything-mode setting ${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}.`, {
      hint: 'See the preset defaults; thresholds are fractions in [0, 1].',
    });
  }
  const defined = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  return { ...base, ...defined, preset: base.preset };
}

// Everything-mode settings by name. Every lone-point prompt proposes SAM's three granularities (on
// decoders where the four-token variant is available), so presets differ in how many prompts they spend:
// `fast` and `balanced` prompt a coarse 3x3 grid, then rounds of 4 where accepted masks leave gaps (and, for
// balanced, inside object-sized masks for their parts); `thorough` is SAM's own recipe (every point of a
// dense 32x32 grid plus one crop layer, SAM's filters at the shared notes' 0.70 / 0.85).
// Each budget is the fewest prompts that reach its preset's recall target on the COCO sample (`fast` with a
// segment to spare), measured by bench/perception.run.ts; the curve and the targets are in docs/performance.md.
// `balanced` accepts predicted IoU ≥ 0.5 and cleans regions under 400 px, each of which keeps or sharpens true
// masks; `fast` keeps stability at 0.7, which drops a merged junk mask its gap prompts can propose.
import { z } from 'zod';
import { TwinsegError } from '../errors.js';
import type { EverythingOptions, PresetName } from './contract.js';

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
    pointsPerSide: 3,
    maxPrompts: 22,
    promptsPerRound: 4,
    multimask: true,
    coverageTarget: 0.9,
    parts: false,
    predIouThresh: 0.5,
    stabilityScoreThresh: 0.7,
    cropNLayers: 0,
    minMaskRegionArea: 0,
    remainders: false,
    stuff: true,
  },
  balanced: {
    ...FILTERS,
    preset: 'balanced',
    pointsPerSide: 3,
    maxPrompts: 38,
    promptsPerRound: 4,
    multimask: true,
    coverageTarget: 0.97,
    parts: true,
    predIouThresh: 0.5,
    stabilityScoreThresh: 0.6,
    cropNLayers: 0,
    minMaskRegionArea: 400,
    remainders: true,
    stuff: true,
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
    remainders: true,
    stuff: true,
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
  remainders: { kind: 'boolean' },
  stuff: { kind: 'boolean' },
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
    throw new TwinsegError(
      'INVALID_INPUT',
      `Invalid everything-mode setting ${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}.`,
      {
        hint: 'See the preset defaults; thresholds are fractions in [0, 1].',
      },
    );
  }
  const defined = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  return { ...base, ...defined, preset: base.preset };
}

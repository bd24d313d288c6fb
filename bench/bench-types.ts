// The shapes of bench/out/*.json: what each bench writes and bench/report.ts reads. Extra fields are
// allowed (a bench may add figures before the report shows them); missing ones make the report say the
// file is unreadable rather than print half a table.
import { z } from 'zod';

const num = z.number();
const MachineSchema = z.looseObject({ cpu: z.string(), cores: num, provider: z.string() });
const LatencySchema = z.looseObject({ n: num, p50: num, p95: num, max: num });

/** Written by bench/perception.run.ts. */
export const PerceptionBenchSchema = z.looseObject({
  machine: MachineSchema,
  modes: z.array(
    z.looseObject({
      name: z.string(),
      kind: z.enum(['dense', 'preset']),
      prompts: num,
      decoderCalls: num,
      totalMs: num,
      encoderMs: num,
      ratioToEncoder: num,
      /** Every run's ratio, lowest first (presets run BENCH_REPEATS times; the median run is the row). */
      ratios: z.array(num).optional(),
      recall50: num,
      recall75: num,
      meanBestIou: num,
      peakRssMb: num,
    }),
  ),
});

/** Written by bench/twin.run.ts. */
export const TwinBenchSchema = z.looseObject({
  machine: MachineSchema,
  queries: num,
  rows: z.array(
    z.looseObject({
      image: z.string(),
      set: z.string(),
      masks: num,
      objects: num,
      buildMs: num,
      relationsMs: num,
      filterP50Us: num,
      filterP95Us: num,
      compactTokens: num,
      detailedTokens: num,
    }),
  ),
  encodings: z.array(
    z.looseObject({ image: z.string(), pngMs: num, rleMs: num, polygonMs: num, cutoutMs: num, overlayMs: num, marksMs: num }),
  ),
  peakRssMb: num,
});

/** Written by bench/server.run.ts. */
export const ServerBenchSchema = z.looseObject({
  machine: MachineSchema,
  preset: z.string(),
  images: z.array(z.looseObject({ image: z.string(), buildColdMs: num, objects: num })),
  latencies: z.record(z.string(), LatencySchema),
  peakRssMb: num,
});

const StatsSchema = z.looseObject({ count: num, mean: num, recall50: num, recall75: num });
const PartSchema = z.looseObject({ count: num, single: StatsSchema, greedy: StatsSchema }).nullable();

/** Written by bench/eval.run.ts. `suite` is from before the suite had its own bench (suite.json); still read. */
export const EvalBenchSchema = z.looseObject({
  machine: MachineSchema,
  dataset: z.looseObject({ source: z.string(), samples: num }),
  oracle: z.looseObject({
    presets: z.array(
      z.looseObject({
        preset: z.string(),
        meanBuildMs: num.nullable(),
        summary: z.looseObject({ all: PartSchema, small: PartSchema, medium: PartSchema, large: PartSchema }),
      }),
    ),
  }),
  suite: z
    .looseObject({ presets: z.array(z.looseObject({ preset: z.string(), gIoU: num, cIoU: num, count: num })) })
    .nullable()
    .optional(),
  peakRssMb: num,
});

const IouSummarySchema = z.looseObject({ gIoU: num, cIoU: num, count: num });

/** Written by bench/suite.run.ts: the generated reasoning suite's gIoU / cIoU per preset and request kind. */
export const SuiteBenchSchema = z.looseObject({
  machine: MachineSchema,
  seeds: z.array(num),
  presets: z.array(
    z.looseObject({
      preset: z.string(),
      gIoU: num,
      cIoU: num,
      count: num,
      byKind: z.record(z.string(), IouSummarySchema),
      meanBuildMs: num,
    }),
  ),
  peakRssMb: num,
});

export type PerceptionBench = z.infer<typeof PerceptionBenchSchema>;
export type TwinBench = z.infer<typeof TwinBenchSchema>;
export type ServerBench = z.infer<typeof ServerBenchSchema>;
export type EvalBench = z.infer<typeof EvalBenchSchema>;
export type SuiteBench = z.infer<typeof SuiteBenchSchema>;

export const BENCH_SCHEMAS = {
  perception: PerceptionBenchSchema,
  twin: TwinBenchSchema,
  server: ServerBenchSchema,
  eval: EvalBenchSchema,
  suite: SuiteBenchSchema,
} as const;
export type BenchName = keyof typeof BENCH_SCHEMAS;
export const BENCH_NAMES = Object.keys(BENCH_SCHEMAS) as BenchName[];

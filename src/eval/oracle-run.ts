// The oracle over a dataset: a twin of every image per preset (through whatever builds twins: the twin
// service in the CLI and benches, a scripted segmenter in tests), then twinOracle for every sample.
import { TwinsegError } from '../errors.js';
import { rleArea, rleDifference } from '../mask/rle.js';
import type { PresetName } from '../perception/contract.js';
import type { BuildOutcome } from '../twin/twin-service-api.js';
import type { EvalDataset, EvalSample } from './dataset.js';
import { sizeBucket, summariseOracle, twinOracle, uncoveredShare, type OracleRow, type OracleSummary } from './oracle.js';

export type TwinBuilder = (imagePath: string, preset: PresetName) => Promise<BuildOutcome>;

export interface OracleImageBuild {
  image: string;
  /** Wall time of the build call (load, model, twin), ms. */
  ms: number;
  cached: boolean;
  objects: number;
  /** Share of the image's pixels in no object (uncoveredShare). */
  uncovered: number;
  decoderCalls?: number;
  encoderMs?: number;
}

export interface OraclePresetResult {
  preset: PresetName;
  builds: OracleImageBuild[];
  /** Mean build time over the images built from scratch (null if all came from the cache). */
  meanBuildMs: number | null;
  summary: OracleSummary;
}

export interface OracleReport {
  presets: OraclePresetResult[];
  rows: OracleRow[];
}

export async function runOracle(
  dataset: EvalDataset,
  presets: readonly PresetName[],
  build: TwinBuilder,
  onProgress?: (msg: string) => void,
): Promise<OracleReport> {
  const byImage = new Map<string, EvalSample[]>();
  for (const s of dataset.samples) byImage.set(s.imagePath, [...(byImage.get(s.imagePath) ?? []), s]);
  const rows: OracleRow[] = [];
  const results: OraclePresetResult[] = [];
  for (const preset of presets) {
    const builds: OracleImageBuild[] = [];
    const presetRows: OracleRow[] = [];
    let n = 0;
    for (const [imagePath, samples] of byImage) {
      n++;
      onProgress?.(`${preset}: image ${n}/${byImage.size} ${samples[0]!.image}`);
      const t0 = performance.now();
      const { twin, cached, stats } = await build(imagePath, preset);
      const ms = performance.now() - t0;
      if (twin.image.width !== samples[0]!.width || twin.image.height !== samples[0]!.height) {
        throw new TwinsegError(
          'INVALID_INPUT',
          `The twin of ${imagePath} is ${twin.image.width}x${twin.image.height} but the dataset says ${samples[0]!.width}x${samples[0]!.height}.`,
          { hint: "The dataset's image sizes must match the image files (after EXIF rotation)." },
        );
      }
      builds.push({
        image: samples[0]!.image,
        ms,
        cached,
        objects: twin.objects.length,
        uncovered: uncoveredShare(twin),
        ...(stats ? { decoderCalls: stats.decoderCalls, encoderMs: stats.encoderMs } : {}),
      });
      for (const s of samples) {
        const o = twinOracle(twin, s.target, s.ignore);
        const area = targetArea(s);
        presetRows.push({
          preset,
          sample: s.id,
          image: s.image,
          query: s.query,
          target_area: area,
          bucket: sizeBucket(area),
          objects: twin.objects.length,
          single_iou: o.single.iou,
          single_id: o.single.id,
          greedy_iou: o.greedy.iou,
          greedy_ids: o.greedy.ids,
        });
      }
    }
    const fresh = builds.filter((b) => !b.cached);
    results.push({
      preset,
      builds,
      meanBuildMs: fresh.length === 0 ? null : fresh.reduce((a, b) => a + b.ms, 0) / fresh.length,
      summary: summariseOracle(presetRows),
    });
    rows.push(...presetRows);
  }
  return { presets: results, rows };
}

/** The scored target's size (without its ignore pixels) decides its size bucket. */
function targetArea(s: EvalSample): number {
  return rleArea(s.ignore ? rleDifference(s.target, s.ignore) : s.target);
}

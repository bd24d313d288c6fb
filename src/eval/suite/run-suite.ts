// The generated reasoning suite: scenes drawn from seeds, requests about each with their agent plans,
// run through the real MCP tools in this process and scored against the exact masks with LISA's
// gIoU / cIoU (src/eval/metrics.ts).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type PresetName } from '../../config.js';
import { rleIou } from '../../mask/rle.js';
import { drawScene, type DrawSceneOptions } from '../../scenes/scene.js';
import { scoreMask, summariseScores, type IouSummary } from '../metrics.js';
import { runPlan, type CallRecord } from './agent.js';
import { startInProcessServer } from './in-process.js';
import { sceneRequests } from './requests.js';
import { REQUEST_KINDS, type RequestKind, type SuiteRequest } from './suite-types.js';

export interface SuiteOptions {
  seeds: readonly number[];
  /** build_digital_twin's preset; undefined: the server's default (TWINSEG_PRESET, else balanced). */
  preset?: PresetName;
  kinds?: readonly RequestKind[];
  /** Scene drawing options besides the seed (size, objects, occlusion, templates). */
  scene?: Omit<DrawSceneOptions, 'seed'>;
  /** Extra environment for the server (TWINSEG_PROVIDERS, TWINSEG_THREADS, …). */
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
}

export interface SuiteRow {
  id: string;
  seed: number;
  kind: RequestKind;
  text: string;
  iou: number;
  intersection: number;
  union: number;
  predictionArea: number;
  targetArea: number;
  /**
   * Diagnosis, not part of the score: the best IoU any one object of the built twin has with the target.
   * Low: perception never proposed the object (or the twin merged it away); high while the answer scored
   * low: the twin's structure or colours led the filters elsewhere.
   */
  bestObjectIou: number;
  /** Ids the answer took, in the twin the plan ended on. */
  ids?: number[];
  failure?: string;
  calls: CallRecord[];
}

export interface SceneBuild {
  seed: number;
  theme: string;
  twinId: string;
  objects: number;
  buildMs: number;
}

export interface SuiteReport {
  preset: string;
  provider: string;
  builds: SceneBuild[];
  rows: SuiteRow[];
  summary: IouSummary;
  byKind: Partial<Record<RequestKind, IouSummary>>;
}

export async function runSuite(opts: SuiteOptions): Promise<SuiteReport> {
  const log = opts.log ?? (() => undefined);
  const kinds = opts.kinds ?? REQUEST_KINDS;
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-suite-')));
  const config = loadConfig({
    TWINSEG_PROVIDERS: 'cpu',
    ...opts.env,
    TWINSEG_HOME: path.join(dir, 'home'),
    TWINSEG_ROOTS: dir,
    TWINSEG_OUTPUT_DIR: path.join(dir, 'out'),
    TWINSEG_PERSIST: '0',
  });
  const server = await startInProcessServer(config);
  const builds: SceneBuild[] = [];
  const rows: SuiteRow[] = [];
  try {
    for (const seed of opts.seeds) {
      const scene = await drawScene({ ...opts.scene, seed });
      const file = path.join(dir, `scene-${seed}.png`);
      await fs.writeFile(file, scene.picture.data);
      const t0 = performance.now();
      const built = await server.call('build_digital_twin', { image: file, ...(opts.preset ? { preset: opts.preset } : {}) });
      const buildMs = performance.now() - t0;
      if (built.isError) throw new Error(`build_digital_twin failed on scene ${seed}: ${JSON.stringify(built.content)}`);
      const out = built.structuredContent as { twin_id: string; object_count: number };
      builds.push({ seed, theme: scene.spec.theme, twinId: out.twin_id, objects: out.object_count, buildMs });
      log(`scene ${seed} (${scene.spec.theme}): ${out.object_count} objects in ${(buildMs / 1000).toFixed(1)} s`);
      const twin = await server.twin(out.twin_id);
      for (const req of sceneRequests(scene, kinds)) {
        const bestObjectIou = Math.max(0, ...twin.objects.map((o) => rleIou(twin.masks.get(o.id)!, req.target)));
        rows.push({ ...(await runRequest(server, out.twin_id, req)), bestObjectIou });
      }
    }
    const byKind: SuiteReport['byKind'] = {};
    for (const k of kinds) {
      const of = rows.filter((r) => r.kind === k);
      if (of.length) byKind[k] = summariseScores(of);
    }
    return {
      preset: opts.preset ?? config.preset,
      provider: await server.provider(),
      builds,
      rows,
      summary: summariseScores(rows),
      byKind,
    };
  } finally {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function runRequest(
  server: Parameters<typeof runPlan>[0],
  twinId: string,
  req: SuiteRequest,
): Promise<Omit<SuiteRow, 'bestObjectIou'>> {
  const outcome = await runPlan(server, twinId, req.plan);
  const s = scoreMask(outcome.mask, req.target);
  return {
    id: req.id,
    seed: req.seed,
    kind: req.kind,
    text: req.text,
    iou: s.iou,
    intersection: s.intersection,
    union: s.union,
    predictionArea: s.predictionArea,
    targetArea: s.targetArea,
    ...(outcome.ids ? { ids: outcome.ids } : {}),
    ...(outcome.failure ? { failure: outcome.failure } : {}),
    calls: outcome.calls,
  };
}

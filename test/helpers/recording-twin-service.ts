// The real TwinService over a scripted segmenter (no model), recording every call, so the tools layer
// is tested against real twins, revisions, masks and pictures in milliseconds.
// Scene on a 20×10 image: object 1 (left block), 2 (right block), 3 (a part of 1); on other image
// sizes the same layout is scaled.
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { loadConfig, type Config } from '../../src/config.js';
import { throwIfAborted } from '../../src/errors.js';
import { encodeRaw } from '../../src/image/codec.js';
import { rleArea, rleBbox, rleDifference, rleFromBitmap, type Box, type Rle } from '../../src/mask/rle.js';
import type {
  DetailRequest,
  EverythingResult,
  LoadedImage,
  Prompt,
  Proposal,
  RefineRequest,
  CallControl,
  SegmentResult,
  Segmenter,
} from '../../src/perception/contract.js';
import type {
  BuildOutcome,
  BuildRequest,
  DetailRegionOutcome,
  DetailRegionRequest,
  KeepOutcome,
  KeepRequest,
  LabelInput,
  LabelOutcome,
  MarksPicture,
  MaskFormat,
  MaskOutcomeOf,
  MaskRequest,
  Picture,
  SegmentOutcome,
  SegmentRequest,
  TwinServiceApi,
  ZoomRequest,
} from '../../src/twin/twin-service-api.js';
import { TwinService } from '../../src/twin/twin-service.js';
import { LocalTwinStore } from '../../src/twin/store/twin-store.js';
import type { SemanticSource, Twin, TwinObject } from '../../src/twin/scene-model.js';

export const W = 20;
export const H = 10;

/** Smallest valid PNG (1×1 grey). */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==',
  'base64',
);

/** The scene's boxes on the 20×10 image: 1 and 2 whole, 3 inside 1. */
export const SCENE_BOXES: Record<number, Box> = { 1: [1, 1, 8, 9], 2: [12, 2, 19, 8], 3: [2, 2, 5, 5] };

/** A 20×10 picture of the scene: grey background, a red block (1) with a dark part (3), a blue block (2). */
export async function scenePng(): Promise<Buffer> {
  const rgb = new Uint8Array(W * H * 3).fill(128);
  const paint = ([x1, y1, x2, y2]: Box, c: [number, number, number]) => {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) rgb.set(c, (y * W + x) * 3);
  };
  paint(SCENE_BOXES[1]!, [200, 40, 30]);
  paint(SCENE_BOXES[3]!, [90, 20, 10]);
  paint(SCENE_BOXES[2]!, [30, 60, 200]);
  return encodeRaw({ data: rgb, width: W, height: H, channels: 3 }, 'png');
}

export function boxMask(b: Box, w = W, h = H): Rle {
  const bits = new Uint8Array(w * h);
  for (let y = Math.max(0, b[1]); y < Math.min(h, b[3]); y++)
    for (let x = Math.max(0, b[0]); x < Math.min(w, b[2]); x++) bits[y * w + x] = 1;
  return rleFromBitmap(bits, w, h);
}

function scaled(b: Box, w: number, h: number): Box {
  return [Math.floor((b[0] * w) / W), Math.floor((b[1] * h) / H), Math.ceil((b[2] * w) / W), Math.ceil((b[3] * h) / H)];
}

function proposal(rle: Rle, prompt: Prompt, stage: Proposal['stage']): Proposal {
  return { rle, area: rleArea(rle), bbox: rleBbox(rle), predictedIou: 0.9, stability: 0.95, prompt, stage };
}

export interface ScriptedSegmenterOptions {
  /** everything() waits for the abort signal instead of finishing (cancellation tests). */
  blockUntilAborted?: boolean;
  /** Progress steps reported by everything(). */
  progressSteps?: number;
}

/**
 * A Segmenter without a model: everything mode finds the scene's boxes; a box prompt gives that box;
 * a positive point gives the smallest scene box holding it, else a 3×3 square around it.
 */
export function scriptedSegmenter(opts: ScriptedSegmenterOptions): Segmenter {
  return {
    modelName: 'scripted',
    provider: 'cpu',
    async everything(image: LoadedImage, _options, control: CallControl = {}): Promise<EverythingResult> {
      if (opts.blockUntilAborted) {
        await new Promise<void>((resolve) => {
          if (control.signal?.aborted) resolve();
          control.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      throwIfAborted(control.signal);
      const steps = opts.progressSteps ?? 3;
      for (let i = 1; i <= steps; i++) {
        control.onProgress?.({ done: i, total: steps, message: `step ${i}` });
        await new Promise((r) => setTimeout(r, 1));
      }
      const proposals = Object.values(SCENE_BOXES)
        .map((b) => boxMask(scaled(b, image.width, image.height), image.width, image.height))
        .filter((rle) => rleArea(rle) > 0)
        .map((rle) => proposal(rle, {}, 'grid'));
      const stats = {
        prompts: 3,
        decoderCalls: 3,
        masksPerPrompt: 'single-mask' as const,
        encoderMs: 1,
        decoderMs: 1,
        postprocessMs: 1,
        totalMs: 3,
        coverage: 0.5,
        embeddingCached: false,
      };
      return { proposals, stats };
    },
    // Region detail finds the left and the right half of each scene box inside the region.
    async detail(image: LoadedImage, req: DetailRequest, control: CallControl = {}): Promise<EverythingResult> {
      throwIfAborted(control.signal);
      const [rx1, ry1, rx2, ry2] = req.box;
      const halves = Object.values(SCENE_BOXES)
        .map((b) => scaled(b, image.width, image.height))
        .filter((b) => b[0] >= rx1 && b[1] >= ry1 && b[2] <= rx2 && b[3] <= ry2)
        .flatMap(([x1, y1, x2, y2]): Box[] => [
          [x1, y1, (x1 + x2) >> 1, y2],
          [(x1 + x2) >> 1, y1, x2, y2],
        ]);
      const proposals = halves.map((b) => proposal(boxMask(b, image.width, image.height), { box: b }, 'detail'));
      const stats = {
        prompts: 2,
        decoderCalls: 1,
        masksPerPrompt: 'four-token' as const,
        encoderMs: 0,
        decoderMs: 1,
        postprocessMs: 1,
        totalMs: 2,
        coverage: 0.5,
        embeddingCached: true,
      };
      return { proposals, stats };
    },
    async segment(image: LoadedImage, prompt: Prompt, control: CallControl = {}): Promise<SegmentResult> {
      throwIfAborted(control.signal);
      if (prompt.box) return { best: proposal(boxMask(prompt.box, image.width, image.height), prompt, 'user'), alternatives: [] };
      const p = prompt.points!.find((q) => q.label === 1)!;
      const holding = Object.values(SCENE_BOXES)
        .map((b) => scaled(b, image.width, image.height))
        .filter((b) => p.x >= b[0] && p.x < b[2] && p.y >= b[1] && p.y < b[3])
        .sort((a, b) => (a[2] - a[0]) * (a[3] - a[1]) - (b[2] - b[0]) * (b[3] - b[1]));
      const box: Box = holding[0] ?? [Math.floor(p.x) - 1, Math.floor(p.y) - 1, Math.floor(p.x) + 2, Math.floor(p.y) + 2];
      return { best: proposal(boxMask(box, image.width, image.height), prompt, 'user'), alternatives: [] };
    },
    // Refinement starts from the current mask (given, or the one the last step of the history made) and
    // takes away the scene box around each negative click that holds no positive one.
    async refine(image: LoadedImage, req: RefineRequest, control: CallControl = {}): Promise<SegmentResult> {
      const start = req.mask ?? (await this.segment(image, req.history.at(-1)?.prompt ?? req.prompt, control)).best.rle;
      let rle = start;
      for (const n of (req.prompt.points ?? []).filter((p) => p.label === 0)) {
        const box = Object.values(SCENE_BOXES)
          .map((b) => scaled(b, image.width, image.height))
          .find(
            (b) => n.x >= b[0] && n.x < b[2] && n.y >= b[1] && n.y < b[3] && rleArea(boxMask(b, image.width, image.height)) < rleArea(rle),
          );
        if (box) rle = rleDifference(rle, boxMask(box, image.width, image.height));
      }
      return { best: proposal(rle, req.prompt, 'user'), alternatives: [] };
    },
  };
}

/** A real TwinService (memory only, temporary home) over the scripted segmenter, recording calls. */
export class RecordingTwinService implements TwinServiceApi {
  readonly calls: { method: string; args: unknown }[] = [];
  readonly inner: TwinService;
  /** The signal build() saw abort, if any. */
  abortedSignal?: AbortSignal;

  /** `imageLimits`: the server's own, so its twin service refuses what a real one would. */
  constructor(
    public opts: ScriptedSegmenterOptions = {},
    imageLimits: Partial<Pick<Config, 'maxImageBytes' | 'maxImagePixels'>> = {},
  ) {
    const home = mkdtempSync(path.join(os.tmpdir(), 'twinseg-recording-home-'));
    const config = { ...loadConfig({ TWINSEG_HOME: home, TWINSEG_PERSIST: '0' }), ...imageLimits };
    // The options object is shared, so a test can change it between calls.
    const store = new LocalTwinStore({ maxBytes: config.twinCacheBytes }); // memory only
    this.inner = new TwinService(config, store, { segmenter: scriptedSegmenter(this.opts), log: () => undefined });
  }

  async build(req: BuildRequest, control: CallControl = {}): Promise<BuildOutcome> {
    this.calls.push({ method: 'build', args: req });
    control.signal?.addEventListener('abort', () => (this.abortedSignal = control.signal), { once: true });
    return this.inner.build(req, control);
  }
  async get(twinId: string): Promise<Twin> {
    return this.inner.get(twinId);
  }
  async label(twinId: string, labels: LabelInput[], source: SemanticSource): Promise<LabelOutcome> {
    this.calls.push({ method: 'label', args: { twinId, labels, source } });
    return this.inner.label(twinId, labels, source);
  }
  async segment(twinId: string, req: SegmentRequest, control?: CallControl): Promise<SegmentOutcome> {
    this.calls.push({ method: 'segment', args: { twinId, ...req } });
    return this.inner.segment(twinId, req, control);
  }
  async detail(twinId: string, req: DetailRegionRequest, control?: CallControl): Promise<DetailRegionOutcome> {
    this.calls.push({ method: 'detail', args: { twinId, ...req } });
    return this.inner.detail(twinId, req, control);
  }
  async mask<F extends MaskFormat>(req: MaskRequest<F>): Promise<MaskOutcomeOf<F>> {
    this.calls.push({ method: 'mask', args: req });
    return this.inner.mask(req);
  }
  async keepMask(req: KeepRequest): Promise<KeepOutcome> {
    this.calls.push({ method: 'keepMask', args: req });
    return this.inner.keepMask(req);
  }
  async marks(twinId: string, opts: Parameters<TwinServiceApi['marks']>[1] = {}): Promise<MarksPicture> {
    this.calls.push({ method: 'marks', args: { twinId, ...opts } });
    return this.inner.marks(twinId, opts);
  }
  async zoom(twinId: string, req: ZoomRequest, opts?: Parameters<TwinServiceApi['zoom']>[2]): Promise<MarksPicture> {
    this.calls.push({ method: 'zoom', args: { twinId, ...req } });
    return this.inner.zoom(twinId, req, opts);
  }
  async overlay(twinId: string, ids: number[], opts?: Parameters<TwinServiceApi['overlay']>[2]): Promise<Picture> {
    this.calls.push({ method: 'overlay', args: { twinId, ids, ...opts } });
    return this.inner.overlay(twinId, ids, opts);
  }
}

/** A hand-made twin (no service), for view tests. */
export function makeTwin(id = 'tw_00000000000abc12', source = 'test.png'): Twin {
  const objects: TwinObject[] = Object.entries(SCENE_BOXES).map(([k, bbox]) => {
    const idn = Number(k);
    const area = (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]);
    return {
      id: idn,
      level: idn === 3 ? 'part' : 'whole',
      parent: idn === 3 ? 1 : null,
      children: idn === 1 ? [3] : [],
      bbox,
      area,
      areaFraction: area / (W * H),
      centroid: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
      position: bbox[0] < W / 3 ? 'left' : 'right',
      color: { mean: '#c03020', dominant: '#c03020', name: idn === 2 ? 'blue' : 'red' },
      shape: { aspectRatio: (bbox[2] - bbox[0]) / (bbox[3] - bbox[1]), solidity: 1, circularity: 0.7 },
      outline: {
        points: [
          [bbox[0], bbox[1]],
          [bbox[2], bbox[1]],
          [bbox[2], bbox[3]],
          [bbox[0], bbox[3]],
        ],
        holes: 0,
      },
      scores: { predictedIou: 0.9, stability: 0.95 },
      origin: 'grid',
      semantics: {},
    };
  });
  return {
    id,
    schemaVersion: 2,
    image: { hash: `hash-${id}`, width: W, height: H, source },
    model: 'fake',
    params: { preset: 'fast' },
    createdAt: '2026-01-01T00:00:00.000Z',
    objects,
    masks: new Map(Object.entries(SCENE_BOXES).map(([k, b]) => [Number(k), boxMask(b)])),
  };
}

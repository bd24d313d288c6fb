// A hand-made twin behind the TwinServiceApi, so the tools layer is tested without the model.
// 20×10 image: object 1 (left block), 2 (right block), 3 (a part of 1).
import { TwinsegError, throwIfAborted } from '../../src/errors.js';
import { rleArea, rleBbox, rleDifference, rleFromBitmap, rleIntersection, rleUnion, type Box, type Rle } from '../../src/mask/rle.js';
import type { Prompt, RunControl } from '../../src/perception/types.js';
import type {
  BuildOutcome,
  BuildRequest,
  LabelInput,
  MarksOutcome,
  MaskOutcome,
  MaskRequest,
  TwinServiceApi,
} from '../../src/twin/service-types.js';
import type { SemanticSource, Twin, TwinObject } from '../../src/twin/types.js';

export const W = 20;
export const H = 10;

/** Smallest valid PNG (1×1 grey), so image content and files hold real PNG bytes. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==',
  'base64',
);

export function boxMask(b: Box): Rle {
  const bits = new Uint8Array(W * H);
  for (let y = b[1]; y < b[3]; y++) for (let x = b[0]; x < b[2]; x++) bits[y * W + x] = 1;
  return rleFromBitmap(bits, W, H);
}

function object(id: number, bbox: Box, level: 'whole' | 'part', parent: number | null, children: number[]): TwinObject {
  const area = (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]);
  return {
    id,
    level,
    parent,
    children,
    bbox,
    area,
    areaFraction: area / (W * H),
    centroid: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
    position: bbox[0] < W / 3 ? 'left' : 'right',
    color: { mean: '#c03020', dominant: '#c03020', name: id === 2 ? 'blue' : 'red' },
    shape: { aspectRatio: (bbox[2] - bbox[0]) / (bbox[3] - bbox[1]), solidity: 1, circularity: 0.7 },
    outline: { points: [[bbox[0], bbox[1]], [bbox[2], bbox[1]], [bbox[2], bbox[3]], [bbox[0], bbox[3]]], holes: 0 },
    scores: { predictedIou: 0.9, stability: 0.95 },
    origin: 'grid',
    semantics: {},
  };
}

export function makeTwin(id = 'twin-abc123', source = 'test.png'): Twin {
  const boxes: Record<number, Box> = { 1: [1, 1, 8, 9], 2: [12, 2, 19, 8], 3: [2, 2, 5, 5] };
  return {
    id,
    schemaVersion: 1,
    image: { hash: `hash-${id}`, width: W, height: H, source },
    model: 'fake',
    params: { preset: 'fast' },
    createdAt: '2026-01-01T00:00:00.000Z',
    objects: [object(1, boxes[1]!, 'whole', null, [3]), object(2, boxes[2]!, 'whole', null, []), object(3, boxes[3]!, 'part', 1, [])],
    masks: new Map(Object.entries(boxes).map(([k, b]) => [Number(k), boxMask(b)])),
  };
}

export interface FakeOptions {
  /** build() waits for the abort signal instead of finishing (cancellation tests). */
  blockUntilAborted?: boolean;
  /** Progress steps reported by build(). */
  progressSteps?: number;
  /** Bytes of the marks image (to test the size guard). */
  marksBytes?: number;
}

export class FakeTwinService implements TwinServiceApi {
  readonly twins = new Map<string, Twin>();
  readonly calls: { method: string; args: unknown }[] = [];
  /** The signal build() saw abort, if any. */
  abortedSignal?: AbortSignal;

  constructor(public opts: FakeOptions = {}) {}

  async build(req: BuildRequest, control: RunControl = {}): Promise<BuildOutcome> {
    this.calls.push({ method: 'build', args: req });
    const image = typeof req.image === 'string' ? req.image : req.image.kind === 'path' ? req.image.path : req.image.base64;
    const id = `twin-${Buffer.from(image).toString('hex').slice(0, 12)}-${req.preset ?? 'balanced'}`;
    const existing = this.twins.get(id);
    if (existing) return { twin: existing, cached: true };
    if (this.opts.blockUntilAborted) {
      await new Promise<void>((resolve) => {
        if (control.signal?.aborted) resolve();
        control.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      this.abortedSignal = control.signal;
      throwIfAborted(control.signal);
    }
    const steps = this.opts.progressSteps ?? 3;
    for (let i = 1; i <= steps; i++) {
      control.onProgress?.({ done: i, total: steps, message: `step ${i}` });
      await new Promise((r) => setTimeout(r, 1));
    }
    const twin = makeTwin(id, image.slice(0, 64));
    this.twins.set(id, twin);
    return { twin, cached: false, stats: { prompts: 3, decoderCalls: 3, masksPerPrompt: 'single-mask', encoderMs: 1, decoderMs: 1, postprocessMs: 1, totalMs: 3, coverage: 0.5, embeddingCached: false } };
  }

  async get(twinId: string): Promise<Twin> {
    const t = this.twins.get(twinId);
    if (!t) {
      throw new TwinsegError('TWIN_NOT_FOUND', `No twin with id "${twinId}".`, {
        hint: 'Call build_digital_twin with the image first; it returns the twin id.',
      });
    }
    return t;
  }

  private objectOf(twin: Twin, id: number): TwinObject {
    const o = twin.objects.find((x) => x.id === id);
    if (!o) throw new TwinsegError('OBJECT_NOT_FOUND', `Twin ${twin.id} has no object ${id}.`, { hint: 'Use ids from the twin.' });
    return o;
  }

  async label(twinId: string, labels: LabelInput[], source: SemanticSource): Promise<TwinObject[]> {
    this.calls.push({ method: 'label', args: { twinId, labels, source } });
    const twin = await this.get(twinId);
    return labels.map((l) => {
      const o = this.objectOf(twin, l.id);
      if (l.label !== undefined) o.semantics.label = { value: l.label, source };
      if (l.description !== undefined) o.semantics.description = { value: l.description, source };
      if (l.attributes !== undefined) o.semantics.attributes = { value: l.attributes, source };
      return o;
    });
  }

  async segment(twinId: string, prompt: Prompt, control: RunControl = {}): Promise<{ object: TwinObject; twin: Twin }> {
    this.calls.push({ method: 'segment', args: { twinId, prompt } });
    throwIfAborted(control.signal);
    const twin = await this.get(twinId);
    const box: Box = prompt.box ?? [prompt.points![0]!.x, prompt.points![0]!.y, prompt.points![0]!.x + 2, prompt.points![0]!.y + 2];
    const id = Math.max(...twin.objects.map((o) => o.id)) + 1;
    const obj = { ...object(id, box, 'whole', null, []), origin: 'user' as const };
    twin.objects.push(obj);
    twin.masks.set(id, boxMask(box));
    return { object: obj, twin };
  }

  async mask(req: MaskRequest): Promise<MaskOutcome> {
    this.calls.push({ method: 'mask', args: req });
    const twin = await this.get(req.twinId);
    if (req.ids.length === 0) throw new TwinsegError('INVALID_INPUT', 'No ids given.', { hint: 'Pass at least one id.' });
    const masks = req.ids.map((id) => {
      this.objectOf(twin, id);
      return twin.masks.get(id)!;
    });
    const op = req.op === 'union' ? rleUnion : req.op === 'intersection' ? rleIntersection : rleDifference;
    const m = masks.slice(1).reduce((a, b) => op(a, b), masks[0]!);
    const base: MaskOutcome = { area: rleArea(m), bbox: rleBbox(m), width: W, height: H };
    if (req.format === 'rle') return { ...base, rle: { size: [H, W], counts: 'fakecounts' } };
    if (req.format === 'polygon') {
      const b = base.bbox;
      return { ...base, polygons: { outer: [[[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]]], holes: [] } };
    }
    return { ...base, png: TINY_PNG };
  }

  async marks(twinId: string, opts: { maxSide?: number; ids?: number[] } = {}): Promise<MarksOutcome> {
    this.calls.push({ method: 'marks', args: { twinId, ...opts } });
    await this.get(twinId);
    const data = this.opts.marksBytes ? Buffer.concat([TINY_PNG, Buffer.alloc(this.opts.marksBytes)]) : TINY_PNG;
    return { data, mime: 'image/png', width: W, height: H };
  }
}

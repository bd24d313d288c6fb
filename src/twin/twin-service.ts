// The twin layer's front door: image in → twin out, and every follow-up on a twin (labels, prompts,
// masks, pictures). It owns the wiring of perception, builders, pictures and store; the maths lives
// elsewhere. Twins never change: labels and prompted objects make revisions (revision.ts).
import path from 'node:path';
import { tritonModelNames, type Config } from '../config.js';
import { throwIfAborted, TwinsegError } from '../errors.js';
import { encodeCocoRle } from '../mask/coco-rle.js';
import { maskToPolygons } from '../mask/polygons.js';
import { rleArea, rleBbox } from '../mask/rle.js';
import { resolveEverythingOptions } from '../perception/presets.js';
import { createSegmenter } from '../perception/segmenter.js';
import { resolveModel } from '../models/model-store.js';
import type { LoadedImage, CallControl, Segmenter } from '../perception/contract.js';
import { buildTwin, twinIdFor } from './build-twin.js';
import { ImageMemory } from './images/image-memory.js';
import { expressionMask, keepExpression } from './mask-expression.js';
import { addPromptedObject, refineObject } from './prompted-objects.js';
import { cutoutPng } from './pictures/mask-painting.js';
import { encodeMaskPng } from './pictures/mask-png.js';
import { renderMarksImage, type MarksImage } from './pictures/set-of-marks.js';
import { HOST_MAX_SIDE } from './pictures/picture-window.js';
import { renderOverlay, renderSheet, type OverlayItem } from './pictures/overlay-picture.js';
import { draftOf, makeRevision, revisionId } from './revision.js';
import { addDetailObjects, knownMasks, regionOf } from './region-detail.js';
import { setSemantics } from './semantics.js';
import { SharedWork } from './shared-work.js';
import type {
  BuildOutcome,
  BuildRequest,
  DetailRegionOutcome,
  DetailRegionRequest,
  ImageAccess,
  KeepOutcome,
  KeepRequest,
  LabelInput,
  LabelOutcome,
  MaskFormat,
  MaskOutcome,
  MarksPicture,
  MaskOutcomeOf,
  MaskRequest,
  Picture,
  SegmentOutcome,
  SegmentRequest,
  TwinServiceApi,
} from './twin-service-api.js';
import { MASK_MIME } from './twin-service-api.js';
import { LocalTwinStore, TWIN_ID_PATTERN, type TwinStore } from './store/twin-store.js';
import { masksKey, type SemanticSource, type Twin } from './scene-model.js';
import { unknownObjects } from './unknown-objects.js';
import { renderZoom, type ZoomRequest } from './pictures/zoom-view.js';

export interface TwinServiceDeps {
  log?: (msg: string) => void;
  /** Substitute a segmenter (tests, benchmarks); default: the configured model. */
  segmenter?: Segmenter;
  /** Substitute a store (e.g. Redis); default: memory plus TWINSEG_HOME/twins. */
  store?: TwinStore;
}

export class TwinService implements TwinServiceApi {
  private segmenterPromise?: Promise<Segmenter>;
  private readonly builds = new SharedWork<BuildOutcome>();
  private readonly images: ImageMemory;

  constructor(
    private readonly config: Config,
    private readonly store: TwinStore,
    private readonly deps: TwinServiceDeps = {},
  ) {
    this.images = new ImageMemory({
      limits: { maxBytes: config.maxImageBytes, maxPixels: config.maxImagePixels },
      inlineDir: config.persist ? path.join(config.home, 'images') : undefined,
      log: (m) => this.log(m),
    });
    if (deps.segmenter) this.segmenterPromise = Promise.resolve(deps.segmenter);
  }

  private log(msg: string): void {
    (this.deps.log ?? ((m: string) => process.stderr.write(`twinseg: ${m}\n`)))(msg);
  }

  /** The model loads on first use so that the server starts (and lists tools) at once. */
  segmenter(): Promise<Segmenter> {
    this.segmenterPromise ??= (async () => {
      const model = await resolveModel(this.config.model, this.config);
      const triton = this.config.triton;
      const names = tritonModelNames(model.name, triton);
      return createSegmenter({
        modelName: model.name,
        encoderPath: model.encoderPath,
        decoderPath: model.decoderPath,
        providers: this.config.providers,
        threads: this.config.threads,
        embeddingCacheBytes: this.config.embeddingCacheBytes,
        home: this.config.home,
        ...(triton.url
          ? {
              triton: {
                url: triton.url,
                encoderModel: names.encoder,
                decoderModel: names.decoder,
                timeoutMs: triton.timeoutMs,
                fallback: triton.fallback,
                maxBatch: triton.maxBatch,
              },
            }
          : {}),
        // Lines already prefixed "twinseg: " (the session modules' own) are passed on as they are.
        log: (m: string) => this.log(m.replace(/^twinseg: /, '')),
      });
    })();
    // A failed load (missing model, bad file) must not stick: the user may fix it and retry.
    this.segmenterPromise.catch(() => {
      this.segmenterPromise = undefined;
    });
    return this.segmenterPromise;
  }

  async build(req: BuildRequest, control: CallControl = {}): Promise<BuildOutcome> {
    const segmenter = await this.segmenter();
    const options = resolveEverythingOptions(req.preset ?? this.config.preset, {
      ...req.options,
      ...(req.granularity ? { parts: req.granularity === 'parts' } : {}),
    });
    const params = { ...options } as Record<string, unknown>;
    const idOf = (hash: string) => twinIdFor(hash, segmenter.modelName, params);
    // A file decoded before (same size and mtime) finds its twin without decoding the picture again.
    const knownHash = await this.images.knownHash(req.image);
    if (knownHash) {
      const hit = await this.store.get(idOf(knownHash));
      if (hit) return { twin: hit, cached: true };
    }
    // The decoded pixels count against the in-flight budget until this build is done with them.
    const { image, release } = await this.images.load(req.image, control.signal);
    try {
      const id = idOf(image.hash);
      // The store was asked for this id already when the file's hash was known and is unchanged.
      const existing = image.hash === knownHash ? undefined : await this.store.get(id);
      if (existing) {
        await this.images.remember(image, req.image);
        return { twin: existing, cached: true };
      }
      // Builds of one image at once share one run, cancelled only when every caller has cancelled.
      return await this.builds.run(id, control, async (shared) => {
        const result = await segmenter.everything(image, options, shared);
        // Everyone left while the last step ran: a cancelled build stores nothing.
        throwIfAborted(shared.signal);
        // Coverage-guided runs (gap or part prompts) make the coarse merges the touching rule is for; a plain grid does not.
        const touchingGroups = options.coverageTarget > 0 || options.parts;
        const twin = buildTwin(image, result.proposals, { model: segmenter.modelName, params, id, touchingGroups });
        await this.images.remember(image, req.image);
        await this.store.put(twin);
        return { twin, cached: false, stats: result.stats };
      });
    } finally {
      release();
    }
  }

  async get(twinId: string): Promise<Twin> {
    const twin = TWIN_ID_PATTERN.test(twinId) ? await this.store.get(twinId) : undefined;
    if (!twin) {
      throw new TwinsegError('TWIN_NOT_FOUND', `No twin with id "${twinId}".`, {
        hint: 'Call build_digital_twin with the image to get a twin id (ids look like tw_0123456789abcdef).',
      });
    }
    return twin;
  }

  async label(twinId: string, labels: LabelInput[], source: SemanticSource): Promise<LabelOutcome> {
    const parent = await this.get(twinId);
    // Validate every id first so a bad entry changes nothing.
    const known = new Set(parent.objects.map((o) => o.id));
    const unknown = labels.filter((l) => !known.has(l.id)).map((l) => l.id);
    if (unknown.length > 0) throw unknownObjects(parent, unknown);
    const draft = { ...parent, ...draftOf(parent) };
    const updated = labels.map(({ id, ...sem }) => setSemantics(draft, id, sem, source));
    const ids = [...new Set(labels.map((l) => l.id))];
    const twin = makeRevision(parent, {
      request: { op: 'label', labels, source },
      summary: `labelled object${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`,
      objects: draft.objects,
      masks: draft.masks,
    });
    return { twin: await this.keep(twin), updated };
  }

  async segment(twinId: string, req: SegmentRequest, control: CallControl = {}): Promise<SegmentOutcome> {
    const parent = await this.get(twinId);
    if (req.object === undefined && !req.prompt) {
      throw new TwinsegError('INVALID_INPUT', 'segment needs points or a box, or an object to refine.', {
        hint: 'Pass "points"/"box" to add an object, or "object" with new points (or an "alternative") to refine one.',
      });
    }
    const image = await this.images.of(parent, req.access);
    const segmenter = await this.segmenter();
    const result =
      req.object === undefined
        ? await addPromptedObject(parent, image, segmenter, req.prompt!, control)
        : await refineObject(parent, image, segmenter, { ...req, object: req.object }, control);
    const { draft, request, summary, alternativeMasks, ...outcome } = result;
    const alternativesPicture =
      req.pictureAlternatives && alternativeMasks.length > 0
        ? await renderSheet(
            image,
            alternativeMasks.map((a) => ({ number: a.alternative, rle: a.rle })),
            (draft?.masks ?? parent.masks).get(outcome.object.id)!,
            outcome.object.color.mean,
          )
        : undefined;
    const pictured = { ...outcome, ...(alternativesPicture ? { alternativesPicture } : {}) };
    if (!draft) return { twin: parent, ...pictured };
    const twin = makeRevision(parent, { request, summary, objects: draft.objects, masks: draft.masks });
    return { twin: await this.keep(twin), ...pictured };
  }

  async detail(twinId: string, req: DetailRegionRequest, control: CallControl = {}): Promise<DetailRegionOutcome> {
    const parent = await this.get(twinId);
    const region = regionOf(parent, req);
    // The region, not how it was named: the same region asked by box or by ids finds the same revision.
    const request = { op: 'detail', region };
    const before = await this.store.get(revisionId(parent.id, request));
    if (before) return { twin: before, region, added: before.objects.filter((o) => !parent.masks.has(o.id)), cached: true };
    const image = await this.images.of(parent, req.access);
    const segmenter = await this.segmenter();
    const result = await segmenter.detail(image, { box: region, known: knownMasks(parent, region) }, control);
    throwIfAborted(control.signal);
    const draft = { ...parent, ...draftOf(parent) };
    const added = addDetailObjects(draft, image, result.proposals);
    if (added.length === 0) return { twin: parent, region, added, cached: false, stats: result.stats };
    const ids = added.length === 1 ? `object ${added[0]!.id}` : `objects ${added[0]!.id}–${added.at(-1)!.id}`;
    const summary = `detailed region [${region.join(', ')}]: added ${ids}`;
    const twin = makeRevision(parent, { request, summary, objects: draft.objects, masks: draft.masks });
    return { twin: await this.keep(twin), region, added, cached: false, stats: result.stats };
  }

  async mask<F extends MaskFormat>(req: MaskRequest<F>): Promise<MaskOutcomeOf<F>> {
    const twin = await this.get(req.twinId);
    const rle = expressionMask(twin, req);
    const geometry = { area: rleArea(rle), bbox: rleBbox(rle), width: twin.image.width, height: twin.image.height };
    const encode = async (format: MaskFormat): Promise<MaskOutcome> => {
      switch (format) {
        case 'png':
          return { ...geometry, format, png: await encodeMaskPng(rle) };
        case 'rle':
          return { ...geometry, format, rle: encodeCocoRle(rle) };
        case 'polygon':
          return { ...geometry, format, polygons: maskToPolygons(rle) };
        case 'cutout': {
          const [x1, y1, x2, y2] = geometry.bbox;
          const data = await cutoutPng(await this.images.of(twin, req.access), rle);
          return { ...geometry, format, picture: { data, mime: MASK_MIME.cutout, width: x2 - x1, height: y2 - y1 } };
        }
        case 'overlay':
          // A union of several objects is shown object by object; other expressions as the one result.
          return {
            ...geometry,
            format,
            picture:
              req.op === 'union' && req.ids.length > 1 && !req.exclude?.length
                ? await this.overlay(twin.id, req.ids, { crop: req.crop, maxSide: req.maxSide, access: req.access })
                : await renderOverlay(await this.images.of(twin, req.access), [{ rle, objectColor: this.colorOf(twin, req.ids[0]!) }], {
                    crop: req.crop,
                    maxSide: req.maxSide,
                  }),
          };
      }
    };
    // The switch tags the outcome with req.format, which is F; TypeScript does not follow a generic through it.
    return (await encode(req.format)) as MaskOutcomeOf<F>;
  }

  async keepMask(req: KeepRequest): Promise<KeepOutcome> {
    const parent = await this.get(req.twinId);
    const { draft, object, request, summary } = keepExpression(parent, await this.images.of(parent, req.access), req);
    if (!draft) return { twin: parent, object, reused: true };
    const twin = makeRevision(parent, { request, summary, objects: draft.objects, masks: draft.masks });
    return { twin: await this.keep(twin), object, reused: false };
  }

  async marks(twinId: string, opts: { maxSide?: number; ids?: number[]; access?: ImageAccess } = {}): Promise<MarksPicture> {
    const twin = await this.get(twinId);
    const maxSide = Math.round(opts.maxSide ?? HOST_MAX_SIDE);
    // The full picture depends only on the masks, so one rendering serves every revision that shares them;
    // what it labels is kept beside it. The version changes with the drawing.
    const key = opts.ids ? undefined : `${masksKey(twin)}.marks-v2-${maxSide}`;
    if (key) {
      const [data, about] = await Promise.all([this.store.getBlob(`${key}.jpg`), this.store.getBlob(`${key}.json`)]);
      if (data && about)
        return { data, mime: 'image/jpeg', ...(JSON.parse(about.toString('utf8')) as Omit<MarksPicture, 'data' | 'mime'>) };
    }
    const picture = marksPicture(await renderMarksImage(await this.images.of(twin, opts.access), twin, { ids: opts.ids, maxSide }));
    if (key) {
      const { data, mime: _mime, ...about } = picture;
      await this.store.putBlob(`${key}.json`, Buffer.from(JSON.stringify(about)));
      await this.store.putBlob(`${key}.jpg`, data);
    }
    return picture;
  }

  async zoom(twinId: string, req: ZoomRequest, opts: { access?: ImageAccess } = {}): Promise<MarksPicture> {
    const twin = await this.get(twinId);
    return marksPicture(await renderZoom(await this.images.of(twin, opts.access), twin, req));
  }

  async overlay(twinId: string, ids: number[], opts: { crop?: boolean; maxSide?: number; access?: ImageAccess } = {}): Promise<Picture> {
    const twin = await this.get(twinId);
    const unique = [...new Set(ids)];
    const missing = unique.filter((id) => !twin.masks.has(id));
    if (missing.length > 0) throw unknownObjects(twin, missing);
    const items: OverlayItem[] = unique.map((id) => ({ id, rle: twin.masks.get(id)!, objectColor: this.colorOf(twin, id) }));
    return renderOverlay(await this.images.of(twin, opts.access), items, { crop: opts.crop, maxSide: opts.maxSide });
  }

  async close(): Promise<void> {
    this.images.clear();
    await this.store.close?.();
  }

  /** Stores a new revision, or returns the one already stored under its id (the same change again). */
  private async keep(twin: Twin): Promise<Twin> {
    const existing = await this.store.get(twin.id);
    if (existing) return existing;
    await this.store.put(twin);
    return twin;
  }

  private colorOf(twin: Twin, id: number): string {
    return twin.objects.find((o) => o.id === id)?.color.mean ?? '#808080';
  }
}

function marksPicture(r: MarksImage): MarksPicture {
  return {
    data: r.data,
    mime: r.mime,
    width: r.width,
    height: r.height,
    window: r.window,
    labelled: r.marks.map((m) => m.id).sort((a, b) => a - b),
    leaders: r.marks.filter((m) => m.leader).length,
    crowded: r.crowded,
    unlabelled: r.unlabelled,
  };
}

export async function createTwinService(config: Config, deps: TwinServiceDeps = {}): Promise<TwinService> {
  return new TwinService(config, deps.store ?? (await configuredStore(config, deps.log)), deps);
}

/** TWINSEG_STORE picks the store: Redis (loaded only then) or memory plus home/twins. */
async function configuredStore(config: Config, log?: (msg: string) => void): Promise<TwinStore> {
  if (config.store.url) {
    const { RedisTwinStore } = await import('./store/redis-twin-store.js');
    return new RedisTwinStore({
      url: config.store.url,
      ttlSeconds: config.store.ttlSeconds,
      maxTwinBytes: config.store.maxTwinBytes,
      cacheBytes: config.twinCacheBytes,
      timeoutMs: config.store.timeoutMs,
      log,
    });
  }
  return new LocalTwinStore({
    maxBytes: config.twinCacheBytes,
    dir: config.persist ? path.join(config.home, 'twins') : undefined,
    log,
  });
}

export type { LoadedImage };

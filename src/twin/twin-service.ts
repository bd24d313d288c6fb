// The twin layer's front door: image in → twin out, and every follow-up on a twin (labels, prompts,
// masks, marks). It owns the wiring of perception, builders and store; the maths lives elsewhere.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config.js';
import { TwinsegError, errorMessage } from '../errors.js';
import { writeFileAtomic } from '../atomic-write.js';
import { encodeRaw } from '../image/codec.js';
import { loadImage } from '../perception/image-input.js';
import { resolveEverythingOptions } from '../perception/presets.js';
import { createSegmenter } from '../perception/segmenter.js';
import { resolveModel } from '../perception/model-store.js';
import { TOKEN_NAMES } from '../perception/mask-tokens.js';
import type { ImageLimits, LoadedImage, Prompt, Proposal, RunControl, Segmenter } from '../perception/types.js';
import { addObject, buildTwin, twinIdFor } from './build-twin.js';
import { encodeCocoRle } from '../mask/coco-rle.js';
import { cutoutPng, overlayPng } from './mask-images.js';
import { combineMasks } from '../mask/combine.js';
import { encodeMaskPng } from './mask-png.js';
import { maskToPolygons } from '../mask/polygons.js';
import { renderMarksImage } from './marks-image.js';
import { rleArea, rleBbox } from '../mask/rle.js';
import { setSemantics } from './semantics.js';
import type {
  BuildOutcome,
  BuildRequest,
  LabelInput,
  MarksOutcome,
  MaskOutcome,
  MaskRequest,
  SegmentAlternative,
  TwinServiceApi,
} from './service-types.js';
import { TwinStore } from './twin-store.js';
import { unknownObjects } from './unknown-objects.js';
import type { SemanticSource, Twin, TwinObject } from './types.js';

const summariseAlternative = (p: Proposal): SegmentAlternative => ({
  granularity: p.token === undefined ? 'single' : TOKEN_NAMES[p.token],
  area: p.area,
  bbox: p.bbox,
  predictedIou: Number(p.predictedIou.toFixed(3)),
  stability: Number(p.stability.toFixed(3)),
});

/** Copies of inline (base64) images kept for restarts; as many as the twin store keeps twins. */
const MAX_INLINE_IMAGES = 200;

export interface TwinServiceDeps {
  log?: (msg: string) => void;
  /** Substitute a segmenter (tests, benchmarks); default: the configured model. */
  segmenter?: Segmenter;
}

export class TwinService implements TwinServiceApi {
  private segmenterPromise?: Promise<Segmenter>;
  private readonly inFlight = new Map<string, Promise<BuildOutcome>>();
  // Decoded pixels of recent twins' images, for marks, cutouts and prompts without re-decoding.
  private readonly images: LRUCache<string, LoadedImage>;

  constructor(
    private readonly config: Config,
    private readonly store: TwinStore,
    private readonly deps: TwinServiceDeps = {},
  ) {
    this.images = new LRUCache<string, LoadedImage>({
      maxSize: 512 * 1024 * 1024,
      sizeCalculation: (img) => img.rgb.byteLength + 256,
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
      return createSegmenter({
        modelName: model.name,
        encoderPath: model.encoderPath,
        decoderPath: model.decoderPath,
        providers: this.config.providers,
        threads: this.config.threads,
        embeddingCacheBytes: this.config.embeddingCacheBytes,
        home: this.config.home,
        log: (m: string) => this.log(m),
      });
    })();
    // A failed load (missing model, bad file) must not stick: the user may fix it and retry.
    this.segmenterPromise.catch(() => {
      this.segmenterPromise = undefined;
    });
    return this.segmenterPromise;
  }

  async build(req: BuildRequest, control: RunControl = {}): Promise<BuildOutcome> {
    const image = await loadImage(req.image, this.limits(), { signal: control.signal });
    const segmenter = await this.segmenter();
    const options = resolveEverythingOptions(req.preset ?? this.config.preset, {
      ...req.options,
      ...(req.granularity ? { parts: req.granularity === 'parts' } : {}),
    });
    const params = { ...options } as Record<string, unknown>;
    const id = twinIdFor(image.hash, segmenter.modelName, params);
    const existing = await this.store.get(id);
    if (existing) {
      this.images.set(image.hash, image);
      return { twin: existing, cached: true };
    }
    const running = this.inFlight.get(id);
    if (running) return running;
    const work = (async (): Promise<BuildOutcome> => {
      const result = await segmenter.everything(image, options, control);
      const twin = buildTwin(image, result.proposals, { model: segmenter.modelName, params, id });
      await this.rememberImage(twin, image);
      await this.store.put(twin);
      return { twin, cached: false, stats: result.stats };
    })();
    this.inFlight.set(id, work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(id);
    }
  }

  async get(twinId: string): Promise<Twin> {
    const twin = await this.store.get(twinId);
    if (!twin) {
      throw new TwinsegError('TWIN_NOT_FOUND', `No twin with id "${twinId}".`, {
        hint: 'Call build_digital_twin with the image to get a twin id (ids look like tw_0123456789abcdef).',
      });
    }
    return twin;
  }

  async label(twinId: string, labels: LabelInput[], source: SemanticSource): Promise<TwinObject[]> {
    const twin = await this.get(twinId);
    // Validate every id first so a bad entry changes nothing.
    const known = new Set(twin.objects.map((o) => o.id));
    const unknown = labels.filter((l) => !known.has(l.id)).map((l) => l.id);
    if (unknown.length > 0) throw unknownObjects(twin, unknown);
    const changed = labels.map(({ id, ...sem }) => setSemantics(twin, id, sem, source));
    await this.store.update(twin);
    return changed;
  }

  async segment(twinId: string, prompt: Prompt, control: RunControl = {}): Promise<{ object: TwinObject; twin: Twin; alternatives: SegmentAlternative[] }> {
    const twin = await this.get(twinId);
    const image = await this.imageOf(twin);
    const segmenter = await this.segmenter();
    const { best: proposal, alternatives } = await segmenter.segment(image, prompt, control);
    if (proposal.area === 0) {
      throw new TwinsegError('INVALID_INPUT', 'The prompt produced an empty mask.', {
        hint: 'Put a positive point on the object itself, or draw a box around it.',
      });
    }
    const object = addObject(twin, image, proposal);
    await this.store.update(twin);
    return { object, twin, alternatives: alternatives.map(summariseAlternative) };
  }

  async mask(req: MaskRequest): Promise<MaskOutcome> {
    const twin = await this.get(req.twinId);
    const missing = req.ids.filter((id) => !twin.masks.has(id));
    if (missing.length > 0) throw unknownObjects(twin, missing);
    const rle = combineMasks(req.ids.map((id) => twin.masks.get(id)!), req.op);
    const out: MaskOutcome = {
      area: rleArea(rle),
      bbox: rleBbox(rle),
      width: twin.image.width,
      height: twin.image.height,
    };
    switch (req.format) {
      case 'png':
        out.png = await encodeMaskPng(rle);
        break;
      case 'rle':
        out.rle = encodeCocoRle(rle);
        break;
      case 'polygon':
        out.polygons = maskToPolygons(rle);
        break;
      case 'cutout':
        out.png = await cutoutPng(await this.imageOf(twin), rle);
        break;
      case 'overlay':
        out.png = await overlayPng(await this.imageOf(twin), [{ rle }]);
        break;
    }
    return out;
  }

  async marks(twinId: string, opts: { maxSide?: number; ids?: number[] } = {}): Promise<MarksOutcome> {
    const twin = await this.get(twinId);
    const image = await this.imageOf(twin);
    const r = await renderMarksImage(image, twin, opts);
    return { data: r.data, mime: r.mime, width: r.width, height: r.height };
  }

  async close(): Promise<void> {
    this.images.clear();
  }

  /** Keeps the pixels at hand, and on disk when the source was inline data so a restart can reload it. */
  private async rememberImage(twin: Twin, image: LoadedImage): Promise<void> {
    this.images.set(image.hash, image);
    if (!this.config.persist || !isInline(image.source)) return;
    const file = this.inlineImagePath(image.hash);
    const png = await encodeRaw({ data: image.rgb, width: image.width, height: image.height, channels: 3 }, 'png');
    await writeFileAtomic(file, png);
    await this.pruneInlineImages().catch((e: unknown) => this.log(`pruning inline images failed: ${errorMessage(e)}`));
  }

  /** Keeps the copies of inline images bounded like the twins that need them (newest first). */
  private async pruneInlineImages(): Promise<void> {
    const dir = path.dirname(this.inlineImagePath('x'));
    const files = (await fs.readdir(dir)).filter((n) => /^[0-9a-f]{64}\.png$/.test(n));
    if (files.length <= MAX_INLINE_IMAGES) return;
    const dated = await Promise.all(
      files.map(async (n) => ({ file: path.join(dir, n), mtime: (await fs.stat(path.join(dir, n))).mtimeMs })),
    );
    dated.sort((a, b) => b.mtime - a.mtime);
    for (const { file } of dated.slice(MAX_INLINE_IMAGES)) await fs.rm(file, { force: true });
  }

  private limits(): ImageLimits {
    return { maxBytes: this.config.maxImageBytes, maxPixels: this.config.maxImagePixels };
  }

  private inlineImagePath(hash: string): string {
    return path.join(this.config.home, 'images', `${hash}.png`);
  }

  private async imageOf(twin: Twin): Promise<LoadedImage> {
    const cached = this.images.get(twin.image.hash);
    if (cached) return cached;
    const limits = this.limits();
    const file = isInline(twin.image.source) ? this.inlineImagePath(twin.image.hash) : twin.image.source;
    let image: LoadedImage;
    try {
      image = await loadImage(file, limits);
    } catch (e) {
      throw new TwinsegError('IMAGE_NOT_FOUND', `The image of twin ${twin.id} can no longer be read (${file}).`, {
        hint: 'Build the twin again with build_digital_twin.',
        cause: e,
      });
    }
    if (image.hash !== twin.image.hash) {
      throw new TwinsegError('IMAGE_UNREADABLE', `The image at ${file} changed since twin ${twin.id} was built.`, {
        hint: 'Build the twin again with build_digital_twin.',
      });
    }
    this.images.set(image.hash, image);
    return image;
  }
}

/** Images loaded from files carry their absolute path as source; inline ones a description. */
function isInline(source: string): boolean {
  return !path.isAbsolute(source);
}


export async function createTwinService(
  config: Config,
  deps: TwinServiceDeps = {},
): Promise<TwinService> {
  const store = new TwinStore({
    maxBytes: config.twinCacheBytes,
    dir: config.persist ? path.join(config.home, 'twins') : undefined,
    log: deps.log,
  });
  return new TwinService(config, store, deps);
}

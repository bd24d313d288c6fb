// The decoded pixels of recent twins' images, for marks, overlays and prompts without decoding again;
// inline (base64) images are also kept on disk, as the bytes the client sent, bounded in number and in
// bytes, so a restarted server can still draw and prompt on them. A file's pixel hash is memoised by
// path, size and mtime, so a repeated build of the same file finds its cached twin without decoding.
//
// Reading an image again from its file happens only for a caller (ImageAccess) and inside its roots:
// a twin's recorded source is the path of whoever built it first, which another client must not be
// able to make the server read for it. Decoding takes its pixels from the PixelBudget first.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { writeFileAtomic } from '../../atomic-write.js';
import { isInside } from '../../confined-files.js';
import { errorMessage, TwinsegError } from '../../errors.js';
import { loadImage, type ImageSource } from '../../perception/image-input.js';
import type { ImageLimits, LoadedImage } from '../../perception/contract.js';
import { PixelBudget } from './pixel-budget.js';
import type { ImageAccess } from '../twin-service-api.js';
import type { Twin } from '../scene-model.js';

/** Copies of inline (base64) images kept for restarts: at most this many… */
export const MAX_INLINE_IMAGES = 200;
/** …and at most this many bytes together (each is at most TWINSEG_MAX_IMAGE_BYTES, as sent). */
export const INLINE_BYTES_KEPT = 1024 * 1024 * 1024;
/** Memory for decoded pixels of recent twins' images (a fixed budget; the soak's memory bound counts it). */
export const PIXEL_BYTES_KEPT = 512 * 1024 * 1024;
/** Decoded RGB bytes per pixel. */
const RGB = 3;

export interface ImageMemoryOptions {
  limits: ImageLimits;
  /** Where inline images are kept; none: not kept across restarts. */
  inlineDir?: string;
  /** How many copies of inline images, and how many bytes of them, are kept (default MAX_INLINE_IMAGES, INLINE_BYTES_KEPT). */
  inlineKept?: { count: number; bytes: number };
  log: (msg: string) => void;
}

/** Images loaded from files carry their absolute path as source; inline ones a description. */
export function isInline(source: string): boolean {
  return !path.isAbsolute(source);
}

/** A decoded image and the release of the pixel budget it holds (call once the work on it is done). */
export interface HeldImage {
  image: LoadedImage;
  release: () => void;
}

const INLINE_NAME = /^([0-9a-f]{64})\.(img|png)$/;

export class ImageMemory {
  private readonly pixels = new LRUCache<string, LoadedImage>({
    maxSize: PIXEL_BYTES_KEPT,
    sizeCalculation: (img) => img.rgb.byteLength + 256,
  });
  private readonly fileHashes = new LRUCache<string, string>({ max: 4096 });
  /** Decoded pixels in flight: one picture at the pixel limit at a time, or several smaller ones. */
  readonly budget: PixelBudget;

  constructor(private readonly opts: ImageMemoryOptions) {
    this.budget = new PixelBudget(opts.limits.maxPixels * RGB);
  }

  /** The pixel hash of a file already decoded unchanged (same size and mtime), without reading it. */
  async knownHash(source: ImageSource): Promise<string | undefined> {
    if (source.kind !== 'path' || !path.isAbsolute(source.path)) return undefined;
    const key = await this.fileKey(source.path);
    return key ? this.fileHashes.get(key) : undefined;
  }

  /** Decodes the image once its pixels fit the budget; the caller releases them when done with it. */
  async load(source: ImageSource, signal?: AbortSignal): Promise<HeldImage> {
    const { image, release } = await this.decode(source, signal);
    if (!isInline(image.source)) {
      const key = await this.fileKey(image.source);
      if (key) this.fileHashes.set(key, image.hash);
    }
    return { image, release };
  }

  /** Keeps the pixels at hand, and on disk when the source was inline data so a restart can reload it. */
  async remember(image: LoadedImage, source: ImageSource): Promise<void> {
    this.pixels.set(image.hash, image);
    if (!this.opts.inlineDir || source.kind !== 'base64') return;
    const file = this.inlinePath(image.hash);
    if (
      await fs.stat(file).then(
        () => true,
        () => false,
      )
    )
      return;
    // The bytes as sent (at most TWINSEG_MAX_IMAGE_BYTES): decoding them again gives the same pixels,
    // which the hash check in of() confirms. A PNG of the pixels could be many times larger.
    await writeFileAtomic(file, Buffer.from(source.base64, 'base64'));
    await this.pruneInline().catch((e: unknown) => this.opts.log(`pruning inline images failed: ${errorMessage(e)}`));
  }

  /**
   * The twin's image: from memory, else from the kept copy of inline data, else from a file the caller
   * may read (its own path for the image first, then the twin's recorded one), checked by hash.
   */
  async of(twin: Twin, access?: ImageAccess): Promise<LoadedImage> {
    const cached = this.pixels.get(twin.image.hash);
    if (cached) return cached;
    const candidates = await this.candidates(twin, access);
    if (candidates.length === 0) {
      throw new TwinsegError(
        'IMAGE_NOT_FOUND',
        `The image of twin ${twin.id} is no longer in memory, and no file this session may read holds it.`,
        {
          hint: 'Build the twin again with build_digital_twin from the image (a path inside your roots, or base64).',
        },
      );
    }
    let last: unknown;
    for (const source of candidates) {
      let held: HeldImage;
      try {
        held = await this.decode(source);
      } catch (e) {
        last = e;
        continue;
      }
      held.release();
      const image = held.image;
      if (image.hash !== twin.image.hash) {
        last = new TwinsegError('IMAGE_UNREADABLE', `The image at ${image.source} changed since twin ${twin.id} was built.`, {
          hint: 'Build the twin again with build_digital_twin.',
        });
        continue;
      }
      this.pixels.set(image.hash, image);
      return image;
    }
    throw new TwinsegError('IMAGE_NOT_FOUND', `The image of twin ${twin.id} can no longer be read.`, {
      hint: 'Build the twin again with build_digital_twin.',
      cause: last,
    });
  }

  clear(): void {
    this.pixels.clear();
    this.fileHashes.clear();
  }

  private async decode(source: ImageSource, signal?: AbortSignal): Promise<HeldImage> {
    let release: (() => void) | undefined;
    try {
      const image = await loadImage(source, this.opts.limits, {
        signal,
        beforeDecode: async (w, h) => {
          release = await this.budget.take(w * h * RGB, signal);
        },
      });
      return { image, release: release ?? (() => undefined) };
    } catch (e) {
      release?.();
      throw e;
    }
  }

  /** Where the caller may have the image read again from, best first. */
  private async candidates(twin: Twin, access: ImageAccess | undefined): Promise<ImageSource[]> {
    if (isInline(twin.image.source)) {
      const kept = await this.inlineFile(twin.image.hash);
      if (kept) {
        const now = new Date();
        await fs.utimes(kept, now, now).catch(() => undefined); // recency for pruning
        return [{ kind: 'path', path: kept }];
      }
    }
    if (!access) return [];
    const paths = [access.source, isInline(twin.image.source) ? undefined : twin.image.source].filter(
      (p, i, all): p is string => p !== undefined && all.indexOf(p) === i,
    );
    if (access.roots === 'any') return paths.map((p) => ({ kind: 'path', path: p }));
    const roots = access.roots;
    return paths.filter((p) => roots.some((r) => isInside(r, p))).map((p) => ({ kind: 'path', path: p, roots }));
  }

  private async fileKey(file: string): Promise<string | undefined> {
    const st = await fs.stat(file).catch(() => undefined);
    return st?.isFile() ? `${file}\0${st.size}\0${st.mtimeMs}` : undefined;
  }

  private inlinePath(hash: string): string {
    return path.join(this.opts.inlineDir!, `${hash}.img`);
  }

  /** The kept copy of an inline image, as the bytes sent (.img) or as the PNG older versions wrote. */
  private async inlineFile(hash: string): Promise<string | undefined> {
    if (!this.opts.inlineDir) return undefined;
    for (const name of [`${hash}.img`, `${hash}.png`]) {
      const file = path.join(this.opts.inlineDir, name);
      if (
        await fs.stat(file).then(
          (s) => s.isFile(),
          () => false,
        )
      )
        return file;
    }
    return undefined;
  }

  /** Keeps the copies of inline images bounded in number and bytes, the most recently used first. */
  private async pruneInline(): Promise<void> {
    const dir = this.opts.inlineDir!;
    const names = (await fs.readdir(dir)).filter((n) => INLINE_NAME.test(n));
    const dated = (
      await Promise.all(names.map(async (n) => ({ file: path.join(dir, n), st: await fs.stat(path.join(dir, n)).catch(() => undefined) })))
    ).filter((d) => d.st !== undefined);
    dated.sort((a, b) => b.st!.mtimeMs - a.st!.mtimeMs);
    const kept = this.opts.inlineKept ?? { count: MAX_INLINE_IMAGES, bytes: INLINE_BYTES_KEPT };
    let bytes = 0;
    for (const [i, { file, st }] of dated.entries()) {
      bytes += st!.size;
      // The newest copy stays whatever its size: it belongs to the twin just built.
      if (i > 0 && (i >= kept.count || bytes > kept.bytes)) await fs.rm(file, { force: true });
    }
  }
}

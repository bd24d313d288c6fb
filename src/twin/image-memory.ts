// The decoded pixels of recent twins' images, for marks, overlays and prompts without decoding again;
// inline (base64) images are also kept on disk (as PNG, bounded in number) so a restarted server can
// still draw and prompt on them. A file's pixel hash is memoised by path, size and mtime, so a
// repeated build of the same file finds its cached twin without decoding the picture.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { writeFileAtomic } from '../atomic-write.js';
import { errorMessage, TwinsegError } from '../errors.js';
import { encodeRaw } from '../image/codec.js';
import { loadImage, type ImageSource } from '../perception/image-input.js';
import type { ImageLimits, LoadedImage } from '../perception/contract.js';
import type { Twin } from './scene-model.js';

/** Copies of inline (base64) images kept for restarts; as many as the twin store keeps twins. */
const MAX_INLINE_IMAGES = 200;
/** Memory for decoded pixels of recent twins' images (a fixed budget; the soak's memory bound counts it). */
export const PIXEL_BYTES_KEPT = 512 * 1024 * 1024;

export interface ImageMemoryOptions {
  limits: ImageLimits;
  /** Where inline images are kept; none: not kept across restarts. */
  inlineDir?: string;
  log: (msg: string) => void;
}

/** Images loaded from files carry their absolute path as source; inline ones a description. */
export function isInline(source: string): boolean {
  return !path.isAbsolute(source);
}

export class ImageMemory {
  private readonly pixels = new LRUCache<string, LoadedImage>({
    maxSize: PIXEL_BYTES_KEPT,
    sizeCalculation: (img) => img.rgb.byteLength + 256,
  });
  private readonly fileHashes = new LRUCache<string, string>({ max: 4096 });

  constructor(private readonly opts: ImageMemoryOptions) {}

  /** The pixel hash of a file already decoded unchanged (same size and mtime), without reading it. */
  async knownHash(source: string | ImageSource): Promise<string | undefined> {
    const file = typeof source === 'string' ? source : source.kind === 'path' ? source.path : undefined;
    if (!file || !path.isAbsolute(file)) return undefined;
    const key = await this.fileKey(file);
    return key ? this.fileHashes.get(key) : undefined;
  }

  async load(source: string | ImageSource, signal?: AbortSignal): Promise<LoadedImage> {
    const image = await loadImage(source, this.opts.limits, { signal });
    if (!isInline(image.source)) {
      const key = await this.fileKey(image.source);
      if (key) this.fileHashes.set(key, image.hash);
    }
    return image;
  }

  /** Keeps the pixels at hand, and on disk when the source was inline data so a restart can reload it. */
  async remember(image: LoadedImage): Promise<void> {
    this.pixels.set(image.hash, image);
    if (!this.opts.inlineDir || !isInline(image.source)) return;
    const file = this.inlinePath(image.hash);
    if (await fs.stat(file).then(() => true, () => false)) return;
    const png = await encodeRaw({ data: image.rgb, width: image.width, height: image.height, channels: 3 }, 'png');
    await writeFileAtomic(file, png);
    await this.pruneInline().catch((e: unknown) => this.opts.log(`pruning inline images failed: ${errorMessage(e)}`));
  }

  /** The twin's image: from memory, else from its file (or the kept copy of inline data), checked by hash. */
  async of(twin: Twin): Promise<LoadedImage> {
    const cached = this.pixels.get(twin.image.hash);
    if (cached) return cached;
    const file = isInline(twin.image.source) && this.opts.inlineDir ? this.inlinePath(twin.image.hash) : twin.image.source;
    let image: LoadedImage;
    try {
      image = await loadImage(file, this.opts.limits);
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
    this.pixels.set(image.hash, image);
    return image;
  }

  clear(): void {
    this.pixels.clear();
    this.fileHashes.clear();
  }

  private async fileKey(file: string): Promise<string | undefined> {
    const st = await fs.stat(file).catch(() => undefined);
    return st?.isFile() ? `${file}\0${st.size}\0${st.mtimeMs}` : undefined;
  }

  private inlinePath(hash: string): string {
    return path.join(this.opts.inlineDir!, `${hash}.png`);
  }

  /** Keeps the copies of inline images bounded like the twins that need them (newest first). */
  private async pruneInline(): Promise<void> {
    const dir = this.opts.inlineDir!;
    const files = (await fs.readdir(dir)).filter((n) => /^[0-9a-f]{64}\.png$/.test(n));
    if (files.length <= MAX_INLINE_IMAGES) return;
    const dated = await Promise.all(
      files.map(async (n) => ({ file: path.join(dir, n), mtime: (await fs.stat(path.join(dir, n))).mtimeMs })),
    );
    dated.sort((a, b) => b.mtime - a.mtime);
    for (const { file } of dated.slice(MAX_INLINE_IMAGES)) await fs.rm(file, { force: true });
  }
}

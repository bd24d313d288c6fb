// Image embeddings bounded by bytes, plus sharing of in-flight encoder runs: two requests for the
// same image while the encoder is busy must not pay for it twice.
import { LRUCache } from 'lru-cache';
import { throwIfAborted, TwinsegError } from '../../errors.js';
import type { Embedding } from '../sam/predictor-interface.js';

export function embeddingKey(imageHash: string, modelName: string): string {
  return `${modelName}\u0000${imageHash}`;
}

interface InFlight {
  promise: Promise<Embedding>;
  /** Waiters' signals; a waiter without one keeps the run alive. */
  signals: (AbortSignal | undefined)[];
}

export interface EmbeddingCache {
  get(key: string): Embedding | undefined;
  /**
   * The cached embedding, the in-flight one, or a new `compute` run. `compute` receives
   * `cancelled()`, true once every waiter has aborted: check it before expensive steps.
   */
  getOrCompute(
    key: string,
    compute: (cancelled: () => boolean) => Promise<Embedding>,
    signal?: AbortSignal,
  ): Promise<{ embedding: Embedding; cached: boolean }>;
  readonly size: number;
  readonly bytes: number;
  clear(): void;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new TwinsegError('CANCELLED', 'The operation was cancelled.', { cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export function createEmbeddingCache(maxBytes: number): EmbeddingCache {
  const lru = new LRUCache<string, Embedding>({
    maxSize: maxBytes,
    sizeCalculation: (e) => Math.max(1, e.data.byteLength),
  });
  const inFlight = new Map<string, InFlight>();

  return {
    get: (key) => lru.get(key),
    async getOrCompute(key, compute, signal) {
      throwIfAborted(signal);
      const hit = lru.get(key);
      if (hit) return { embedding: hit, cached: true };
      let entry = inFlight.get(key);
      if (entry) {
        entry.signals.push(signal);
        return { embedding: await abortable(entry.promise, signal), cached: true };
      }
      const signals: (AbortSignal | undefined)[] = [signal];
      const cancelled = () => signals.every((s) => s?.aborted === true);
      const promise = (async () => {
        try {
          const embedding = await compute(cancelled);
          lru.set(key, embedding);
          return embedding;
        } finally {
          inFlight.delete(key);
        }
      })();
      // A waiter that aborted stops listening; the run's own failure must not become unhandled.
      promise.catch(() => undefined);
      entry = { promise, signals };
      inFlight.set(key, entry);
      return { embedding: await abortable(promise, signal), cached: false };
    },
    get size() {
      return lru.size;
    },
    get bytes() {
      return lru.calculatedSize;
    },
    clear: () => lru.clear(),
  };
}

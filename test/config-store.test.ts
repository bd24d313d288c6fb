import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('store and replica settings in the config', () => {
  it('keeps twins on this machine and HTTP sessions on by default', () => {
    const config = loadConfig({});
    expect(config.store).toEqual({ url: undefined, ttlSeconds: 86_400, maxTwinBytes: 32 * 1024 * 1024, timeoutMs: 5_000 });
    expect(loadConfig({ TWINSEG_STORE: 'local' }).store.url).toBeUndefined();
    expect(config.http.stateless).toBe(false);
  });

  it('reads the Redis URL, TTL, byte bound and timeout from TWINSEG_STORE*, and stateless HTTP from TWINSEG_HTTP_STATELESS', () => {
    const config = loadConfig({
      TWINSEG_STORE: 'redis://:secret@cache.internal:6380/2',
      TWINSEG_STORE_TTL_S: '3600',
      TWINSEG_STORE_MAX_TWIN_BYTES: '1048576',
      TWINSEG_STORE_TIMEOUT_MS: '800',
      TWINSEG_HTTP_STATELESS: '1',
    });
    expect(config.store).toEqual({
      url: 'redis://:secret@cache.internal:6380/2',
      ttlSeconds: 3600,
      maxTwinBytes: 1_048_576,
      timeoutMs: 800,
    });
    expect(config.http.stateless).toBe(true);
    expect(loadConfig({ TWINSEG_STORE: 'rediss://cache.internal' }).store.url).toBe('rediss://cache.internal');
    expect(loadConfig({ TWINSEG_HTTP_STATELESS: '0' }).http.stateless).toBe(false);
  });

  it('refuses a store that is neither "local" nor a redis URL, and bounds that are not positive', () => {
    expect(() => loadConfig({ TWINSEG_STORE: 'memcached://x:11211' })).toThrow(
      /TWINSEG_STORE="memcached:\/\/x:11211": must be "local" or a redis:\/\//,
    );
    expect(() => loadConfig({ TWINSEG_STORE: '127.0.0.1:6379' })).toThrow(/TWINSEG_STORE=/);
    expect(() => loadConfig({ TWINSEG_STORE_TTL_S: '0' })).toThrow(/TWINSEG_STORE_TTL_S="0"/);
    expect(() => loadConfig({ TWINSEG_STORE_MAX_TWIN_BYTES: '-1' })).toThrow(/TWINSEG_STORE_MAX_TWIN_BYTES="-1"/);
  });
});

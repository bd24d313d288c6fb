// The Redis test harness itself: a real redis-server that a real client talks to, and that leaves nothing behind.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import net from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { skipWithoutRedis, startRedisServer, useRedisServer } from './redis-server.js';

const client = (url: string) => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

describe.skipIf(skipWithoutRedis())('Redis test harness', () => {
  const redis = useRedisServer();

  it('serves SET and GET to ioredis on loopback', async () => {
    expect(redis.current.url).toBe(`redis://127.0.0.1:${redis.current.port}`);
    const c = client(redis.current.url);
    try {
      await c.connect();
      expect(await c.set('twin:1', 'whole')).toBe('OK');
      expect(await c.get('twin:1')).toBe('whole');
      expect(await c.get('twin:absent')).toBeNull();
    } finally {
      c.disconnect();
    }
  });

  it('keeps nothing on disk unless asked', async () => {
    const c = client(redis.current.url);
    try {
      await c.connect();
      expect(await c.config('GET', 'save')).toEqual(['save', '']);
      expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      expect(await readdir(redis.current.dir)).toEqual([]);
    } finally {
      c.disconnect();
    }
  });

  it('keeps an append-only file when asked, and stop() ends the server and removes its directory', async () => {
    const server = await startRedisServer({ persist: true });
    const c = client(server.url);
    try {
      await c.connect();
      await c.set('k', 'v');
      expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect((await readdir(server.dir)).length).toBeGreaterThan(0);
    } finally {
      c.disconnect();
      await server.stop();
    }
    expect(await refused(server.port)).toBe(true);
    expect(existsSync(server.dir)).toBe(false);
    await server.stop(); // a second stop (an afterAll after a test's own stop) is harmless
  });

  it('gives each server its own port and directory', async () => {
    const other = await startRedisServer();
    try {
      expect(other.port).not.toBe(redis.current.port);
      expect(other.dir).not.toBe(redis.current.dir);
    } finally {
      await other.stop();
    }
  });
});

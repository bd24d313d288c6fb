// The ioredis client of the Redis twin store, set up so that no tool call waits on Redis for long: a
// bounded connect and command timeout, one retry per command, reconnects with capped backoff in the
// background, and every failure turned into a TwinsegError that names TWINSEG_STORE.
import { Redis } from 'ioredis';
import { TwinsegError, errorMessage } from '../../errors.js';

export interface RedisConnectionOptions {
  url: string;
  /** Limit for connecting and for each command, in ms. */
  timeoutMs: number;
  log: (msg: string) => void;
}

/** The URL with any password replaced, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'the configured Redis URL';
  }
}

export interface RedisConnection {
  client: Redis;
  /** Why the connection is down, when it is (e.g. "connect ECONNREFUSED 127.0.0.1:6379"). */
  outage(): string | undefined;
}

export function openRedis(opts: RedisConnectionOptions): RedisConnection {
  const where = redactedUrl(opts.url);
  const client = new Redis(opts.url, {
    lazyConnect: true,
    connectTimeout: opts.timeoutMs,
    commandTimeout: opts.timeoutMs,
    // A command fails after one reconnect attempt instead of queueing for the next 20.
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
  });
  // One line per outage, not one per reconnect attempt (ioredis would otherwise print them itself).
  let down: string | undefined;
  client.on('error', (e: Error) => {
    if (down) return;
    down = errorMessage(e);
    opts.log(`twin store: Redis at ${where} is unreachable (${errorMessage(e)}); retrying in the background.`);
  });
  client.on('ready', () => {
    if (down) opts.log(`twin store: Redis at ${where} is reachable again.`);
    down = undefined;
  });
  return { client, outage: () => down };
}

/** Any failure of a Redis call as a TwinsegError saying what was being done and how to fix it. */
export function storeError(url: string, doing: string, e: unknown, outage?: string): TwinsegError {
  if (e instanceof TwinsegError) return e;
  // "Reached the max retries per request limit" says less than the connection error behind it.
  const why = outage ? `unreachable: ${outage}` : `failed: ${errorMessage(e)}`;
  return new TwinsegError('IO_ERROR', `The twin store could not ${doing}: Redis at ${redactedUrl(url)} ${why}.`, {
    hint: 'Check that Redis is running and reachable at TWINSEG_STORE, or unset TWINSEG_STORE to keep twins on this machine.',
    cause: e,
  });
}

/** Closes politely when Redis answers, at once when it does not. */
export async function closeRedis(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  const timer = setTimeout(() => client.disconnect(), timeoutMs);
  try {
    await client.quit();
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

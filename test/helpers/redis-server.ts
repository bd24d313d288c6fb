// A real Redis for tests: Debian's redis-server on a free loopback port with a temporary directory, ready
// once it answers PING, gone (process and directory) after stop(). Where redis-server is not installed,
// skipWithoutRedis() says so in one line and the Redis tests skip; .ci/run installs it.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Its working directory (where an AOF would go), removed by stop(). */
  dir: string;
  pid: number;
  /** Stops the server and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Keep an append-only file (fsync every write) in dir; default: nothing on disk. */
  persist?: boolean;
}

const START_LIMIT_MS = 20_000;
const PORT_TRIES = 5;

export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, 'redis-server');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

let warned = false;
/** True (after one line on stderr) when redis-server is missing; for describe.skipIf. */
export function skipWithoutRedis(): boolean {
  if (findRedisServer()) return false;
  if (!warned) console.warn('Redis tests skipped: redis-server is not installed (apt-get install -y redis-server; .ci/run does this).');
  warned = true;
  return true;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket: true on +PONG, false on anything else (refused, LOADING, ...). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function startOnce(binary: string, port: number, dir: string, opts: RedisServerOptions): Promise<RedisServer | 'port-taken'> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    opts.persist ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--daemonize',
    'no',
    '--logfile',
    '',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  // A test worker that ends without teardown must not leave a server running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(force);
    }
  };

  const deadline = Date.now() + START_LIMIT_MS;
  while (!(await pong(port))) {
    if (exited) {
      await stop();
      if (/address already in use/i.test(log)) return 'port-taken';
      throw new Error(`redis-server exited before answering PING on port ${port}:\n${log}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not answer PING on port ${port} within ${START_LIMIT_MS} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: `redis://127.0.0.1:${port}`, port, dir, pid: child.pid ?? -1, stop };
}

export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server is not installed (apt-get install -y redis-server).');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'twinseg-redis-'));
  try {
    // The free port can be taken between probing and binding; then another one is tried.
    for (let attempt = 0; attempt < PORT_TRIES; attempt++) {
      const server = await startOnce(binary, await freePort(), dir, opts);
      if (server === 'port-taken') continue;
      return {
        ...server,
        stop: async () => {
          await server.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    throw new Error(`redis-server found no free loopback port in ${PORT_TRIES} tries.`);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * A Redis for the enclosing describe block: started before its tests, stopped after them whether they pass
 * or fail. Read `.current` inside tests.
 */
export function useRedisServer(opts: RedisServerOptions = {}): { current: RedisServer } {
  const holder = {} as { current: RedisServer };
  beforeAll(async () => {
    holder.current = await startRedisServer(opts);
  });
  afterAll(async () => {
    await holder.current?.stop();
  });
  return holder;
}

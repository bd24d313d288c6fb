// One `twinseg serve --http 0` replica as a child process of the built CLI (dist/cli.js), as an operator
// would start it: ready once it prints its URL, stopped with SIGTERM (SIGKILL after 5 s), and killed
// when the test process exits so that no replica outlives its test.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const CLI = path.resolve('dist/cli.js');
const START_LIMIT_MS = 30_000;

export interface Replica {
  /** http://127.0.0.1:PORT/mcp */
  url: string;
  origin: string;
  child: ChildProcess;
  /** What it printed on stderr so far (the last 20 kB). */
  stderr(): string;
  stop(): Promise<void>;
}

export async function startReplica(env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '0'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(force);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replica did not start within ${START_LIMIT_MS} ms:\n${err}`)), START_LIMIT_MS);
      child.stderr!.on('data', (d: Buffer) => {
        err = (err + d.toString()).slice(-20_000);
        const m = /MCP over Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`replica exited (${code ?? signal}) before it was ready:\n${err}`));
      });
    });
    return { url, origin: new URL(url).origin, child, stderr: () => err, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

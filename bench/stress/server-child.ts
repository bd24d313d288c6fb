// `twinseg serve --http` as a child process, as a user runs it: the soak measures that process alone
// (its memory and handles), not the client load generator beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const CLI = path.resolve('dist/cli.js');

export interface ServerChild {
  pid: number;
  url: string;
  /** Everything the server wrote to stderr. */
  log: string[];
  connect(name: string): Promise<Client>;
  /** Ends the session on the server (HTTP DELETE), then the client. */
  disconnect(client: Client): Promise<void>;
  stop(): Promise<number | null>;
}

/** `cli`: another build's dist/cli.js, to measure it the same way. */
export async function startServerChild(env: Record<string, string>, token: string, cli = CLI): Promise<ServerChild> {
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--http', '0'], {
    env: { ...process.env, ...env, TWINSEG_TOKEN: token },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  let pending = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`twinseg serve exited (${code}) before listening:\n${log.join('\n')}`)));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        log.push(line);
        const m = /MCP over Streamable HTTP at (\S+)/.exec(line);
        if (m) resolve(m[1]!);
      }
    });
  });
  const transports = new WeakMap<Client, StreamableHTTPClientTransport>();
  return {
    pid: child.pid!,
    url,
    log,
    async connect(name) {
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      });
      const client = new Client({ name, version: '1.0.0' });
      await client.connect(transport);
      transports.set(client, transport);
      return client;
    },
    async disconnect(client) {
      await transports.get(client)?.terminateSession();
      await client.close();
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

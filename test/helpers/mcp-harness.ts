// An in-process MCP client wired to createServer over InMemoryTransport, with a recording twin service (the real one over a scripted segmenter) and
// a temporary root, so tool tests run in milliseconds.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { createAppContext, type AppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/server/server.js';
import type { ClientRootsMode } from '../../src/roots/session-roots.js';
import { RecordingTwinService, scenePng, TINY_PNG, type ScriptedSegmenterOptions } from './recording-twin-service.js';

export interface Harness {
  client: Client;
  recording: RecordingTwinService;
  app: AppContext;
  /** A temporary allowed root holding photo.png (the 20×10 scene). */
  root: string;
  /** A temporary directory outside every root. */
  outside: string;
  logs: string[];
  call(name: string, args: Record<string, unknown>, opts?: Parameters<Client['callTool']>[2]): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

export async function startHarness(
  opts: {
    /** How the recording service's scripted segmenter behaves. */
    scripted?: ScriptedSegmenterOptions;
    clientRoots?: string[];
    env?: Record<string, string>;
    /** What the client's roots do to the server's (createServer's clientRoots; default: narrow, as TWINSEG_ROOTS is set). */
    clientRootsMode?: ClientRootsMode;
    capabilities?: ClientCapabilities;
  } = {},
): Promise<Harness> {
  const root = await tempDir('twinseg-root-');
  const outside = await tempDir('twinseg-outside-');
  await fs.writeFile(path.join(root, 'photo.png'), await scenePng());
  await fs.writeFile(path.join(outside, 'secret.png'), TINY_PNG);
  const config = loadConfig({
    TWINSEG_HOME: path.join(root, '.home'),
    TWINSEG_ROOTS: root,
    TWINSEG_OUTPUT_DIR: path.join(root, 'out'),
    ...opts.env,
  });
  const recording = new RecordingTwinService(opts.scripted, { maxImageBytes: config.maxImageBytes, maxImagePixels: config.maxImagePixels });
  const logs: string[] = [];
  const app = await createAppContext(config, { twins: recording, log: (m) => logs.push(m) });
  const server = createServer(app, opts.clientRootsMode ? { clientRoots: opts.clientRootsMode } : {});
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client(
    { name: 'twinseg-test', version: '1.0.0' },
    { capabilities: { ...opts.capabilities, ...(opts.clientRoots ? { roots: { listChanged: true } } : {}) } },
  );
  if (opts.clientRoots) {
    const { ListRootsRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const roots = opts.clientRoots;
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: roots.map((r) => ({ uri: `file://${r}`, name: path.basename(r) })) }));
  }
  await client.connect(clientTransport);
  return {
    client,
    recording,
    app,
    root,
    outside,
    logs,
    call: async (name, args, callOpts) => (await client.callTool({ name, arguments: args }, undefined, callOpts)) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
      await fs.rm(root, { recursive: true, force: true });
      await fs.rm(outside, { recursive: true, force: true });
    },
  };
}

/** The text of every text block of a result, joined. */
export function textOf(r: CallToolResult): string {
  return r.content
    .filter((c): c is { type: 'text'; text: string } => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
}

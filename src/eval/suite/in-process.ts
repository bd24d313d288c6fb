// The real MCP server (real twin service, real model) wired to an SDK client in this process over the
// SDK's in-memory transport: the same tools a host reaches over stdio, without a child process.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createAppContext } from '../../app-context.js';
import type { Config } from '../../config.js';
import { createServer } from '../../server/server.js';
import { fixedRoots } from '../../roots/session-roots.js';
import type { Twin } from '../../twin/scene-model.js';
import type { ToolPort } from './agent.js';

export interface InProcessServer extends ToolPort {
  /** A twin with its masks, for diagnosis only (what the best single object could have scored); plans never see it. */
  twin(id: string): Promise<Twin>;
  /** The execution provider the model loaded on (cpu, cuda, …), once a build has run. */
  provider(): Promise<string>;
  close(): Promise<void>;
}

export async function startInProcessServer(config: Config): Promise<InProcessServer> {
  const app = await createAppContext(config, { log: () => undefined });
  const server = createServer(app, { roots: fixedRoots(config.roots) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'twinseg-suite', version: '1.0.0' });
  await client.connect(clientSide);
  return {
    call: async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    readText: async (uri) => {
      const r = await client.readResource({ uri });
      const c = r.contents[0];
      if (!c || !('text' in c)) throw new Error(`resource ${uri} has no text`);
      return c.text;
    },
    twin: (id) => app.twins.get(id),
    provider: async () => {
      const twins = app.twins as { segmenter?: () => Promise<{ provider: string }> };
      return twins.segmenter ? (await twins.segmenter()).provider : 'unknown';
    },
    close: async () => {
      await client.close();
      await server.close();
      await app.close();
    },
  };
}

// A real twinseg server (createServer, the real twin service, store, pictures and resources) on a drawn
// scene large enough to look at, with the scripted four-token predictor in place of SAM so that clicks
// give known masks and alternatives in milliseconds. Its client declares MCP Apps, as a host that
// renders views does.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createAppContext, type AppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { segmenterFromPredictor } from '../../src/perception/segmenter.js';
import { createServer } from '../../src/server/server.js';
import { createTwinService } from '../../src/twin/twin-service.js';
import { DRAWN_H, DRAWN_SHAPES, DRAWN_W, drawnScenePng } from './drawn-twin-server.js';
import { createFakeTokenPredictor, type Shape } from './fake-predictor.js';
import { tempDir } from './mcp-harness.js';

/** The drawn scene ten times larger: a red table with a blue window in it (a part), a green disc, a grey post. */
const SCALE = 10;
export const SCENE_W = DRAWN_W * SCALE;
export const SCENE_H = DRAWN_H * SCALE;
export const SCENE_SHAPES: Shape[] = DRAWN_SHAPES.map((s) =>
  s.kind === 'disc'
    ? { kind: 'disc', cx: s.cx * SCALE, cy: s.cy * SCALE, r: s.r * SCALE }
    : { kind: 'rect', x1: s.x1 * SCALE, y1: s.y1 * SCALE, x2: s.x2 * SCALE, y2: s.y2 * SCALE },
);

export const MCP_APPS_CAPABILITIES = { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: ['text/html;profile=mcp-app'] } } };

export interface SceneServer {
  client: Client;
  app: AppContext;
  /** The scene as a PNG file inside the allowed root. */
  photo: string;
  root: string;
  /** Every request the client sent, in order (the view's relayed calls among them). */
  sent: JSONRPCMessage[];
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function startSceneServer(): Promise<SceneServer> {
  const root = await tempDir('twinseg-view-root-');
  const photo = path.join(root, 'scene.png');
  await fs.writeFile(photo, await drawnScenePng(SCENE_W, SCENE_H, SCENE_SHAPES));
  const config = loadConfig({ TWINSEG_HOME: path.join(root, '.home'), TWINSEG_ROOTS: root, TWINSEG_OUTPUT_DIR: path.join(root, 'out') });
  const log = () => undefined;
  const twins = await createTwinService(config, { log, segmenter: segmenterFromPredictor(createFakeTokenPredictor(SCENE_SHAPES)) });
  const app = await createAppContext(config, { twins, log });
  const server = createServer(app);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const sent: JSONRPCMessage[] = [];
  const send = clientTransport.send.bind(clientTransport);
  clientTransport.send = (message, options) => {
    sent.push(message);
    return send(message, options);
  };
  await server.connect(serverTransport);
  const client = new Client({ name: 'twinseg-view-test-host', version: '1.0.0' }, { capabilities: MCP_APPS_CAPABILITIES });
  await client.connect(clientTransport);
  return {
    client,
    app,
    photo,
    root,
    sent,
    call: async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
      await app.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

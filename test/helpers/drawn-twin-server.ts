// The real server wiring (createServer, createAppContext, the real twin service and store) on a small
// drawn image, with a scripted predictor instead of the SAM model: every layer runs for real except
// the neural network, so a call costs milliseconds. The predictor checks prompts exactly as the ONNX
// predictor does (promptToDecoderArrays), so out-of-image points fail the same way.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import sharp from 'sharp';
import { createAppContext, type AppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { promptToDecoderArrays } from '../../src/perception/sam/sam-preprocess.js';
import { segmenterFromPredictor } from '../../src/perception/segmenter.js';
import type { SamPredictor } from '../../src/perception/sam/predictor-interface.js';
import { createServer } from '../../src/server/server.js';
import type { Segmenter } from '../../src/perception/contract.js';
import { createTwinService } from '../../src/twin/twin-service.js';
import { createFakePredictor, signedDistance, type Shape } from './fake-predictor.js';
import { tempDir } from './mcp-harness.js';

export const DRAWN_W = 48;
export const DRAWN_H = 32;

/** A table (rect) with a window in it (a part), a disc and a post: wholes, a part and neighbours. */
export const DRAWN_SHAPES: Shape[] = [
  { kind: 'rect', x1: 0, y1: 0, x2: 26, y2: 28 },
  { kind: 'rect', x1: 6, y1: 8, x2: 14, y2: 16 },
  { kind: 'disc', cx: 37, cy: 16, r: 8 },
  { kind: 'rect', x1: 44, y1: 2, x2: 47, y2: 30 },
];

const COLOURS: [number, number, number][] = [
  [200, 30, 30],
  [30, 60, 200],
  [20, 160, 20],
  [128, 128, 128],
];

/** The drawn scene as a PNG, shapes painted in order over white. */
export async function drawnScenePng(width = DRAWN_W, height = DRAWN_H, shapes = DRAWN_SHAPES): Promise<Buffer> {
  const rgb = new Uint8Array(width * height * 3).fill(255);
  shapes.forEach((s, i) => {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) if (signedDistance(s, x, y) > 0) rgb.set(COLOURS[i % COLOURS.length]!, (y * width + x) * 3);
    }
  });
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The scripted predictor, refusing prompts the real decoder refuses. */
export function checkedPredictor(shapes: Shape[]): SamPredictor {
  const inner = createFakePredictor(shapes);
  return {
    modelName: 'drawn',
    provider: 'cpu',
    embed: (image, signal) => inner.embed(image, signal),
    decode: async (embedding, prompt) => {
      promptToDecoderArrays(prompt, embedding.width, embedding.height, { scaleX: 1, scaleY: 1 });
      return inner.decode(embedding, prompt);
    },
  };
}

export interface DrawnServer {
  client: Client;
  app: AppContext;
  /** Allowed root: photo.png, a unicode-named copy, sub/, symlinks in and out. */
  root: string;
  /** Outside every root: secret.png, and whatever must never be written. */
  outside: string;
  home: string;
  photo: Buffer;
  logs: string[];
  close(): Promise<void>;
}

/** `segmenter` replaces the scripted single-mask predictor (e.g. one with SAM's four tokens). */
export async function startDrawnServer(env: Record<string, string> = {}, segmenter?: Segmenter): Promise<DrawnServer> {
  const root = await tempDir('twinseg-drawn-root-');
  const outside = await tempDir('twinseg-drawn-outside-');
  const home = await tempDir('twinseg-drawn-home-');
  const photo = await drawnScenePng();
  await fs.writeFile(path.join(root, 'photo.png'), photo);
  await fs.writeFile(path.join(root, 'фото 📷.png'), photo);
  await fs.mkdir(path.join(root, 'sub'));
  await fs.writeFile(path.join(root, 'sub', 'b.png'), photo);
  await fs.writeFile(path.join(outside, 'secret.png'), photo);
  await fs.symlink(path.join(outside, 'secret.png'), path.join(root, 'link-out.png'));
  await fs.symlink(outside, path.join(root, 'door'));
  await fs.symlink(path.join(root, 'photo.png'), path.join(root, 'link-in.png'));
  const config = loadConfig({
    TWINSEG_HOME: home,
    TWINSEG_ROOTS: root,
    TWINSEG_OUTPUT_DIR: path.join(root, 'out'),
    ...env,
  });
  const logs: string[] = [];
  const log = (m: string) => logs.push(m);
  const twins = await createTwinService(config, { log, segmenter: segmenter ?? segmenterFromPredictor(checkedPredictor(DRAWN_SHAPES)) });
  const app = await createAppContext(config, { twins, log });
  const server = createServer(app);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'twinseg-fuzz', version: '1.0.0' });
  await client.connect(clientTransport);
  return {
    client,
    app,
    root,
    outside,
    home,
    photo,
    logs,
    close: async () => {
      await client.close();
      await server.close();
      await app.close();
      for (const d of [root, outside, home]) await fs.rm(d, { recursive: true, force: true });
    },
  };
}

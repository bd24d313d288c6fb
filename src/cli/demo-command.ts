// `twinseg demo`: a first run a newcomer can see. It draws a scene (so it needs no picture of one's own),
// builds its digital twin with the real model, writes the scene and its set-of-marks picture, prints
// the objects, and says how to connect an MCP host next.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { fileSource } from '../perception/image-input.js';
import { drawScene } from '../scenes/scene.js';
import { LOCAL_USER_ACCESS } from '../twin/twin-service-api.js';
import { interruptSignal, parseCommandArgs, UsageError, withApp, type CliCommand } from './cli-io.js';
import { progressDisplay } from './progress-display.js';

/** A folder that does not exist yet: `base`, else `base-2`, `base-3`, … (the demo never replaces files). */
async function freshDir(base: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await fs.mkdir(dir, { recursive: false });
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new UsageError(`Too many ${base}-N folders; pass --out with a new folder name.`);
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Draw a scene, build its twin, and write the scene and its marks picture (a first run to look at)',
  usage: 'demo [--out DIR] [--seed N]',
  help: [
    'Options:',
    '  --out DIR    Folder to write into (default ./twinseg-demo, or -2, -3, … if it exists; nothing is replaced)',
    '  --seed N     Which scene to draw (default 7); the same seed draws the same scene',
    '',
    'Writes DIR/scene.png and DIR/marks.jpg (each object id drawn on its object) and prints the twin.',
  ].join('\n'),
  async run(args, io, config) {
    const { values } = parseCommandArgs(args, { out: { type: 'string' }, seed: { type: 'string' } });
    const seed = values.seed === undefined ? 7 : Number(values.seed);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed needs a whole number; got "${values.seed}".`);
    const cfg = config();
    const dir = await freshDir(path.resolve(values.out ?? 'twinseg-demo'));
    const scene = await drawScene({ seed, width: 800, height: 600, objects: 5 });
    const scenePath = path.join(dir, 'scene.png');
    await writeFileAtomic(scenePath, scene.picture.data, { replace: false });
    return withApp(cfg, io, async (app) => {
      const progress = progressDisplay(io, 'building');
      const stop = interruptSignal();
      const outcome = await app.twins
        .build({ image: fileSource(scenePath) }, { signal: stop.signal, onProgress: (p) => progress.update(p) })
        .finally(() => {
          progress.stop();
          stop.dispose();
        });
      const { twin } = outcome;
      const marksPath = path.join(dir, 'marks.jpg');
      await writeFileAtomic(marksPath, (await app.twins.marks(twin.id, { access: LOCAL_USER_ACCESS })).data, { replace: false });
      const seconds = outcome.stats ? ` in ${(outcome.stats.totalMs / 1000).toFixed(1)} s` : '';
      io.stdout(
        `Drew a scene of ${scene.objects
          .filter((o) => o.role === 'whole')
          .map((o) => o.name)
          .join(', ')}: ${scenePath}\n`,
      );
      io.stdout(
        `Built twin ${twin.id}${seconds}: ${twin.objects.length} objects (${twin.objects.filter((o) => o.level === 'part').length} of them parts).\n`,
      );
      io.stdout(`Open ${marksPath} to see each object's id on it.\n\n`);
      io.stdout(
        `Try the tools from this shell:  twinseg call filter_objects '{"twin_id": "${twin.id}", "query": {"where": {"level": "whole"}}}'\n\n`,
      );
      io.stdout('Next, connect an MCP host:\n');
      io.stdout('  npx twinseg mcp-config --host claude-code      # prints the `claude mcp add` line to run\n');
      io.stdout('  npx twinseg mcp-config --host claude-desktop   # prints the JSON (cursor, vscode, codex, http too)\n');
      io.stdout(
        `Then ask the host, e.g.: "Segment the ${scene.objects.find((o) => o.role === 'whole')?.name ?? 'biggest object'} in ${scenePath}".\n`,
      );
      return 0;
    });
  },
};

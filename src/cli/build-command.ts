// `twinseg build IMAGE`: the digital twin of an image, as a table or JSON, and optionally its marks picture.
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { PRESET_NAMES } from '../config.js';
import type { Progress } from '../perception/types.js';
import { GRANULARITIES } from '../twin/service-types.js';
import { interruptSignal, need, oneOf, parseCommandArgs, withApp, type CliCommand, type CliIo } from './cli-io.js';

function progressPrinter(io: CliIo): (p: Progress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 250 && p.done < p.total) return;
    last = now;
    io.stderr(`  ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}\n`);
  };
}

export const buildCommand: CliCommand = {
  name: 'build',
  summary: 'Build the digital twin of an image and print it',
  usage: `build IMAGE [--json] [--marks OUT.png] [--preset ${PRESET_NAMES.join('|')}] [--granularity ${GRANULARITIES.join('|')}]`,
  help: [
    'Options:',
    '  --json                 Print the compact twin as JSON instead of a table',
    '  --marks FILE           Also write the set-of-marks picture (each object id drawn on its object)',
    `  --preset NAME          ${PRESET_NAMES.join(', ')} (default: TWINSEG_PRESET or balanced)`,
    `  --granularity NAME     ${GRANULARITIES.join(', ')}: whole objects only, or their parts too`,
    '',
    'Example: twinseg build photo.jpg --marks marks.png',
  ].join('\n'),
  async run(args, io, config) {
    const { values, positionals } = parseCommandArgs(
      args,
      { json: { type: 'boolean' }, marks: { type: 'string' }, preset: { type: 'string' }, granularity: { type: 'string' } },
      true,
    );
    const image = need(positionals[0], 'IMAGE (a path to an image file)');
    // Left undefined when not given, exactly as an MCP call would, so both find the same cached twin.
    const preset = values.preset === undefined ? undefined : oneOf(values.preset, PRESET_NAMES, '--preset', 'balanced');
    const granularity =
      values.granularity === undefined ? undefined : oneOf(values.granularity, GRANULARITIES, '--granularity', 'parts');
    const { compactView } = await import('../twin/views.js');
    return withApp(config(), io, async (app) => {
      const stop = interruptSignal();
      try {
        const imageArg = /^data:|^file:/i.test(image) ? image : path.resolve(image);
        const outcome = await app.twins.build(
          { image: imageArg, preset, granularity },
          { signal: stop.signal, onProgress: progressPrinter(io) },
        );
        const { twin } = outcome;
        if (values.marks) {
          const marks = await app.twins.marks(twin.id, { maxSide: 1568 });
          await writeFileAtomic(path.resolve(values.marks), marks.data);
          io.stderr(`marks image written to ${path.resolve(values.marks)}\n`);
        }
        const view = compactView(twin);
        if (values.json) {
          io.stdout(`${JSON.stringify({ ...view, cached: outcome.cached, stats: outcome.stats })}\n`);
          return 0;
        }
        io.stdout(`twin ${twin.id}${outcome.cached ? ' (cached)' : ''}\n`);
        io.stdout(`image ${twin.image.width}x${twin.image.height}, ${twin.objects.length} objects\n`);
        io.stdout('id\tlevel\tparent\tbbox\tarea%\tposition\tcolor\tlabel\n');
        for (const o of view.objects) {
          io.stdout(`${o.id}\t${o.level}\t${o.parent ?? '-'}\t${o.bbox.join(',')}\t${o.area_pct}\t${o.position}\t${o.color}\t${o.label ?? ''}\n`);
        }
        return 0;
      } finally {
        stop.dispose();
      }
    });
  },
};

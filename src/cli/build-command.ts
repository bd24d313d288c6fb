// `twinseg build IMAGE`: the digital twin of an image, as a table or JSON, and optionally its marks picture.
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { PRESET_NAMES } from '../config.js';
import { decodeToRgb, encodeRaw, PICTURE_MIME } from '../image/codec.js';
import type { Picture } from '../twin/service-types.js';
import { GRANULARITIES, LOCAL_USER_ACCESS } from '../twin/service-types.js';
import { interruptSignal, need, oneOf, parseCommandArgs, withApp, type CliCommand } from './cli-io.js';
import { progressDisplay } from './progress-display.js';

/** The picture's bytes in the format the file name asks for (.png, .webp; JPEG otherwise). */
async function pictureForFile(picture: Picture, file: string): Promise<Uint8Array> {
  const ext = path.extname(file).toLowerCase();
  const format = ext === '.png' ? 'png' : ext === '.webp' ? 'webp' : 'jpeg';
  if (PICTURE_MIME[format] === picture.mime) return picture.data;
  const raw = await decodeToRgb(picture.data, { maxPixels: picture.width * picture.height, background: { r: 255, g: 255, b: 255 } });
  return encodeRaw(raw, format, { quality: 90, fullChroma: true });
}

export const buildCommand: CliCommand = {
  name: 'build',
  summary: 'Build the digital twin of an image and print it',
  usage: `build IMAGE [--json] [--marks OUT.png] [--preset ${PRESET_NAMES.join('|')}] [--granularity ${GRANULARITIES.join('|')}]`,
  help: [
    'Options:',
    '  --json                 Print the compact twin as JSON instead of a table',
    '  --marks FILE           Also write the set-of-marks picture (each object id drawn on its object);',
    '                         .png and .webp give those formats, any other name JPEG',
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
      const progress = progressDisplay(io, 'building');
      try {
        const imageArg = /^data:|^file:/i.test(image) ? image : path.resolve(image);
        const outcome = await app.twins
          .build({ image: imageArg, preset, granularity }, { signal: stop.signal, onProgress: (p) => progress.update(p) })
          .finally(() => progress.stop());
        const { twin } = outcome;
        if (values.marks) {
          const file = path.resolve(values.marks);
          await writeFileAtomic(file, await pictureForFile(await app.twins.marks(twin.id, { maxSide: 1568, access: LOCAL_USER_ACCESS }), file));
          io.stderr(`marks picture written to ${file}\n`);
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

// `twinseg build IMAGE`: the digital twin of an image, as a table or JSON, and optionally its marks picture.
import path from 'node:path';
import { PRESET_NAMES } from '../config.js';
import { decodeToRgb, encodeRaw, PICTURE_MIME } from '../image/codec.js';
import { toTwinsegError } from '../errors.js';
import { classifyImageSource, type ImageSource } from '../perception/image-input.js';
import type { BuildOutcome, Picture } from '../twin/twin-service-api.js';
import { GRANULARITIES, LOCAL_USER_ACCESS } from '../twin/twin-service-api.js';
import { cliWords } from './cli-words.js';
import {
  interruptSignal,
  need,
  oneOf,
  parseCommandArgs,
  refuseExisting,
  UsageError,
  withApp,
  writeUserFile,
  type CliCommand,
} from './cli-io.js';
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
  summary: 'Build the digital twin of one or more images and print it',
  usage: `build IMAGE… [--json] [--marks OUT.png [--force]] [--preset ${PRESET_NAMES.join('|')}] [--granularity ${GRANULARITIES.join('|')}]`,
  help: [
    'Options:',
    '  --json                 Print the compact twin as JSON instead of a table (one line per image)',
    '  --marks FILE           Also write the set-of-marks picture (each object id drawn on its object);',
    '                         .png and .webp give those formats, any other name JPEG. One image only',
    '  --force                Replace the --marks file if it exists',
    `  --preset NAME          ${PRESET_NAMES.join(', ')} (default: TWINSEG_PRESET or balanced)`,
    `  --granularity NAME     ${GRANULARITIES.join(', ')}: whole objects only, or their parts too`,
    '',
    'Several images are built one after the other; one that fails is reported and the rest still run',
    '(exit 1 if any failed). The twins are kept in TWINSEG_HOME for `twinseg mask` and `twinseg call`.',
    '',
    'Example: twinseg build photo.jpg --marks marks.png',
  ].join('\n'),
  async run(args, io, config) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        json: { type: 'boolean' },
        marks: { type: 'string' },
        force: { type: 'boolean' },
        preset: { type: 'string' },
        granularity: { type: 'string' },
      },
      true,
    );
    need(positionals[0], 'IMAGE (a path to an image file)');
    if (values.marks && positionals.length > 1) {
      throw new UsageError(
        `--marks names one file, and ${positionals.length} images were given: build them one at a time to write each one's marks picture.`,
      );
    }
    // Left undefined when not given, exactly as an MCP call would, so both find the same cached twin.
    const preset = values.preset === undefined ? undefined : oneOf(values.preset, PRESET_NAMES, '--preset', 'balanced');
    const granularity = values.granularity === undefined ? undefined : oneOf(values.granularity, GRANULARITIES, '--granularity', 'parts');
    const marksFile = values.marks === undefined ? undefined : path.resolve(values.marks);
    if (marksFile) refuseExisting([marksFile], values.force);
    const { compactView } = await import('../twin/views.js');
    return withApp(config(), io, async (app) => {
      const stop = interruptSignal();
      let failed = 0;
      try {
        for (const image of positionals) {
          let outcome: BuildOutcome;
          try {
            const source = localImage(image);
            const progress = progressDisplay(io, positionals.length > 1 ? `building ${path.basename(image)}` : 'building');
            outcome = await app.twins
              .build({ image: source, preset, granularity }, { signal: stop.signal, onProgress: (p) => progress.update(p) })
              .finally(() => progress.stop());
          } catch (e) {
            // Ctrl-C ends the whole run; one bad image among several does not.
            if (positionals.length === 1 || stop.signal.aborted) throw e;
            const err = toTwinsegError(e);
            io.stderr(`twinseg: ${image}: ${err.code}: ${cliWords(err.fullMessage)}\n`);
            failed++;
            continue;
          }
          const { twin } = outcome;
          if (marksFile) {
            await writeUserFile(
              marksFile,
              await pictureForFile(await app.twins.marks(twin.id, { maxSide: 1568, access: LOCAL_USER_ACCESS }), marksFile),
              values.force,
            );
            io.stderr(`marks picture written to ${marksFile}\n`);
          }
          const view = compactView(twin);
          if (values.json) {
            io.stdout(`${JSON.stringify({ ...view, cached: outcome.cached, stats: outcome.stats })}\n`);
            continue;
          }
          if (positionals.length > 1) io.stdout(`${image}\n`);
          io.stdout(`twin ${twin.id}${outcome.cached ? ' (cached)' : ''}\n`);
          io.stdout(`image ${twin.image.width}x${twin.image.height}, ${twin.objects.length} objects\n`);
          io.stdout('id\tlevel\tparent\tbbox\tarea%\tposition\tcolor\tlabel\n');
          for (const o of view.objects) {
            io.stdout(
              `${o.id}\t${o.level}\t${o.parent ?? '-'}\t${o.bbox.join(',')}\t${o.area_pct}\t${o.position}\t${o.color}\t${o.label ?? ''}\n`,
            );
          }
        }
        if (failed) io.stderr(`twinseg: ${failed} of ${positionals.length} images failed.\n`);
        return failed ? 1 : 0;
      } finally {
        stop.dispose();
      }
    });
  },
};

/** The argument as the tools read theirs; a path made absolute, so a second build of the file finds its twin unread. */
function localImage(arg: string): ImageSource {
  const src = classifyImageSource(arg);
  return src.kind === 'path' ? { kind: 'path', path: path.resolve(src.path) } : src;
}

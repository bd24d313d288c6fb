// `twinseg mask TWIN IDS --out FILE`: the combined mask of objects of a built twin, written to a file in
// any of get_mask's formats, with the same bytes get_mask and the twin://…/mask resource give.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { maskPayload } from '../tools/masks/mask-payload.js';
import { LOCAL_USER_ACCESS, MASK_FORMATS, MASK_OPS, type MaskFormat, type MaskOp } from '../twin/twin-service-api.js';
import { need, oneOf, parseCommandArgs, UsageError, withApp, writeUserFile, type CliCommand } from './cli-io.js';

export const maskCommand: CliCommand = {
  name: 'mask',
  summary: 'Write the mask of objects (IDS like 3,7) of a built twin',
  usage: `mask TWIN IDS --out FILE [--op ${MASK_OPS.join('|')}] [--exclude IDS] [--format ${MASK_FORMATS.join('|')}] [--crop] [--force]`,
  help: [
    'Options:',
    '  --out FILE      Where to write the mask (never over an existing file unless --force)',
    `  --op NAME       ${MASK_OPS.join(', ')} (default union; difference = first id minus the others)`,
    '  --exclude IDS   Objects taken away from the result, e.g. 70 or 5,6',
    '  --format NAME   png: binary mask (PNG); rle: COCO RLE (JSON); polygon: rings in pixels (JSON);',
    "                  cutout: the image's pixels on transparency (PNG); overlay: the objects tinted on the",
    '                  image, each id in its own colour (JPEG). Default png',
    '  --crop          overlay: crop to the objects and enlarge',
    '  --force         Replace FILE if it exists',
    '',
    'Example: twinseg mask tw_0123456789abcdef 3,7 --out mask.png',
  ].join('\n'),
  async run(args, io, config) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        out: { type: 'string' },
        op: { type: 'string' },
        exclude: { type: 'string' },
        format: { type: 'string' },
        crop: { type: 'boolean' },
        force: { type: 'boolean' },
      },
      true,
    );
    const twinId = need(positionals[0], 'TWIN (the twin id printed by `twinseg build`)');
    const idText = need(positionals[1], 'IDS (object ids, e.g. 3,7)');
    if (positionals.length > 2) throw new UsageError(`Unexpected argument "${positionals[2]}"; give the ids as one list, e.g. 3,7.`);
    const idList = (text: string, what: string) => {
      const ids = text.split(',').map((s) => Number(s.trim()));
      if (ids.some((n) => !Number.isInteger(n) || n <= 0))
        throw new UsageError(`${what} must be positive integers separated by commas; got "${text}".`);
      return ids;
    };
    const ids = idList(idText, 'IDS');
    const exclude = values.exclude === undefined ? [] : idList(values.exclude, '--exclude');
    const op = oneOf<MaskOp>(values.op, MASK_OPS, '--op', 'union');
    const format = oneOf<MaskFormat>(values.format, MASK_FORMATS, '--format', 'png');
    if (values.crop && format !== 'overlay') throw new UsageError('--crop applies to --format overlay only.');
    const out = path.resolve(need(values.out, '--out FILE'));
    return withApp(config(), io, async (app) => {
      const {
        outcome: m,
        mime,
        data,
      } = await maskPayload(app.twins, { twinId, ids, op, exclude, format, crop: values.crop ?? false }, LOCAL_USER_ACCESS);
      await writeUserFile(out, data, values.force);
      const summary = {
        twin_id: twinId,
        ids,
        op,
        ...(exclude.length ? { exclude } : {}),
        format,
        mime,
        area: m.area,
        bbox: m.bbox,
        file: out,
        uri: pathToFileURL(out).href,
      };
      io.stdout(`${JSON.stringify(summary)}\n`);
      return 0;
    });
  },
};

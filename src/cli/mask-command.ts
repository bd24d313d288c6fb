// `twinseg mask TWIN IDS --out FILE`: the combined mask of objects of a built twin, written to a file.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../atomic-write.js';
import { MASK_FORMATS, MASK_OPS, type MaskFormat, type MaskOp } from '../twin/service-types.js';
import { need, oneOf, parseCommandArgs, UsageError, withApp, type CliCommand } from './cli-io.js';

export const maskCommand: CliCommand = {
  name: 'mask',
  summary: 'Write the mask of objects (IDS like 3,7) of a built twin',
  usage: `mask TWIN IDS --out FILE [--op ${MASK_OPS.join('|')}] [--exclude IDS] [--format ${MASK_FORMATS.join('|')}]`,
  help: [
    'Options:',
    '  --out FILE      Where to write the mask',
    `  --op NAME       ${MASK_OPS.join(', ')} (default union; difference = first id minus the others)`,
    '  --exclude IDS   Objects taken away from the result, e.g. 70 or 5,6',
    `  --format NAME   ${MASK_FORMATS.join(', ')} (default png)`,
    '',
    'Example: twinseg mask tw_0123456789abcdef 3,7 --out mask.png',
  ].join('\n'),
  async run(args, io, config) {
    const { values, positionals } = parseCommandArgs(
      args,
      { out: { type: 'string' }, op: { type: 'string' }, exclude: { type: 'string' }, format: { type: 'string' } },
      true,
    );
    const twinId = need(positionals[0], 'TWIN (the twin id printed by `twinseg build`)');
    const idText = need(positionals[1], 'IDS (object ids, e.g. 3,7)');
    const idList = (text: string, what: string) => {
      const ids = text.split(',').map((s) => Number(s.trim()));
      if (ids.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError(`${what} must be positive integers separated by commas; got "${text}".`);
      return ids;
    };
    const ids = idList(idText, 'IDS');
    const exclude = values.exclude === undefined ? [] : idList(values.exclude, '--exclude');
    const op = oneOf<MaskOp>(values.op, MASK_OPS, '--op', 'union');
    const format = oneOf<MaskFormat>(values.format, MASK_FORMATS, '--format', 'png');
    const out = path.resolve(need(values.out, '--out FILE'));
    return withApp(config(), io, async (app) => {
      const m = await app.twins.mask({ twinId, ids, op, exclude, format });
      const data = m.png ?? JSON.stringify(m.rle ? { rle: m.rle } : { polygons: m.polygons });
      await writeFileAtomic(out, data);
      io.stdout(`${JSON.stringify({ twin_id: twinId, ids, op, ...(exclude.length ? { exclude } : {}), format, area: m.area, bbox: m.bbox, file: out, uri: pathToFileURL(out).href })}\n`);
      return 0;
    });
  },
};

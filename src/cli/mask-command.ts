// `twinseg mask TWIN IDS --out FILE`: the combined mask of objects of a built twin, written to a file.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../atomic-write.js';
import { LOCAL_USER_ACCESS, MASK_FORMATS, MASK_OPS, type MaskFormat, type MaskOp } from '../twin/service-types.js';
import { need, oneOf, parseCommandArgs, UsageError, withApp, type CliCommand } from './cli-io.js';

export const maskCommand: CliCommand = {
  name: 'mask',
  summary: 'Write the mask of objects (IDS like 3,7) of a built twin',
  usage: `mask TWIN IDS --out FILE [--op ${MASK_OPS.join('|')}] [--format ${MASK_FORMATS.join('|')}]`,
  help: [
    'Options:',
    '  --out FILE      Where to write the mask',
    `  --op NAME       ${MASK_OPS.join(', ')} (default union; difference = first id minus the others)`,
    `  --format NAME   ${MASK_FORMATS.join(', ')} (default png)`,
    '',
    'Example: twinseg mask tw_0123456789abcdef 3,7 --out mask.png',
  ].join('\n'),
  async run(args, io, config) {
    const { values, positionals } = parseCommandArgs(
      args,
      { out: { type: 'string' }, op: { type: 'string' }, format: { type: 'string' } },
      true,
    );
    const twinId = need(positionals[0], 'TWIN (the twin id printed by `twinseg build`)');
    const idText = need(positionals[1], 'IDS (object ids, e.g. 3,7)');
    const ids = idText.split(',').map((s) => Number(s.trim()));
    if (ids.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError(`IDS must be positive integers separated by commas; got "${idText}".`);
    const op = oneOf<MaskOp>(values.op, MASK_OPS, '--op', 'union');
    const format = oneOf<MaskFormat>(values.format, MASK_FORMATS, '--format', 'png');
    const out = path.resolve(need(values.out, '--out FILE'));
    return withApp(config(), io, async (app) => {
      const m = await app.twins.mask({ twinId, ids, op, format, access: LOCAL_USER_ACCESS });
      const data = m.png ?? JSON.stringify(m.rle ? { rle: m.rle } : { polygons: m.polygons });
      await writeFileAtomic(out, data);
      io.stdout(`${JSON.stringify({ twin_id: twinId, ids, op, format, area: m.area, bbox: m.bbox, file: out, uri: pathToFileURL(out).href })}\n`);
      return 0;
    });
  },
};

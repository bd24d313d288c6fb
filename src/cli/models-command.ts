// `twinseg models list|pull`: which models are known, present and verified; download one.
import { interruptSignal, need, parseCommandArgs, UsageError, type CliCommand } from './cli-io.js';

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'List known models (list [--json]) or download one (pull NAME)',
  usage: 'models list [--json] | models pull NAME',
  help: [
    'Subcommands:',
    '  list [--json]   Known models and whether their files are present and verified (* = configured)',
    "  pull NAME       Download (or verify) a model's files into TWINSEG_HOME/models, resumably",
  ].join('\n'),
  async run(args, io, config) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseCommandArgs(rest, { json: { type: 'boolean' } }, true);
    if (sub === 'list') {
      const cfg = config();
      const { listModels } = await import('../models/model-store.js');
      const models = await listModels(cfg);
      if (values.json) {
        io.stdout(`${JSON.stringify(models)}\n`);
        return 0;
      }
      for (const m of models) {
        const state = m.verified ? 'verified' : m.usable ? 'usable' : m.present ? 'CORRUPT' : 'missing';
        const mark = m.name === cfg.model ? '*' : ' ';
        io.stdout(`${mark} ${m.name}\t${m.source}\t${state}\t${m.description}\n`);
      }
      return 0;
    }
    if (sub === 'pull') {
      const name = need(positionals[0], 'NAME (see `twinseg models list`)');
      const { pullModel } = await import('../models/download.js');
      const stop = interruptSignal();
      try {
        let last = 0;
        const result = await pullModel(name, config(), {
          signal: stop.signal,
          onProgress: (p) => {
            if (Date.now() - last < 500) return;
            last = Date.now();
            const pct = p.total ? ` (${Math.floor((100 * p.bytes) / p.total)}%)` : '';
            io.stderr(`  ${p.role}: ${p.bytes} bytes${pct}\n`);
          },
        });
        io.stdout(`${JSON.stringify(result)}\n`);
        return 0;
      } finally {
        stop.dispose();
      }
    }
    throw new UsageError('Use `twinseg models list` or `twinseg models pull NAME`.');
  },
};

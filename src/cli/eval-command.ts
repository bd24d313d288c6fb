// `twinseg eval DATASET`: gIoU / cIoU of predictions against a ReasonSeg- or COCO-format dataset, and the
// twin oracle (what a perfect reasoner could reach on the twins of the dataset's images).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../app-context.js';
import { PRESET_NAMES, type PresetName } from '../config.js';
import { DATASET_FORMATS, type DatasetFormat } from '../eval/dataset.js';
import { EVAL_COLUMNS, ORACLE_COLUMNS, resultFiles, writeResultFiles } from '../eval/eval-output.js';
import { evaluatePredictions, type EvalResult } from '../eval/evaluate.js';
import { loadDataset } from '../eval/load-dataset.js';
import { runOracle, type OracleReport } from '../eval/oracle-run.js';
import { loadPredictions, type Prediction } from '../eval/predictions.js';
import { evalSummaryText, oracleText } from '../eval/summary-text.js';
import { TwinsegError } from '../errors.js';
import { fileSource } from '../perception/image-input.js';
import { interruptSignal, lineLog, need, oneOf, parseCommandArgs, refuseExisting, UsageError, withApp, type CliCommand } from './cli-io.js';

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'Score predictions (gIoU, cIoU) on a ReasonSeg or COCO dataset, or the twin oracle',
  usage: 'eval DATASET [--predictions FILE.jsonl] [--oracle [--preset NAMES]] [--queries FILE] [--out DIR [--force]] [--json]',
  help: [
    'DATASET is a folder in the ReasonSeg layout (abc.jpg beside abc.json with "text" and "shapes" labelled',
    "target/ignore, as in LISA's release) or a COCO instances .json (segmentation as RLE or polygons).",
    '',
    'Options (give --predictions, --oracle, or both):',
    '  --predictions FILE   JSON Lines, one answer per line: {"image", "query" (when an image has several),',
    '                       then "twin_id" + "ids" (+ "op"), or "rle", or "mask_path"}. A TWINSEG_TRACE file',
    '                       from the server reads as predictions (the last get_mask per image counts).',
    "  --oracle             Build twins of the dataset's images and report, per target, the best IoU of one",
    '                       object and of a greedy union: the ceiling a perfect reasoner has on those twins',
    `  --preset NAMES       Presets for --oracle, comma separated: ${PRESET_NAMES.join(', ')} (default: TWINSEG_PRESET or balanced)`,
    '  --queries FILE       COCO only: {"queries": [{"image", "query", "targets": [annotation ids], "ignore": [...]}]};',
    '                       without it every non-crowd annotation is a sample, its query the category name',
    "  --images DIR         COCO only: folder of the images (default: the instances file's folder)",
    `  --format NAME        ${DATASET_FORMATS.join(', ')} (default: a folder is reasonseg, a file coco)`,
    '  --out DIR            Also write per-sample rows (eval.csv/.json, oracle.csv/.json) and summaries there',
    '  --force              Replace those files when they exist (otherwise nothing is run)',
    '  --json               Print the summaries as JSON instead of tables',
    '',
    'gIoU is the mean per-sample IoU, cIoU the summed intersections over the summed unions (as LISA);',
    'ignore pixels count for neither; a sample with no prediction scores as an empty one; an empty target',
    "with an empty prediction scores 1. twin ids are looked up in TWINSEG_HOME, so run with the server's.",
    '',
    'Examples:',
    '  twinseg eval ReasonSeg/val --predictions answers.jsonl --out results/',
    '  twinseg eval instances.json --oracle --preset fast,balanced',
  ].join('\n'),
  async run(args, io, config) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        predictions: { type: 'string' },
        oracle: { type: 'boolean' },
        preset: { type: 'string' },
        queries: { type: 'string' },
        images: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      true,
    );
    const source = need(positionals[0], 'DATASET (a ReasonSeg folder or a COCO instances .json file)');
    if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}"; eval takes one DATASET.`);
    if (!values.predictions && !values.oracle) throw new UsageError('Give --predictions FILE, --oracle, or both.');
    const format = values.format === undefined ? undefined : oneOf<DatasetFormat>(values.format, DATASET_FORMATS, '--format', 'reasonseg');
    const presetNames = values.preset
      ?.split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    for (const p of presetNames ?? []) oneOf<PresetName>(p, PRESET_NAMES, '--preset', 'balanced');
    if (presetNames && !values.oracle) throw new UsageError('--preset applies to --oracle only.');

    const isFolder = await stat(path.resolve(source)).then(
      (st) => st.isDirectory(),
      () => undefined,
    );
    if ((values.queries || values.images) && (format ?? (isFolder ? 'reasonseg' : 'coco')) === 'reasonseg') {
      throw new UsageError('--queries and --images apply to COCO-format data only (a folder is read as ReasonSeg).');
    }

    const out = values.out === undefined ? undefined : path.resolve(values.out);
    if (out) {
      const kinds = [...(values.predictions ? ['eval'] : []), ...(values.oracle ? ['oracle'] : [])];
      refuseExisting(
        kinds.flatMap((k) => Object.values(resultFiles(out, k))),
        values.force,
      );
    }

    const log = lineLog(io);
    const dataset = await loadDataset(source, {
      ...(format ? { format } : {}),
      ...(values.queries ? { queries: path.resolve(values.queries) } : {}),
      ...(values.images ? { images: path.resolve(values.images) } : {}),
    });
    log(`${dataset.format} dataset ${dataset.source}: ${dataset.samples.length} samples`);
    const predictions = values.predictions ? await loadPredictions(values.predictions) : undefined;
    const needsApp = values.oracle || predictions?.some((p) => p.mask.kind === 'twin');

    const work = async (app?: AppContext) => {
      let evaluation: EvalResult | undefined;
      let oracle: OracleReport | undefined;
      if (predictions) {
        const file = path.resolve(values.predictions!);
        evaluation = await evaluatePredictions(dataset, predictions, file, app ? { twins: (id) => app.twins.get(id) } : {});
        reportUnmatched(evaluation, predictions, file, log);
      }
      if (values.oracle) {
        const presets = (presetNames ?? [app!.config.preset]) as PresetName[];
        const stop = interruptSignal();
        try {
          oracle = await runOracle(
            dataset,
            presets,
            async (image, preset) => app!.twins.build({ image: fileSource(image), preset }, { signal: stop.signal }),
            log,
          );
        } finally {
          stop.dispose();
        }
      }
      return { evaluation, oracle };
    };
    const { evaluation, oracle } = needsApp ? await withApp(config(), io, (app) => work(app)) : await work();

    const written: string[] = [];
    if (out) {
      const replace = { replace: values.force === true };
      if (evaluation)
        written.push(...Object.values(await writeResultFiles(out, 'eval', evaluation.summary, evaluation.rows, EVAL_COLUMNS, replace)));
      if (oracle) {
        const summary = { dataset: dataset.source, presets: oracle.presets };
        written.push(...Object.values(await writeResultFiles(out, 'oracle', summary, oracle.rows, ORACLE_COLUMNS, replace)));
      }
    }
    if (values.json) {
      io.stdout(
        `${JSON.stringify({ ...(evaluation ? { eval: evaluation.summary } : {}), ...(oracle ? { oracle: oracle.presets } : {}), ...(written.length ? { files: written } : {}) })}\n`,
      );
    } else {
      if (evaluation) io.stdout(evalSummaryText(evaluation.summary));
      if (oracle) io.stdout(oracleText(oracle));
      if (written.length) io.stdout(`written: ${written.join(', ')}\n`);
    }
    return 0;
  },
};

/** Lines that named nothing in the dataset: a warning, or an error when no line matched at all. */
function reportUnmatched(r: EvalResult, predictions: readonly Prediction[], file: string, log: (m: string) => void): void {
  if (r.unmatched.length === 0) return;
  const first = r.unmatched
    .slice(0, 3)
    .map((u) => `line ${u.line}: ${u.reason}`)
    .join('; ');
  if (r.unmatched.length === predictions.length) {
    throw new TwinsegError(
      'INVALID_INPUT',
      `None of the ${predictions.length} lines of ${file} answers a sample of the dataset (${first}).`,
      {
        hint: 'Name images as the dataset does (path relative to its image folder), by absolute path, or by a unique file name.',
      },
    );
  }
  log(`warning: ${r.unmatched.length} of ${predictions.length} prediction lines match no sample (${first})`);
}

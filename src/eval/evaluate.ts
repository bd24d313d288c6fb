// Predictions against a dataset: one row per sample (every sample, answered or not) and the summary.
import type { EvalDataset, EvalSample } from './dataset.js';
import { matchPredictions, type Unmatched } from './match-predictions.js';
import { scoreMask, summariseScores, type IouSummary } from './metrics.js';
import { fileSource, loadImage } from '../perception/image-input.js';
import { EVAL_IMAGE_LIMITS } from './image-size.js';
import { predictionMask, type MaskSources } from './prediction-masks.js';
import type { Prediction } from './predictions.js';

export interface EvalRow {
  sample: string;
  image: string;
  query: string;
  /** ReasonSeg: sentence (long) or phrase (short) query. */
  query_kind?: 'sentence' | 'phrase';
  /** How the prediction was given; "missing" when no line answered the sample. */
  prediction: 'twin' | 'rle' | 'mask' | 'missing';
  /** Line of the prediction that counted. */
  line: number | null;
  iou: number;
  intersection: number;
  union: number;
  target_area: number;
  prediction_area: number;
}

export interface EvalSummary extends IouSummary {
  dataset: string;
  predictions: string;
  /** Samples no line answered (scored as empty predictions). */
  missing: number;
  /** Samples whose target is empty after removing ignore. */
  empty_targets: number;
  /** Lines overridden by a later line for the same sample. */
  superseded_lines: number;
  /** Lines that named no sample of the dataset. */
  unmatched_lines: number;
  /** ReasonSeg: the same figures for sentence and phrase queries (LISA's long and short splits). */
  by_query_kind?: Partial<Record<'sentence' | 'phrase', IouSummary>>;
}

export interface EvalResult {
  summary: EvalSummary;
  rows: EvalRow[];
  unmatched: Unmatched[];
}

/**
 * Scores the predictions of `file` against every sample. Twin ids are resolved through `sources.twins`;
 * each twin's image is checked against the sample's by pixel hash (decoding each such image once).
 */
export async function evaluatePredictions(
  dataset: EvalDataset,
  predictions: readonly Prediction[],
  file: string,
  sources: MaskSources = {},
): Promise<EvalResult> {
  const match = matchPredictions(dataset.samples, predictions, file);
  const hashes = new Map<string, Promise<string>>();
  const imageHash =
    sources.imageHash ??
    ((p: string) => {
      let h = hashes.get(p);
      if (!h) hashes.set(p, (h = loadImage(fileSource(p), EVAL_IMAGE_LIMITS).then((im) => im.hash)));
      return h;
    });
  const rows: EvalRow[] = [];
  for (const s of dataset.samples) {
    const p = match.bySample.get(s.id);
    const mask = p ? await predictionMask(p, s, file, { ...sources, imageHash }) : undefined;
    const score = scoreMask(mask, s.target, s.ignore, `the prediction for ${s.id}`);
    rows.push({
      sample: s.id,
      image: s.image,
      query: s.query,
      ...queryKind(s),
      prediction: p ? p.mask.kind : 'missing',
      line: p ? p.line : null,
      iou: score.iou,
      intersection: score.intersection,
      union: score.union,
      target_area: score.targetArea,
      prediction_area: score.predictionArea,
    });
  }
  const summary: EvalSummary = {
    ...summariseScores(rows),
    dataset: dataset.source,
    predictions: file,
    missing: rows.filter((r) => r.prediction === 'missing').length,
    empty_targets: rows.filter((r) => r.target_area === 0).length,
    superseded_lines: match.superseded,
    unmatched_lines: match.unmatched.length,
  };
  const kinds = { sentence: rows.filter((r) => r.query_kind === 'sentence'), phrase: rows.filter((r) => r.query_kind === 'phrase') };
  if (kinds.sentence.length + kinds.phrase.length > 0) {
    summary.by_query_kind = {};
    for (const k of ['sentence', 'phrase'] as const) if (kinds[k].length > 0) summary.by_query_kind[k] = summariseScores(kinds[k]);
  }
  return { summary, rows, unmatched: match.unmatched };
}

function queryKind(s: EvalSample): Pick<EvalRow, 'query_kind'> {
  return s.isSentence === undefined ? {} : { query_kind: s.isSentence ? 'sentence' : 'phrase' };
}

// TWINSEG_TRACE: a JSON Lines record of every mask a host took with get_mask, so that what an agent
// really answered can be scored afterwards (`twinseg eval DATASET --predictions TRACE.jsonl`; the reader
// is src/eval/predictions.ts, and a test holds the two to one format).
//
// One line per call, {image, twin_id, ids, op, exclude?} (exclude only when objects were taken away): image is the twin's image source (the absolute path it
// was built from, or a description for inline images, which cannot be matched to a dataset). Each line
// goes out in one append-mode write, whole: lines from concurrent calls, sessions or server processes
// sharing the file never interleave, and a crash leaves at most the last line missing, never half of one.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { MaskOp } from '../twin/service-types.js';

export interface PredictionTraceRecord {
  image: string;
  twin_id: string;
  ids: number[];
  op: MaskOp;
  exclude?: number[];
}

export interface PredictionTrace {
  readonly file: string;
  /** Appends one line; resolves once it is written. Failures reject (the caller decides whether to log). */
  append(record: PredictionTraceRecord): Promise<void>;
}

export function createPredictionTrace(file: string): PredictionTrace {
  const abs = path.resolve(file);
  // Appends from this process go one after another, so the order of lines is the order of calls.
  let queue: Promise<void> = Promise.resolve();
  return {
    file: abs,
    append(record) {
      const { image, twin_id, ids, op, exclude } = record;
      const line = `${JSON.stringify({ image, twin_id, ids, op, ...(exclude?.length ? { exclude } : {}) })}\n`;
      const write = queue.then(async () => {
        await fs.mkdir(path.dirname(abs), { recursive: true });
        // O_APPEND: every write lands at the end of the file, as one piece.
        const handle = await fs.open(abs, 'a');
        try {
          await handle.write(line);
        } finally {
          await handle.close();
        }
      });
      queue = write.catch(() => {});
      return write;
    },
  };
}

const traces = new Map<string, PredictionTrace>();

/** One trace per file per process, so every session's get_mask appends through one queue. */
export function predictionTraceFor(file: string): PredictionTrace {
  const abs = path.resolve(file);
  let t = traces.get(abs);
  if (!t) traces.set(abs, (t = createPredictionTrace(abs)));
  return t;
}

// The derived four-token decoder on disk: ${home}/derived/<sha256 of the source decoder>.onnx, written
// atomically, with a record beside it (<sha256>.json) holding the four-token file's own hash, the names of
// its outputs, and the verification verdict. A four-token file whose size or hash no longer matches its
// record is rebuilt. Decoders whose structure is not found are remembered as such, with the reason.
// Sources given as bytes (tests) are derived in memory, with nothing written.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { errorMessage } from '../../errors.js';
import { deriveFourTokenDecoder, type DeriveOptions } from '../graph/four-token-graph.js';
import type { SharingSummary } from '../graph/image-side-sharing.js';
import type { AttentionSummary } from '../graph/attention-rewrite.js';
import type { UpscalingSummary } from '../graph/upscaling-rewrite.js';
import { hashFileMemoized, sha256File } from '../../models/file-hash.js';
import { hashMemoPath } from '../../models/model-store.js';
import type { ModelSource } from '../backends/ort-sessions.js';

/** Bumped when the derivation changes, so older derived files are rebuilt. */
// 2: outputs named token_logits / token_iou_predictions, typed and shaped; 3: prompts share the image side;
// 4: the mask head's transposed convolutions run as per-token MatMuls, prompt–image attention projects on
// the prompts' side; 5: image→token attention's out_proj bias joins the values; 6: the mask head takes a
// mask_extent input (token rows and columns to upscale)
const DERIVATION_VERSION = 6;

/**
 * pending: not yet checked against the original decoder (that happens on the first image decoded);
 * verified / refused: checked, with the figures or the reason.
 */
export interface Verdict {
  state: 'pending' | 'verified' | 'refused';
  reason?: string;
  /** Lowest IoU between the two decoders' masks over the check's prompts. */
  minIou?: number;
  /** Which image the check ran on, and when. */
  image?: string;
  at?: string;
}

export type FourTokenFile =
  | {
      available: true;
      model: ModelSource;
      logitsName: string;
      iouName: string;
      sharing: SharingSummary;
      upscaling: UpscalingSummary;
      attention: AttentionSummary;
      verdict: Verdict;
      recordPath?: string;
    }
  | { available: false; reason: string; recordPath?: string };

interface FourTokenRecord {
  version: number;
  source: string;
  derived?: {
    sha256: string;
    bytes: number;
    logitsName: string;
    iouName: string;
    sharing: SharingSummary;
    upscaling: UpscalingSummary;
    attention: AttentionSummary;
  };
  unavailable?: string;
  verdict?: Verdict;
}

export function fourTokenPaths(home: string, sourceSha256: string): { model: string; record: string } {
  const dir = path.join(home, 'derived');
  return { model: path.join(dir, `${sourceSha256}.onnx`), record: path.join(dir, `${sourceSha256}.json`) };
}

async function readRecord(file: string): Promise<FourTokenRecord | undefined> {
  try {
    const r = JSON.parse(await fs.readFile(file, 'utf8')) as FourTokenRecord;
    return r.version === DERIVATION_VERSION ? r : undefined;
  } catch {
    return undefined; // missing or damaged: derive again
  }
}

/** Why the cached derived file cannot be used, or undefined when it is intact. */
async function damage(file: string, expected: NonNullable<FourTokenRecord['derived']>): Promise<string | undefined> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) return 'missing';
  if (st.size !== expected.bytes) return `${st.size} bytes, expected ${expected.bytes}`;
  const sha = await sha256File(file);
  return sha === expected.sha256 ? undefined : `SHA-256 ${sha.slice(0, 12)}…, expected ${expected.sha256.slice(0, 12)}…`;
}

function fromRecord(r: FourTokenRecord, model: string, recordPath: string): FourTokenFile {
  if (r.unavailable !== undefined) return { available: false, reason: r.unavailable, recordPath };
  const d = r.derived!;
  return {
    available: true,
    model,
    logitsName: d.logitsName,
    iouName: d.iouName,
    sharing: d.sharing,
    upscaling: d.upscaling,
    attention: d.attention,
    verdict: r.verdict ?? { state: 'pending' },
    recordPath,
  };
}

/**
 * The four-token decoder for `source`: from the cache under `home` when intact, else derived (and cached).
 * `log` hears about rebuilds; reasons for unavailability are returned, not logged. Turning a speed-up
 * off (DeriveOptions) derives in memory: the fallback where the rewritten graph fails on a provider.
 */
export async function prepareFourTokenDecoder(
  source: ModelSource,
  opts: { home?: string; log?: (line: string) => void } & DeriveOptions = {},
): Promise<FourTokenFile> {
  const { home, log, ...derive } = opts;
  if (typeof source !== 'string' || !home || Object.values(derive).includes(false)) {
    const bytes = typeof source === 'string' ? await fs.readFile(source) : source;
    const d = deriveFourTokenDecoder(bytes, derive);
    return d.ok
      ? {
          available: true,
          model: d.bytes,
          logitsName: d.logitsName,
          iouName: d.iouName,
          sharing: d.sharing,
          upscaling: d.upscaling,
          attention: d.attention,
          verdict: { state: 'pending' },
        }
      : { available: false, reason: d.reason };
  }
  const sourceSha = (await hashFileMemoized(source, hashMemoPath(home))).sha256;
  const paths = fourTokenPaths(home, sourceSha);
  const cached = await readRecord(paths.record);
  if (cached?.unavailable !== undefined) return fromRecord(cached, paths.model, paths.record);
  if (cached?.derived) {
    const why = await damage(paths.model, cached.derived);
    if (!why) return fromRecord(cached, paths.model, paths.record);
    log?.(`twinseg: the derived four-token decoder ${paths.model} is damaged (${why}); rebuilding it from ${source}`);
  }
  const d = deriveFourTokenDecoder(await fs.readFile(source));
  const record: FourTokenRecord = { version: DERIVATION_VERSION, source: sourceSha };
  if (!d.ok) {
    record.unavailable = d.reason;
  } else {
    await writeFileAtomic(paths.model, d.bytes);
    const sha256 = createHash('sha256').update(d.bytes).digest('hex');
    record.derived = {
      sha256,
      bytes: d.bytes.byteLength,
      logitsName: d.logitsName,
      iouName: d.iouName,
      sharing: d.sharing,
      upscaling: d.upscaling,
      attention: d.attention,
    };
    record.verdict = { state: 'pending' };
  }
  await writeRecord(paths.record, record, log);
  return fromRecord(record, paths.model, paths.record);
}

async function writeRecord(file: string, record: FourTokenRecord, log?: (line: string) => void): Promise<void> {
  try {
    await writeFileAtomic(file, JSON.stringify(record, null, 1));
  } catch (e) {
    // A read-only home costs a new derivation and check next start; it must not stop this one.
    log?.(`twinseg: could not write ${file}: ${errorMessage(e)}`);
  }
}

/** Remembers a verdict beside the four-token file, so the check runs once per decoder file. */
export async function saveVerdict(recordPath: string | undefined, verdict: Verdict, log?: (line: string) => void): Promise<void> {
  if (!recordPath) return;
  const record = await readRecord(recordPath);
  if (!record?.derived) return;
  await writeRecord(recordPath, { ...record, verdict }, log);
}

// The bytes of one mask selection, shared by get_mask and the twin://{id}/mask/… resource so both
// always agree.
import type { MaskOutcome, TwinServiceApi } from '../../twin/service-types.js';
import { maskMime, type MaskSelection } from './mask-uri.js';

export interface MaskPayload {
  outcome: MaskOutcome;
  mime: string;
  /** Binary formats (png, cutout, overlay) as bytes; JSON formats (rle, polygon) as text. */
  data: Buffer | string;
}

export async function maskPayload(twins: TwinServiceApi, s: MaskSelection): Promise<MaskPayload> {
  const outcome = await twins.mask({ twinId: s.twinId, ids: s.ids, op: s.op, exclude: s.exclude, format: s.format, crop: s.crop });
  const mime = outcome.picture?.mime ?? maskMime(s.format, s.crop);
  if (outcome.rle) return { outcome, mime, data: JSON.stringify({ rle: outcome.rle }) };
  if (outcome.polygons) return { outcome, mime, data: JSON.stringify({ polygons: outcome.polygons }) };
  return { outcome, mime, data: outcome.picture?.data ?? outcome.png! };
}

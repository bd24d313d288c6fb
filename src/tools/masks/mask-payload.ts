// The bytes of one mask selection, shared by get_mask, the twin://{id}/mask/… resource and `twinseg mask`
// so all three always agree.
import { MASK_MIME, type ImageAccess, type MaskOutcome, type TwinServiceApi } from '../../twin/twin-service-api.js';
import type { MaskSelection } from './mask-uri.js';

/** A mask's bytes, tagged by what a reader does with them. */
export type MaskPayload = { outcome: MaskOutcome; mime: string } & (
  | {
      kind: 'json';
      /** The object the text encodes, for a reply that inlines it. */
      json: object;
      /** RLE or polygons as JSON text. */
      data: string;
    }
  | { kind: 'picture'; /** cutout or overlay: a picture to look at. */ data: Buffer }
  | { kind: 'binary'; /** png: the binary mask. */ data: Buffer }
);

export async function maskPayload(twins: TwinServiceApi, s: MaskSelection, access: ImageAccess): Promise<MaskPayload> {
  const outcome = await twins.mask({ twinId: s.twinId, ids: s.ids, op: s.op, exclude: s.exclude, format: s.format, crop: s.crop, access });
  const mime = MASK_MIME[outcome.format];
  switch (outcome.format) {
    case 'rle':
    case 'polygon': {
      const json = outcome.format === 'rle' ? { rle: outcome.rle } : { polygons: outcome.polygons };
      return { outcome, mime, kind: 'json', json, data: JSON.stringify(json) };
    }
    case 'cutout':
    case 'overlay':
      return { outcome, mime, kind: 'picture', data: outcome.picture.data };
    case 'png':
      return { outcome, mime, kind: 'binary', data: outcome.png };
  }
}

// The twin:// URIs a mask is readable under, so every mask get_mask makes can be fetched with
// resources/read by stdio and HTTP clients alike:
//   twin://{twin_id}/mask/{op}-{id}-{id}….{ext}
// where ext names the format: png, rle.json, polygon.json, cutout.png, overlay.jpg, overlay-crop.jpg.
import { TwinsegError } from '../errors.js';
import { MASK_OPS, type MaskOp } from '../mask/combine.js';
import type { MaskFormat } from '../twin/service-types.js';

export interface MaskSelection {
  twinId: string;
  op: MaskOp;
  ids: number[];
  format: MaskFormat;
  crop: boolean;
}

const EXTENSIONS: Record<string, { format: MaskFormat; crop: boolean; mime: string }> = {
  png: { format: 'png', crop: false, mime: 'image/png' },
  'rle.json': { format: 'rle', crop: false, mime: 'application/json' },
  'polygon.json': { format: 'polygon', crop: false, mime: 'application/json' },
  'cutout.png': { format: 'cutout', crop: false, mime: 'image/png' },
  'overlay.jpg': { format: 'overlay', crop: false, mime: 'image/jpeg' },
  'overlay-crop.jpg': { format: 'overlay', crop: true, mime: 'image/jpeg' },
};

export function maskExtension(format: MaskFormat, crop: boolean): string {
  return Object.entries(EXTENSIONS).find(([, v]) => v.format === format && v.crop === (format === 'overlay' && crop))![0];
}

export function maskMime(format: MaskFormat, crop = false): string {
  return EXTENSIONS[maskExtension(format, crop)]!.mime;
}

/** The file name part of the URI, also used as the default name of a written file. */
export function maskFileName(s: Omit<MaskSelection, 'twinId'>): string {
  return `${s.op}-${s.ids.join('-')}.${maskExtension(s.format, s.crop)}`;
}

export function maskUri(s: MaskSelection): string {
  return `twin://${s.twinId}/mask/${maskFileName(s)}`;
}

/** Parses the `{selection}` part of twin://{id}/mask/{selection}. */
export function parseMaskSelection(twinId: string, selection: string): MaskSelection {
  const m = /^([a-z]+)-([0-9]+(?:-[0-9]+)*)\.([a-z.-]+)$/.exec(selection);
  const ext = m ? EXTENSIONS[m[3]!] : undefined;
  if (!m || !ext || !(MASK_OPS as readonly string[]).includes(m[1]!)) {
    throw new TwinsegError('INVALID_INPUT', `"${selection}" is not a mask selection.`, {
      hint: `Use twin://{twin_id}/mask/{op}-{ids}.{ext}, e.g. twin://${twinId}/mask/union-3-7.png; op: ${MASK_OPS.join(', ')}; ext: ${Object.keys(EXTENSIONS).join(', ')}.`,
    });
  }
  const ids = m[2]!.split('-').map(Number);
  if (ids.length > 1000 || ids.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new TwinsegError('INVALID_INPUT', `"${selection}" names invalid object ids.`, { hint: 'Object ids are positive integers.' });
  }
  return { twinId, op: m[1] as MaskOp, ids, format: ext.format, crop: ext.crop };
}

// The twin:// URIs a mask is readable under, so every mask get_mask makes can be fetched with
// resources/read by stdio and HTTP clients alike:
//   twin://{twin_id}/mask/{op}-{id}-{id}…[-minus-{id}-{id}…].{ext}
// where the ids after "minus" are the excluded objects and ext names the format: png, rle.json, polygon.json, cutout.png, overlay.jpg, overlay-crop.jpg.
import { TwinsegError } from '../../errors.js';
import { MASK_OPS, type MaskOp } from '../../mask/combine.js';
import type { MaskFormat } from '../../twin/service-types.js';

export interface MaskSelection {
  twinId: string;
  op: MaskOp;
  ids: number[];
  /** Objects taken away from the combination; absent when none. */
  exclude?: number[];
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
  const minus = s.exclude?.length ? `-minus-${s.exclude.join('-')}` : '';
  return `${s.op}-${s.ids.join('-')}${minus}.${maskExtension(s.format, s.crop)}`;
}

export function maskUri(s: MaskSelection): string {
  return `twin://${s.twinId}/mask/${maskFileName(s)}`;
}

/** Parses the `{selection}` part of twin://{id}/mask/{selection}. */
export function parseMaskSelection(twinId: string, selection: string): MaskSelection {
  const m = /^([a-z]+)-([0-9]+(?:-[0-9]+)*)(?:-minus-([0-9]+(?:-[0-9]+)*))?\.([a-z.-]+)$/.exec(selection);
  const ext = m ? EXTENSIONS[m[4]!] : undefined;
  if (!m || !ext || !(MASK_OPS as readonly string[]).includes(m[1]!)) {
    throw new TwinsegError('INVALID_INPUT', `"${selection}" is not a mask selection.`, {
      hint: `Use twin://{twin_id}/mask/{op}-{ids}[-minus-{ids}].{ext}, e.g. twin://${twinId}/mask/union-3-7-minus-5.png; op: ${MASK_OPS.join(', ')}; ext: ${Object.keys(EXTENSIONS).join(', ')}.`,
    });
  }
  const ids = m[2]!.split('-').map(Number);
  const exclude = m[3] ? m[3].split('-').map(Number) : [];
  if (ids.length > 1000 || exclude.length > 1000 || [...ids, ...exclude].some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new TwinsegError('INVALID_INPUT', `"${selection}" names invalid object ids.`, { hint: 'Object ids are positive integers.' });
  }
  return { twinId, op: m[1] as MaskOp, ids, ...(exclude.length ? { exclude } : {}), format: ext.format, crop: ext.crop };
}

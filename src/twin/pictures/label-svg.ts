// How an id label looks: digits in a box filled with the object's mark colour, ink black or white
// (whichever stands out from the fill), edged in the ink's colour so the box stands out from any photo;
// a leader is a line in the mark colour on a dark casing, ending in a dot on the object.
import type { Box } from '../../mask/rle.js';
import { toHex } from '../colour.js';
import { GLYPH_H, numberSvg, numberWidth } from './digit-glyphs.js';
import type { Leader } from './label-layout.js';
import { markColor, type Rgb } from './mask-painting.js';

/** Label digits this tall at host scale; small pictures get smaller ones, never below LABEL_MIN_DIGIT_PX. */
export const LABEL_DIGIT_PX = 18;
export const LABEL_MIN_DIGIT_PX = 11;

/** The label digit height for a picture whose longer side is `side` pixels. */
export function labelDigitPx(side: number): number {
  return Math.min(LABEL_DIGIT_PX, Math.max(LABEL_MIN_DIGIT_PX, Math.round(side / 72)));
}

/** A label box's size for `id` with digits `digitH` tall, and the padding around the digits. */
export function labelSize(id: number, digitH: number): { width: number; height: number; pad: number } {
  const pad = Math.max(2, Math.round(digitH * 0.28));
  return { width: Math.round(numberWidth(String(id)) * (digitH / GLYPH_H)) + 2 * pad, height: digitH + 2 * pad, pad };
}

export interface DrawnLabel {
  id: number;
  box: Box;
  leader?: Leader;
}

/** Black or white, whichever reads better on `fill`. */
export function inkOn([r, g, b]: Rgb): '#000000' | '#ffffff' {
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000000' : '#ffffff';
}

/** One label box with its id; `fill` defaults to the id's mark colour. */
export function labelBoxSvg(id: number, [x1, y1, x2, y2]: Box, digitH: number, fill: Rgb = markColor(id)): string {
  const { pad } = labelSize(id, digitH);
  const ink = inkOn(fill);
  // Edged in the ink's colour: a light box gets a dark edge, a dark one a light edge, so the box stands
  // out from a photo of any brightness.
  return (
    `<rect x="${x1 + 0.75}" y="${y1 + 0.75}" width="${x2 - x1 - 1.5}" height="${y2 - y1 - 1.5}" rx="3" ` +
    `fill="${toHex(fill)}" stroke="${ink}" stroke-width="1.5"/>` +
    numberSvg(String(id), x1 + pad, y1 + pad, digitH, ink)
  );
}

/** Leaders first, then the boxes over them. */
export function labelsSvg(labels: readonly DrawnLabel[], digitH: number): string {
  const leaders = labels
    .filter((l): l is DrawnLabel & { leader: Leader } => l.leader !== undefined)
    .map(({ id, leader: { from, to } }) => {
      const line = `x1="${r1(from[0])}" y1="${r1(from[1])}" x2="${r1(to[0])}" y2="${r1(to[1])}"`;
      const colour = toHex(markColor(id));
      return (
        `<line ${line} stroke="#000000" stroke-width="4.5" stroke-linecap="round"/>` +
        `<line ${line} stroke="${colour}" stroke-width="2"/>` +
        `<circle cx="${r1(to[0])}" cy="${r1(to[1])}" r="4" fill="${colour}" stroke="#000000" stroke-width="1.5"/>`
      );
    });
  return leaders.join('') + labels.map((l) => labelBoxSvg(l.id, l.box, digitH)).join('');
}

function r1(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

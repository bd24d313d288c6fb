// Digits drawn as stroked SVG paths, so numbered marks render the same on any machine: librsvg (inside
// sharp) needs no fonts for paths, and a fresh CI box or container may have none. Shapes are simple,
// open and evenly weighted so they stay readable down to ~10 px tall.
//
// Each glyph lives in a GLYPH_W x GLYPH_H box (y down) and is meant to be stroked with round caps
// and joins at about STROKE units.

export const GLYPH_W = 10;
export const GLYPH_H = 16;
export const STROKE = 2.4;
/** Horizontal advance between digits in glyph units (glyph width plus spacing). */
export const ADVANCE = 12;

const GLYPHS: readonly string[] = [
  // 0: an upright oval
  'M5 1C8.3 1 9 4.5 9 8C9 11.5 8.3 15 5 15C1.7 15 1 11.5 1 8C1 4.5 1.7 1 5 1Z',
  // 1: flag, stem and foot
  'M2 4L5.5 1V15M2 15H9',
  // 2
  'M1.3 4.2C1.8 2 3.2 1 5.1 1C7.4 1 8.8 2.4 8.8 4.4C8.8 7 6.2 9 1.2 15H9',
  // 3: two bowls on a shared waist
  'M1.4 2.6C2.3 1.5 3.5 1 5 1C7.3 1 8.6 2.3 8.6 4.2C8.6 6.2 7 7.5 4.4 7.5C7.4 7.5 9 9 9 11.2C9 13.6 7.3 15 4.9 15C3.3 15 2 14.4 1 13.2',
  // 4: closed triangle form, distinct from 1 and 7
  'M7 15V1L1 11H9.5',
  // 5
  'M8.6 1H2.3L1.7 7.2C2.6 6.4 3.7 6 5 6C7.5 6 9 7.8 9 10.4C9 13.2 7.2 15 4.8 15C3.2 15 2 14.4 1 13.3',
  // 6: hooked top into a closed bowl
  'M8.2 2.2C7.4 1.4 6.4 1 5.3 1C2.5 1 1 4.2 1 9C1 13 2.6 15 5 15C7.5 15 9 13.3 9 10.7C9 8.1 7.4 6.4 5.1 6.4C3.1 6.4 1.6 7.6 1 9.6',
  // 7
  'M1 1H9L3.8 15',
  // 8: stacked loops, the lower one wider
  'M5 7.6C2.9 7.6 1.6 6.3 1.6 4.3C1.6 2.3 3 1 5 1C7 1 8.4 2.3 8.4 4.3C8.4 6.3 7.1 7.6 5 7.6ZM5 7.6C2.6 7.6 1 9 1 11.3C1 13.6 2.7 15 5 15C7.3 15 9 13.6 9 11.3C9 9 7.4 7.6 5 7.6Z',
  // 9: 6 turned half a circle
  'M1.8 13.8C2.6 14.6 3.6 15 4.7 15C7.5 15 9 11.8 9 7C9 3 7.4 1 5 1C2.5 1 1 2.7 1 5.3C1 7.9 2.6 9.6 4.9 9.6C6.9 9.6 8.4 8.4 9 6.4',
];

/** The SVG path data of one digit 0-9, in glyph units. */
export function digitPath(d: number): string {
  const p = GLYPHS[d];
  if (p === undefined) throw new RangeError(`not a digit: ${d}`);
  return p;
}

/** Width in glyph units of a string of digits. */
export function numberWidth(text: string): number {
  return text.length === 0 ? 0 : (text.length - 1) * ADVANCE + GLYPH_W;
}

/**
 * SVG markup drawing `text` (digits only) with its top-left at (x, y) and digits `height` px tall,
 * stroked in `color` (any SVG colour).
 */
export function numberSvg(text: string, x: number, y: number, height: number, color: string): string {
  if (!/^[0-9]*$/.test(text)) throw new RangeError(`only digits can be drawn, got ${JSON.stringify(text)}`);
  const s = height / GLYPH_H;
  const paths = Array.from(text, (ch, i) => `<path transform="translate(${i * ADVANCE} 0)" d="${digitPath(Number(ch))}"/>`);
  return (
    `<g transform="translate(${fmt(x)} ${fmt(y)}) scale(${fmt(s)})" fill="none" stroke="${color}" ` +
    `stroke-width="${STROKE}" stroke-linecap="round" stroke-linejoin="round">${paths.join('')}</g>`
  );
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

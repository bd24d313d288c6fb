// Rulers in original image pixels along a picture's top and left edges (ticks only along the bottom and
// right), so a host reads coordinates off the picture instead of estimating them. Ticks fall on round
// image coordinates (1, 2 or 5 × 10^k) spaced for the numbers to stay apart at the picture's scale.
import { GLYPH_H, numberSvg, numberWidth } from './digit-glyphs.js';
import type { PictureWindow } from './picture-window.js';

export interface Tick {
  /** Image coordinate. */
  value: number;
  /** Picture coordinate of that image coordinate. */
  at: number;
  major: boolean;
}

const NICE = [1, 2, 5];

/** The smallest 1/2/5 × 10^k step (at least 1) that is at least `minGap` picture pixels long at `scale`. */
export function tickStep(scale: number, minGap: number): number {
  for (let p = 1; ; p *= 10) {
    for (const n of NICE) if (n * p * scale >= minGap) return n * p;
  }
}

/**
 * Ticks for image coordinates [from, to] shown at `scale` from picture coordinate 0: majors every
 * `tickStep(scale, minMajorGap)`, minors between them when they stay at least 6 picture pixels apart.
 */
export function rulerTicks(from: number, to: number, scale: number, minMajorGap: number): Tick[] {
  const major = tickStep(scale, minMajorGap);
  const minor = [major / 5, major / 2].find((m) => Number.isInteger(m) && m * scale >= 6);
  const step = minor ?? major;
  const ticks: Tick[] = [];
  for (let v = Math.ceil(from / step) * step; v <= to; v += step) {
    ticks.push({ value: v, at: (v - from) * scale, major: v % major === 0 });
  }
  return ticks;
}

export interface Ruler {
  svg: string;
  /** Height of the top strip and width of the left strip, in picture pixels: labels keep out of them. */
  top: number;
  left: number;
  /** Depth of the bottom and right strips. */
  bottom: number;
  right: number;
}

/** Ruler strips for a `width`×`height` picture of `window`, with numbers `digitH` pixels tall. */
export function rulerSvg(window: PictureWindow, width: number, height: number, digitH: number): Ruler {
  const { x1, y1, scale } = window;
  const s = digitH / GLYPH_H;
  const textW = (v: number) => numberWidth(String(v)) * s;
  const majorLen = Math.round(digitH * 0.6);
  const minorLen = Math.round(digitH * 0.3);
  const top = digitH + majorLen + 6;
  const xs = rulerTicks(x1, x1 + width / scale, scale, textW(Math.ceil(x1 + width / scale)) + digitH * 2.5);
  const ys = rulerTicks(y1, y1 + height / scale, scale, digitH * 3);
  const left = Math.ceil(Math.max(textW(Math.floor(y1 + height / scale)), textW(0)) + majorLen + 10);
  const edge = Math.round(majorLen + 2);
  const parts: string[] = [
    `<g fill="#000000" fill-opacity="0.72">`,
    `<rect x="0" y="0" width="${width}" height="${top}"/>`,
    `<rect x="0" y="${top}" width="${left}" height="${Math.max(0, height - top)}"/>`,
    `<rect x="${left}" y="${height - edge}" width="${Math.max(0, width - left)}" height="${edge}"/>`,
    `<rect x="${width - edge}" y="${top}" width="${edge}" height="${Math.max(0, height - top - edge)}"/>`,
    `</g>`,
  ];
  const lines: string[] = [];
  for (const t of xs) {
    const x = fmt(t.at);
    if (t.at < left || t.at > width - 1) continue;
    const len = t.major ? majorLen : minorLen;
    lines.push(`M${x} ${top - len}V${top}M${x} ${height - edge}V${height - edge + len}`);
    const w = textW(t.value);
    if (t.major && t.at - w / 2 >= left + 2 && t.at + w / 2 <= width - 2) {
      parts.push(numberSvg(String(t.value), t.at - w / 2, 3, digitH, '#ffffff'));
    }
  }
  for (const t of ys) {
    const y = fmt(t.at);
    if (t.at < top || t.at > height - 1) continue;
    const len = t.major ? majorLen : minorLen;
    lines.push(`M${left - len} ${y}H${left}M${width - edge} ${y}H${width - edge + len}`);
    if (t.major && t.at - digitH / 2 >= top + 2 && t.at + digitH / 2 <= height - edge - 2) {
      parts.push(numberSvg(String(t.value), left - majorLen - 4 - textW(t.value), t.at - digitH / 2, digitH, '#ffffff'));
    }
  }
  parts.push(`<path d="${lines.join('')}" stroke="#ffffff" stroke-width="2" fill="none"/>`);
  return { svg: parts.join(''), top, left, bottom: edge, right: edge };
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

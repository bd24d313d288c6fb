// COCO's RLE exchange formats: the compressed string pycocotools writes ("counts" as text) and the
// uncompressed list form. Our Rle already uses COCO's layout (column-major, background first), so
// this is a re-encoding of the counts only.
//
// The string form: each count becomes a signed integer (for index > 2, the difference to the count
// two places back, which is small because neighbouring columns look alike), written in 5-bit
// groups, least significant first, each group as one character 48 + (group | 0x20 when more follow).
// The last group's bit 0x10 is the sign. Arithmetic here uses plain numbers (not 32-bit bit
// operations) because counts are uint32 and their differences can exceed the int32 range.
import type { Rle } from './rle.js';
import { TwinsegError } from '../errors.js';

export interface CocoRle {
  /** [height, width], COCO's order. */
  size: [number, number];
  counts: string;
}

export interface CocoRleInput {
  size: readonly [number, number] | readonly number[];
  counts: string | readonly number[];
}

export function encodeCocoRle(rle: Rle): CocoRle {
  return { size: [rle.height, rle.width], counts: countsToString(rle.counts) };
}

/** Accepts the compressed string or the uncompressed list of counts. */
export function decodeCocoRle(input: CocoRleInput): Rle {
  const size = input.size;
  if (size.length !== 2 || !size.every((n) => Number.isInteger(n) && n >= 0)) {
    throw invalid(`size must be [height, width] as two non-negative integers, got ${JSON.stringify(size)}.`);
  }
  const [height, width] = size as [number, number];
  const counts = typeof input.counts === 'string' ? countsFromString(input.counts) : listCounts(input.counts);
  let total = 0;
  for (const c of counts) total += c;
  if (total !== width * height) {
    throw invalid(`counts sum to ${total} but size ${height}x${width} has ${width * height} pixels.`);
  }
  return { width, height, counts };
}

export function countsToString(counts: ArrayLike<number>): string {
  const chars: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    let more = true;
    while (more) {
      const c = ((x % 32) + 32) % 32; // low 5 bits, two's complement
      x = Math.floor(x / 32); // arithmetic shift right by 5
      more = c & 0x10 ? x !== -1 : x !== 0;
      chars.push(48 + (more ? c | 0x20 : c));
    }
  }
  return charsToString(chars);
}

export function countsFromString(s: string): Uint32Array {
  const out: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let scale = 1; // 32^k
    let more = true;
    while (more) {
      if (p >= s.length) throw invalid('counts string ends in the middle of a number.');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw invalid(`counts string has an invalid character at ${p}.`);
      x += (c & 0x1f) * scale;
      scale *= 32;
      more = (c & 0x20) !== 0;
      p++;
      if (!more && c & 0x10) x -= scale; // sign-extend the last group
    }
    const m = out.length;
    if (m > 2) x += out[m - 2]!;
    if (x < 0 || x > 0xffffffff) throw invalid(`counts string decodes to an out-of-range run length ${x}.`);
    out.push(x);
  }
  return Uint32Array.from(out);
}

function listCounts(list: readonly number[]): Uint32Array {
  for (const n of list) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw invalid(`counts must be non-negative integers, got ${n}.`);
    }
  }
  return Uint32Array.from(list);
}

// String.fromCharCode(...codes) overflows the call stack for very long arrays, so convert in chunks.
function charsToString(codes: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < codes.length; i += 8192) parts.push(String.fromCharCode(...codes.slice(i, i + 8192)));
  return parts.join('');
}

function invalid(message: string): TwinsegError {
  return new TwinsegError('INVALID_INPUT', `Invalid COCO RLE: ${message}`, {
    hint: 'Pass {size: [height, width], counts} as written by pycocotools (compressed string) or a list of run lengths.',
  });
}

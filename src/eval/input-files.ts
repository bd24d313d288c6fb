// Reading the files an evaluation is given (datasets, queries, predictions) with errors that name the
// file, the line and the field, and say what was expected: these files are written by hand or by other
// people's scripts, and "invalid JSON" alone sends the user hunting.
import { promises as fs } from 'node:fs';
import type { z } from 'zod';
import { errorMessage, TwinsegError } from '../errors.js';

/**
 * The file's text; a missing or unreadable file is an IO_ERROR naming it and what it was meant to be.
 * Text that is not UTF-8 is read as Windows-1252, the fallback LISA's loader uses for ReasonSeg's JSONs.
 */
export async function readTextFile(file: string, what: string): Promise<string> {
  try {
    const bytes = await fs.readFile(file);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return decodeWindows1252(bytes);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${errorMessage(e)})`;
    throw new TwinsegError('IO_ERROR', `The ${what} ${file} ${why}.`, { hint: `Pass the path of the ${what}.`, cause: e });
  }
}

// Windows-1252 differs from Latin-1 only in 0x80–0x9F (Node's TextDecoder decodes it as Latin-1).
const CP1252_HIGH = '€\ufffd‚ƒ„…†‡ˆ‰Š‹Œ\ufffdŽ\ufffd\ufffd‘’“”•–—˜™š›œ\ufffdžŸ';

export function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
  return out;
}

/** Parses JSON text; a syntax error says where (line and column), not only "at position N". */
export function parseJsonText(text: string, where: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = errorMessage(e).replace(/\.$/, '');
    // V8 names a position for some errors only; find it ourselves for the rest.
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : jsonErrorOffset(text);
    const at = offset === undefined ? '' : ` at ${lineColumn(text, offset)}`;
    throw new TwinsegError('INVALID_INPUT', `${where} is not valid JSON${at}: ${msg}.`, { hint: `Expected ${expected}.` });
  }
}

export async function readJsonFile(file: string, what: string, expected: string): Promise<unknown> {
  return parseJsonText(await readTextFile(file, what), file, expected);
}

/** Offset of the first character that breaks the JSON grammar (undefined if none is found). */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (!text.startsWith(word, i)) fail();
    i += word.length;
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail();
    i += m[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (at) {
    return typeof at === 'number' ? Math.min(at, text.length) : undefined;
  }
}

function lineColumn(text: string, pos: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

/** Validates with a zod schema; the error lists the first problems as `where: field.path: message`. */
export function checkShape<T>(schema: z.ZodType<T>, value: unknown, where: string, expected: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 3).map((i) => `${fieldPath(i.path)}: ${i.message}`);
  const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : '';
  throw new TwinsegError('INVALID_INPUT', `${where} is not in the expected form: ${problems.join('; ')}${more}.`, {
    hint: `Expected ${expected}.`,
  });
}

/** ["shapes", 2, "points"] → "shapes[2].points"; the root is "(top level)". */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

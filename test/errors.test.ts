import { describe, expect, it } from 'vitest';
import { fromListenError, fromSystemError, TwinsegError } from '../src/errors.js';

const sys = (code: string) => Object.assign(new Error(`${code}: raw message, rename '.x.123.tmp'`), { code });

describe('file and socket failures become codes with hints that name what the user gave', () => {
  it('words each file-system failure about the target, not the temp file', () => {
    const cases: [string, RegExp][] = [
      ['EISDIR', /^\/out is a folder, not a file\. Give a file name, e\.g\. \/out\/mask\.png\.$/],
      ['ENOTDIR', /part of \/out is a file, not a folder/],
      ['EACCES', /Permission denied for \/out\. Choose a place/],
      ['EPERM', /Permission denied for \/out/],
      ['EROFS', /read-only file system/],
      ['ENOSPC', /No space left for \/out/],
    ];
    for (const [code, text] of cases) {
      const e = fromSystemError(sys(code), '/out') as TwinsegError;
      expect(e.code, code).toBe('IO_ERROR');
      expect(e.fullMessage, code).toMatch(text);
      expect(e.fullMessage).not.toContain('.tmp');
    }
  });

  it('words a listen failure as PORT_UNAVAILABLE: in use, privileged, or not this machine', () => {
    expect((fromListenError(sys('EADDRINUSE'), '127.0.0.1', 3917) as TwinsegError).fullMessage).toMatch(
      /^127\.0\.0\.1:3917 is already in use\. .*--http PORT/,
    );
    expect((fromListenError(sys('EACCES'), '::1', 80) as TwinsegError).fullMessage).toMatch(
      /^Not allowed to listen on \[::1\]:80: ports below 1024/,
    );
    expect((fromListenError(sys('EADDRNOTAVAIL'), '10.9.9.9', 3917) as TwinsegError).code).toBe('PORT_UNAVAILABLE');
  });

  it('leaves errors it does not know as they are', () => {
    const e = sys('EWHATEVER');
    expect(fromSystemError(e, '/out')).toBe(e);
    expect(fromSystemError('plain', '/out')).toBe('plain');
  });
});

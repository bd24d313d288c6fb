import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInside, realRoots, resolveReadPath, resolveWritePath, toAbsolute } from '../../src/roots/path-policy.js';
import { tempDir } from '../helpers/mcp-harness.js';

let base: string;
let root: string;
let outside: string;

beforeAll(async () => {
  base = await tempDir('twinseg-policy-');
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await fs.mkdir(path.join(root, 'sub'), { recursive: true });
  await fs.mkdir(outside);
  await fs.writeFile(path.join(root, 'a.png'), 'a');
  await fs.writeFile(path.join(root, 'sub', 'b.png'), 'b');
  await fs.writeFile(path.join(outside, 'secret.png'), 's');
  await fs.symlink(path.join(outside, 'secret.png'), path.join(root, 'leak.png'));
  await fs.symlink(path.join(root, 'a.png'), path.join(root, 'alias.png'));
  await fs.symlink(outside, path.join(root, 'door'));
});
afterAll(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

describe('isInside', () => {
  it('accepts the root itself and paths below it', () => {
    expect(isInside('/r', '/r')).toBe(true);
    expect(isInside('/r', '/r/x/y.png')).toBe(true);
  });
  it('refuses siblings that share a prefix and parents', () => {
    expect(isInside('/r', '/rx/y.png')).toBe(false);
    expect(isInside('/r/a', '/r')).toBe(false);
    expect(isInside('/r', '/r/../s')).toBe(false);
  });
});

describe('toAbsolute', () => {
  it('resolves relative paths against the first root and file:// URLs to paths', () => {
    expect(toAbsolute('x/y.png', ['/r', '/s'])).toBe('/r/x/y.png');
    expect(toAbsolute('file:///r/a%20b.png', ['/r'])).toBe('/r/a b.png');
  });
  it('refuses NUL bytes', () => {
    expect(() => toAbsolute('/r/a\0.png', ['/r'])).toThrow(/NUL/);
  });
  it('refuses paths over 4,096 characters and names over 255 bytes, quoting only their start', () => {
    const long = `data:image/png;base64,${'A'.repeat(200_000)}`;
    const e = (() => {
      try {
        toAbsolute(long, ['/r']);
      } catch (err) {
        return err as Error;
      }
    })();
    expect(e).toMatchObject({
      code: 'PATH_NOT_ALLOWED',
      message: expect.stringMatching(/… \(200022 characters\)" is not allowed: it is 200022 characters long; the limit is 4096\.$/),
    });
    expect(e!.message.length).toBeLessThan(400);
    expect(() => toAbsolute(`sub/${'é'.repeat(128)}.png`, ['/r'])).toThrow(/a name in it is longer than 255 bytes/);
    expect(toAbsolute(`sub/${'é'.repeat(125)}.png`, ['/r'])).toBe(`/r/sub/${'é'.repeat(125)}.png`);
  });
});

describe('resolveReadPath', () => {
  it('returns the real path of a file inside a root', async () => {
    expect(await resolveReadPath(path.join(root, 'sub', 'b.png'), [root])).toBe(path.join(root, 'sub', 'b.png'));
    expect(await resolveReadPath('sub/../a.png', [root])).toBe(path.join(root, 'a.png'));
  });
  it('follows a symlink that stays inside the root', async () => {
    expect(await resolveReadPath('alias.png', [root])).toBe(path.join(root, 'a.png'));
  });
  it('refuses a path outside every root and names the roots', async () => {
    await expect(resolveReadPath(path.join(outside, 'secret.png'), [root])).rejects.toMatchObject({
      code: 'PATH_NOT_ALLOWED',
      hint: expect.stringContaining(root),
    });
  });
  it('refuses `..` that climbs out of the root', async () => {
    await expect(resolveReadPath('../outside/secret.png', [root])).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    await expect(resolveReadPath(`${root}/../outside/secret.png`, [root])).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
  });
  it('refuses a symlink whose target lies outside the root', async () => {
    await expect(resolveReadPath('leak.png', [root])).rejects.toMatchObject({
      code: 'PATH_NOT_ALLOWED',
      message: expect.stringMatching(/symlink/),
    });
    await expect(resolveReadPath('door/secret.png', [root])).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
  });
  it('says IMAGE_NOT_FOUND for a missing file inside a root', async () => {
    await expect(resolveReadPath('nope.png', [root])).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
  });
  it('with no roots allows nothing', async () => {
    await expect(resolveReadPath(path.join(root, 'a.png'), [])).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
  });
});

describe('resolveWritePath', () => {
  it('accepts a new file in a new folder inside the root', async () => {
    expect(await resolveWritePath('new/deeper/m.png', [root])).toBe(path.join(root, 'new', 'deeper', 'm.png'));
  });
  it('refuses writing through a symlinked folder that leaves the root', async () => {
    await expect(resolveWritePath('door/m.png', [root])).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    await expect(resolveWritePath('door/x/y/m.png', [root])).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
  });
  it('refuses replacing a symlink', async () => {
    await expect(resolveWritePath('alias.png', [root])).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
  });
  it('refuses a folder that is a symlink to nowhere', async () => {
    await fs.symlink(path.join(outside, 'not-yet'), path.join(root, 'nowhere'));
    await expect(resolveWritePath('nowhere/m.png', [root])).rejects.toMatchObject({
      code: 'PATH_NOT_ALLOWED',
      message: expect.stringMatching(/symlink to a place that does not exist/),
    });
    await expect(resolveWritePath('nowhere/deeper/m.png', [root])).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
  });
  it('refuses a file used as a folder', async () => {
    await expect(resolveWritePath('a.png/m.png', [root])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/a\.png" in the output path is a file, not a folder/),
    });
    await expect(resolveWritePath('a.png/x/m.png', [root])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
  it('refuses replacing a symlink named with a trailing slash or as a file:// URL with a backslash', async () => {
    for (const input of [`${root}/alias.png/`, `${root}/leak.png/`, `${root}/leak.png/.`, `file://${root}/leak.png\\`]) {
      await expect(resolveWritePath(input, [root]), input).rejects.toMatchObject({
        code: 'PATH_NOT_ALLOWED',
        message: expect.stringMatching(/symlink/),
      });
    }
  });
  it('refuses a NUL byte that a file:// URL encodes as %00', async () => {
    await expect(resolveReadPath(`file://${root}/a.png%00.txt`, [root])).rejects.toMatchObject({
      code: 'PATH_NOT_ALLOWED',
      message: expect.stringMatching(/NUL/),
    });
    await expect(resolveWritePath(`file://${root}/m%00.png`, [root])).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
  });
  it('refuses a directory as the target', async () => {
    await expect(resolveWritePath('sub', [root])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
  it('refuses a path outside the roots', async () => {
    await expect(resolveWritePath(path.join(outside, 'm.png'), [root])).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
  });
});

describe('a root named through a symlinked folder (as /tmp is on macOS)', () => {
  it('reads and writes paths written through the link, and still refuses what leaves the root', async () => {
    const link = path.join(base, 'linked-root');
    await fs.symlink(root, link);
    const roots = await realRoots([link]); // the server keeps real roots
    expect(await resolveReadPath(path.join(link, 'sub', 'b.png'), roots)).toBe(path.join(root, 'sub', 'b.png'));
    await expect(resolveReadPath(path.join(link, 'nope.png'), roots)).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    expect(await resolveWritePath(path.join(link, 'new2', 'm.png'), roots)).toBe(path.join(root, 'new2', 'm.png'));
    await expect(resolveReadPath(path.join(link, 'leak.png'), roots)).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    await expect(resolveWritePath(path.join(link, 'alias.png'), roots)).rejects.toMatchObject({
      code: 'PATH_NOT_ALLOWED',
      message: expect.stringMatching(/symlink/),
    });
    await expect(resolveReadPath(path.join(link, '..', 'outside', 'secret.png'), roots)).rejects.toMatchObject({
      code: 'PATH_NOT_ALLOWED',
    });
    // A link from outside into nothing allowed says only that the path is outside.
    await fs.symlink(outside, path.join(base, 'linked-outside'));
    await expect(resolveReadPath(path.join(base, 'linked-outside', 'secret.png'), roots)).rejects.toMatchObject({
      code: 'PATH_NOT_ALLOWED',
      message: expect.stringMatching(/lies outside the allowed roots/),
    });
  });
});

describe('realRoots', () => {
  it('resolves roots through symlinks, drops missing ones and duplicates', async () => {
    expect(await realRoots([root, path.join(root, '.'), path.join(base, 'missing')])).toEqual([root]);
    expect(await realRoots([path.join(root, 'door')])).toEqual([outside]);
  });
});

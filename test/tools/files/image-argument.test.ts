import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveImageInput } from '../../../src/tools/files/image-argument.js';
import { TINY_PNG } from '../../helpers/recording-twin-service.js';
import { tempDir } from '../../helpers/mcp-harness.js';

let root: string;
beforeAll(async () => {
  root = await tempDir('twinseg-image-input-');
  await fs.writeFile(path.join(root, 'p.png'), TINY_PNG);
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('resolveImageInput', () => {
  it('resolves a path inside the roots to its real path, carrying the roots its read must stay in', async () => {
    expect(await resolveImageInput('p.png', [root])).toEqual({ kind: 'path', path: path.join(root, 'p.png'), roots: [root] });
  });
  it('passes base64 and data URLs through with their decoded size', async () => {
    const b64 = TINY_PNG.toString('base64');
    expect(await resolveImageInput(b64, [root])).toEqual({ kind: 'base64', base64: b64, dataUrl: false, bytes: TINY_PNG.length });
    const url = `data:image/png;base64,${b64}`;
    expect(await resolveImageInput(url, [root])).toMatchObject({ kind: 'base64', base64: b64, dataUrl: true });
  });
});

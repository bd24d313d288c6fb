import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rootUrisToPaths } from '../../src/roots/session-roots.js';
import { TINY_PNG } from '../helpers/scripted-twin-service.js';
import { startHarness, tempDir, textOf, type Harness } from '../helpers/mcp-harness.js';

let h: Harness;
const extra: string[] = [];
afterEach(async () => {
  await h?.close();
  for (const d of extra.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

describe("the client's MCP roots", () => {
  it('replace the configured roots when the client offers them', async () => {
    const clientRoot = await tempDir('twinseg-client-root-');
    extra.push(clientRoot);
    await fs.writeFile(path.join(clientRoot, 'c.png'), TINY_PNG);
    h = await startHarness({ clientRoots: [clientRoot] });
    const ok = await h.call('build_digital_twin', { image: path.join(clientRoot, 'c.png') });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    const refused = await h.call('build_digital_twin', { image: path.join(h.root, 'photo.png') });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain(clientRoot);
  });

  it('are listed again after notifications/roots/list_changed', async () => {
    const first = await tempDir('twinseg-client-a-');
    const second = await tempDir('twinseg-client-b-');
    extra.push(first, second);
    await fs.writeFile(path.join(second, 'late.png'), TINY_PNG);
    const roots = [first];
    h = await startHarness({ clientRoots: roots });
    expect((await h.call('build_digital_twin', { image: path.join(second, 'late.png') })).isError).toBe(true);
    roots.push(second);
    await h.client.sendRootsListChanged();
    await expect
      .poll(async () => (await h.call('build_digital_twin', { image: path.join(second, 'late.png') })).isError)
      .toBeFalsy();
  });

  it('fall back to the configured roots when the client offers an empty list', async () => {
    h = await startHarness({ clientRoots: [] });
    expect((await h.call('build_digital_twin', { image: 'photo.png' })).isError).toBeFalsy();
  });

  it('keep relative output paths in the operator output directory', async () => {
    const clientRoot = await tempDir('twinseg-client-root-');
    extra.push(clientRoot);
    await fs.writeFile(path.join(clientRoot, 'c.png'), TINY_PNG);
    h = await startHarness({ clientRoots: [clientRoot] });
    const built = await h.call('build_digital_twin', { image: path.join(clientRoot, 'c.png') });
    const id = (built.structuredContent as { twin_id: string }).twin_id;
    const r = await h.call('get_mask', { twin_id: id, ids: [1], output_path: 'm.png' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(path.dirname((r.structuredContent as { file: { path: string } }).file.path)).toBe(path.join(h.root, 'out'));
  });
});

it('rootUrisToPaths keeps file:// roots and ignores other schemes', () => {
  expect(rootUrisToPaths(['file:///home/me/pics', 'https://example.com/x', 'file:///tmp/a%20b'])).toEqual(['/home/me/pics', '/tmp/a b']);
});

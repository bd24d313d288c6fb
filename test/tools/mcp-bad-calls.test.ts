import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from '../helpers/mcp-harness.js';
import { TINY_PNG } from '../helpers/recording-twin-service.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Each bad call is an isError result, and the server answers the next call normally. */
async function expectToolError(h: Harness, name: string, args: Record<string, unknown>, pattern: RegExp): Promise<void> {
  const r = await h.call(name, args);
  expect(r.isError, textOf(r)).toBe(true);
  expect(textOf(r)).toMatch(pattern);
  const next = await h.call('build_digital_twin', { image: 'photo.png' });
  expect(next.isError, textOf(next)).toBeFalsy();
}

describe('bad calls come back as isError and the server keeps answering', () => {
  it('rejects wrong argument types', async () => {
    h = await startHarness();
    await expectToolError(h, 'build_digital_twin', { image: 42 }, /image/);
    await expectToolError(h, 'get_mask', { twin_id: 'x', ids: ['one'] }, /ids/);
    await expectToolError(h, 'build_digital_twin', { image: 'photo.png', preset: 'turbo' }, /preset/);
  });

  it('words schema failures and unknown tools as INVALID_INPUT with the fields to fix, not as raw SDK errors', async () => {
    h = await startHarness();
    await expectToolError(
      h,
      'get_mask',
      { twin_id: 'x', ids: ['one'] },
      /^INVALID_INPUT: Invalid arguments for get_mask: ids\[0\]: .*expected number.*Fix these fields/,
    );
    await expectToolError(
      h,
      'segment',
      { twin_id: 'x', points: [{ x: 1 }] },
      /^INVALID_INPUT: .*points\[0\]\.y: Invalid input: missing \(expected number\)/,
    );
    await expectToolError(h, 'no_such_tool', {}, /^INVALID_INPUT: There is no tool named "no_such_tool"\. Call tools\/list/);
    const many = await h.call('get_mask', { twin_id: 'x', ids: Array.from({ length: 900 }, () => 'one') });
    expect(textOf(many)).toMatch(/; and 895 more problem\(s\)\./);
    expect(textOf(many).length).toBeLessThan(1000);
  });

  it('every tool refuses an argument it does not know, naming the ones it does, instead of dropping it', async () => {
    h = await startHarness();
    const { tools } = await h.client.listTools();
    for (const tool of tools) {
      const known = Object.keys(tool.inputSchema.properties ?? {});
      const r = await h.call(tool.name, { not_an_argument: [3] });
      expect(r.isError, tool.name).toBe(true);
      expect(textOf(r), tool.name).toMatch(
        /^INVALID_INPUT: Invalid arguments for \S+: .*Unknown field\(s\): not_an_argument\. Known fields here: /,
      );
      for (const k of known) expect(textOf(r), `${tool.name} names ${k}`).toContain(k);
    }
    // Inside lists too: a click with a misspelt field is refused, not read as a click without it.
    await expectToolError(
      h,
      'segment',
      { twin_id: 'x', points: [{ x: 1, y: 2, label: 1, lable: 0 }] },
      /lable.*Known fields here: x, y, label/,
    );
  });

  it('an unknown twin id says how to get one', async () => {
    h = await startHarness();
    await expectToolError(h, 'filter_objects', { twin_id: 'no-such-twin', query: {} }, /TWIN_NOT_FOUND.*build_digital_twin/);
    await expectToolError(h, 'get_mask', { twin_id: 'no-such-twin', ids: [1] }, /TWIN_NOT_FOUND/);
  });

  it('an unknown object id names the problem', async () => {
    h = await startHarness();
    const built = await h.call('build_digital_twin', { image: 'photo.png' });
    const id = (built.structuredContent as { twin_id: string }).twin_id;
    await expectToolError(h, 'get_mask', { twin_id: id, ids: [99] }, /OBJECT_NOT_FOUND/);
  });

  it('an unknown filter field lists the fields that exist', async () => {
    h = await startHarness();
    const built = await h.call('build_digital_twin', { image: 'photo.png' });
    const id = (built.structuredContent as { twin_id: string }).twin_id;
    await expectToolError(h, 'filter_objects', { twin_id: id, query: { where: { colour: 'red' } } }, /colour.*Known fields/s);
    // A misspelt value answers with the values that exist.
    await expectToolError(h, 'filter_objects', { twin_id: id, query: { where: { region: 'bottom left' } } }, /bottom-left/);
    await expectToolError(h, 'build_digital_twin', { image: 'photo.png', options: { pointsPerSide: 0 } }, /INVALID_INPUT.*pointsPerSide/);
    await expectToolError(h, 'build_digital_twin', { image: 'photo.png', options: { bogus: 1 } }, /INVALID_INPUT.*bogus/);
  });

  it('refuses an image outside the roots and names the roots', async () => {
    h = await startHarness();
    await expectToolError(
      h,
      'build_digital_twin',
      { image: path.join(h.outside, 'secret.png') },
      new RegExp(`PATH_NOT_ALLOWED.*${h.root}`),
    );
    expect(h.recording.calls.filter((c) => c.method === 'build')).toHaveLength(1); // only the follow-up call reached the service
  });

  it('refuses a `..` path that climbs out of the root', async () => {
    h = await startHarness();
    const escape = path.join(h.root, '..', path.basename(h.outside), 'secret.png');
    await expectToolError(h, 'build_digital_twin', { image: `${h.root}/../${path.basename(h.outside)}/secret.png` }, /PATH_NOT_ALLOWED/);
    await expectToolError(h, 'build_digital_twin', { image: escape }, /PATH_NOT_ALLOWED/);
  });

  it('refuses a symlink inside the root that points outside it', async () => {
    h = await startHarness();
    await fs.symlink(path.join(h.outside, 'secret.png'), path.join(h.root, 'link.png'));
    await expectToolError(h, 'build_digital_twin', { image: 'link.png' }, /PATH_NOT_ALLOWED.*symlink/);
  });

  it('refuses a NUL byte in a path', async () => {
    h = await startHarness();
    await expectToolError(h, 'build_digital_twin', { image: 'photo.png\u0000.txt' }, /PATH_NOT_ALLOWED.*NUL/);
  });

  it('refuses mask output outside the roots and through a symlinked folder', async () => {
    h = await startHarness();
    const built = await h.call('build_digital_twin', { image: 'photo.png' });
    const id = (built.structuredContent as { twin_id: string }).twin_id;
    await expectToolError(h, 'get_mask', { twin_id: id, ids: [1], output_path: path.join(h.outside, 'm.png') }, /PATH_NOT_ALLOWED/);
    await fs.symlink(h.outside, path.join(h.root, 'escape-dir'));
    await expectToolError(
      h,
      'get_mask',
      { twin_id: id, ids: [1], output_path: path.join(h.root, 'escape-dir', 'm.png') },
      /PATH_NOT_ALLOWED.*symlink/,
    );
    expect(await fs.readdir(h.outside)).toEqual(['secret.png']);
  });

  it('refuses base64 over the byte limit before decoding it', async () => {
    h = await startHarness({ env: { TWINSEG_MAX_IMAGE_BYTES: '1000' } });
    const big = Buffer.concat([TINY_PNG, Buffer.alloc(4000)]).toString('base64');
    await expectToolError(h, 'build_digital_twin', { image: `data:image/png;base64,${big}` }, /IMAGE_TOO_LARGE.*limit is 1000/);
  });

  it('turns an unexpected failure into an INTERNAL error and logs its stack to the log, not stdout', async () => {
    h = await startHarness();
    const realGet = h.recording.get.bind(h.recording);
    h.recording.get = async (id) => {
      if (id === 'x') throw new Error('disk on fire');
      return realGet(id);
    };
    await expectToolError(h, 'filter_objects', { twin_id: 'x', query: {} }, /INTERNAL: disk on fire/);
    expect(h.logs.join('\n')).toMatch(/filter_objects failed: Error: disk on fire/);
  });
});

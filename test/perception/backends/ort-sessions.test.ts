import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TwinsegError } from '../../../src/errors.js';
import { gpuPresence } from '../../../src/perception/backends/gpu-presence.js';
import { createSession, ortSessionOptions, providerReport, runSession } from '../../../src/perception/backends/ort-sessions.js';
import { tinyDiscDecoder, tinyIdentity, tinyUnknownOp } from '../../helpers/tiny-onnx.js';

const quiet = () => undefined;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TwinsegError);
    return (e as TwinsegError).code;
  }
  return 'resolved';
}

describe('createSession', () => {
  it('loads a model from bytes and runs it on plain {data, dims} feeds', async () => {
    const { session, provider, fallbacks } = await createSession(tinyIdentity(), { providers: ['cpu'], threads: 1 });
    expect(provider).toBe('cpu');
    expect(fallbacks).toEqual([]);
    expect(session.inputs).toEqual([{ name: 'x', type: 'float32', shape: [1, 4] }]);
    const out = await runSession(session, { x: { data: new Float32Array([1, 2, 3, 4]), dims: [1, 4] } });
    expect(Array.from(out.y.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(out.y.dims).toEqual([1, 4]);
    await session.release();
  });

  it('creates sessions whose threads do not spin between runs (they share the cores with other sessions and JS)', () => {
    const o = ortSessionOptions('cpu', { threads: 2 });
    expect(o).toMatchObject({ executionProviders: ['cpu'], intraOpNumThreads: 2, graphOptimizationLevel: 'all', enableMemPattern: true });
    expect(o.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    expect(ortSessionOptions('cpu', { threads: 1, memPattern: false }).enableMemPattern).toBe(false);
  });

  it('reports symbolic dimensions as strings', async () => {
    const { session } = await createSession(tinyDiscDecoder(), { providers: ['cpu'], threads: 1 });
    expect(session.inputs.find((i) => i.name === 'point_coords')?.shape).toEqual([1, 'num_points', 2]);
    await session.release();
  });

  it('falls back from cuda to cpu on a machine without CUDA, logging and recording why', async () => {
    const lines: string[] = [];
    const { provider, fallbacks } = await createSession(tinyIdentity(), {
      providers: ['cuda', 'cpu'],
      threads: 1,
      log: (l) => lines.push(l),
      verbose: true,
    });
    // Where CUDA does load, there is nothing to fall back from; the record must then be empty.
    if (provider === 'cuda') {
      expect(fallbacks).toEqual([]);
      return;
    }
    expect(provider).toBe('cpu');
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0].provider).toBe('cuda');
    expect(fallbacks[0].reason.length).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/"cuda" unavailable/);
    const last = providerReport().attempts.at(-1);
    expect(last?.used).toBe('cpu');
    expect(last?.fallbacks[0].provider).toBe('cuda');
  });

  it('keeps quiet about a cuda fallback where no GPU is visible, and still records it', async () => {
    const lines: string[] = [];
    const { provider, fallbacks } = await createSession(tinyIdentity(), {
      providers: ['cuda', 'cpu'],
      threads: 1,
      log: (l) => lines.push(l),
      verbose: false,
    });
    if (provider === 'cuda' || gpuPresence().nvidia) return; // a GPU machine: the fallback, if any, is news
    expect(fallbacks.map((f) => f.provider)).toEqual(['cuda']);
    expect(lines).toEqual([]);
  });

  it('falls back from webgpu to cpu where no GPU adapter is found, logging and recording why', async () => {
    const lines: string[] = [];
    const { provider, fallbacks } = await createSession(tinyIdentity(), {
      providers: ['webgpu', 'cpu'],
      threads: 1,
      log: (l) => lines.push(l),
      verbose: true,
    });
    // A machine with a Vulkan-capable GPU runs webgpu and has nothing to fall back from.
    if (provider === 'webgpu') {
      expect(fallbacks).toEqual([]);
      return;
    }
    expect(provider).toBe('cpu');
    expect(fallbacks).toEqual([{ provider: 'webgpu', reason: expect.stringMatching(/adapter|webgpu/i) }]);
    expect(lines.join('\n')).toMatch(/"webgpu" unavailable.*trying "cpu"/);
    expect(providerReport().attempts.at(-1)).toMatchObject({ requested: ['webgpu', 'cpu'], used: 'cpu' });
  });

  it('says PROVIDER_UNAVAILABLE when the only provider asked for cannot load', async () => {
    const { provider } = await createSession(tinyIdentity(), { providers: ['cuda', 'cpu'], threads: 1, log: quiet });
    if (provider === 'cuda') return; // a CUDA machine cannot show this refusal
    expect(await codeOf(createSession(tinyIdentity(), { providers: ['cuda'], threads: 1, log: quiet }))).toBe('PROVIDER_UNAVAILABLE');
  });

  it('calls bytes that are not ONNX MODEL_CORRUPT, even after a provider fallback', async () => {
    const junk = new TextEncoder().encode('definitely not a protobuf model');
    expect(await codeOf(createSession(junk, { providers: ['cpu'], threads: 1 }))).toBe('MODEL_CORRUPT');
    expect(await codeOf(createSession(junk, { providers: ['cuda', 'cpu'], threads: 1, log: quiet }))).toBe('MODEL_CORRUPT');
  });

  it('calls an empty model file MODEL_CORRUPT and names the file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinseg-ort-'));
    const file = path.join(dir, 'empty.onnx');
    try {
      await writeFile(file, '');
      const err = await createSession(file, { providers: ['cpu'], threads: 1 }).catch((e: unknown) => e);
      expect((err as TwinsegError).code).toBe('MODEL_CORRUPT');
      expect((err as TwinsegError).message).toContain(file);
      expect((err as TwinsegError).hint).toMatch(/download/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('calls a readable graph with an unknown operator MODEL_INCOMPATIBLE', async () => {
    expect(await codeOf(createSession(tinyUnknownOp(), { providers: ['cpu'], threads: 1 }))).toBe('MODEL_INCOMPATIBLE');
  });

  it('calls a missing file MODEL_NOT_FOUND', async () => {
    expect(await codeOf(createSession('/nonexistent/dir/model.onnx', { providers: ['cpu'], threads: 1 }))).toBe('MODEL_NOT_FOUND');
  });

  it('lists the backends this onnxruntime build ships for doctor', () => {
    const report = providerReport();
    expect(report.onnxruntimeVersion).toMatch(/^\d+\.\d+/);
    expect(report.backends.map((b) => b.name)).toContain('cpu');
  });
});

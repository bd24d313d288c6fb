import { describe, expect, it } from 'vitest';
import { expectedToBeMissing, gpuPresence } from '../../../src/perception/backends/gpu-presence.js';

describe('gpu presence', () => {
  it('expects a GPU provider to be missing only where no GPU for it is visible', () => {
    const none = { nvidia: false, renderNode: false, evidence: 'none' };
    const amd = { nvidia: false, renderNode: true, evidence: '/dev/dri/renderD128' };
    const nvidia = { nvidia: true, renderNode: true, evidence: '/dev/nvidia0' };
    expect(expectedToBeMissing('cuda', none)).toBe(true);
    expect(expectedToBeMissing('webgpu', none)).toBe(true);
    expect(expectedToBeMissing('cuda', amd)).toBe(true);
    expect(expectedToBeMissing('webgpu', amd)).toBe(false);
    expect(expectedToBeMissing('cuda', nvidia)).toBe(false);
    expect(expectedToBeMissing('webgpu', nvidia)).toBe(false);
    expect(expectedToBeMissing('cpu', none)).toBe(false);
  });

  it('reads this machine and says what it looked at', () => {
    const gpu = gpuPresence();
    expect(gpu.evidence.length).toBeGreaterThan(0);
    if (!gpu.nvidia && !gpu.renderNode) expect(gpu.evidence).toMatch(/none of/);
  });
});

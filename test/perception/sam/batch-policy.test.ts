import { describe, expect, it } from 'vitest';
import { batchPolicyFor, planDecoderRuns, warmSizes } from '../../../src/perception/sam/batch-policy.js';

describe('planning batched decoder runs', () => {
  it('keeps prompts with different point counts or mask inputs in separate runs, in order', () => {
    const runs = planDecoderRuns([2, 2, 4, 2, 2], [false, false, false, true, false], { maxBatch: 8, padTo: [] });
    expect(runs).toEqual([
      { members: [0, 1, 4], size: 3, hasMask: false },
      { members: [2], size: 1, hasMask: false },
      { members: [3], size: 1, hasMask: true },
    ]);
  });

  it('cuts long groups at maxBatch and pads each run up to the next fixed size', () => {
    const runs = planDecoderRuns(new Array<number>(70).fill(2), new Array<boolean>(70).fill(false), {
      maxBatch: 64,
      padTo: [1, 4, 16, 64],
    });
    expect(runs.map((r) => [r.members.length, r.size])).toEqual([
      [64, 64],
      [6, 16],
    ]);
  });

  it('runs exact sizes up to 8 on the CPU and pads to fixed sizes on GPUs, warming what it will use', () => {
    expect(batchPolicyFor('cpu')).toEqual({ maxBatch: 8, padTo: [], cropHead: true });
    expect(batchPolicyFor('webgpu').cropHead).toBeFalsy();
    expect(warmSizes(batchPolicyFor('cpu'))).toEqual([8]);
    expect(warmSizes(batchPolicyFor('cuda'))).toEqual([1, 4, 16, 64]);
    expect(warmSizes(batchPolicyFor('webgpu'))).toEqual([1, 4, 16]);
  });
});

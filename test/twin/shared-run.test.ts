// One run per key however many callers wait; a caller's cancel ends only its own wait unless it was the
// last one waiting.
import { describe, expect, it } from 'vitest';
import type { Progress, RunControl } from '../../src/perception/contract.js';
import { SharedRuns } from '../../src/twin/shared-run.js';

/** Work that waits for `release` and records the control it was given. */
function gatedWork() {
  let release!: (v: string) => void;
  const gate = new Promise<string>((r) => (release = r));
  const seen: RunControl[] = [];
  const work = async (shared: RunControl) => {
    seen.push(shared);
    const v = await gate;
    if (shared.signal?.aborted) throw new Error('ran on after everyone cancelled');
    return v;
  };
  return { work, seen, release: (v = 'done') => release(v) };
}

describe('SharedRuns', () => {
  it('runs once for callers of one key and gives each the result', async () => {
    const runs = new SharedRuns<string>();
    const g = gatedWork();
    const waits = [runs.run('k', {}, g.work), runs.run('k', {}, g.work), runs.run('k', {}, g.work)];
    g.release('twin');
    expect(await Promise.all(waits)).toEqual(['twin', 'twin', 'twin']);
    expect(g.seen).toHaveLength(1);
    expect(runs.size).toBe(0);
  });

  it('keeps the run going when the caller that started it cancels and another still waits', async () => {
    const runs = new SharedRuns<string>();
    const g = gatedWork();
    const first = new AbortController();
    const a = runs.run('k', { signal: first.signal }, g.work);
    const b = runs.run('k', { signal: new AbortController().signal }, g.work);
    first.abort();
    await expect(a).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(g.seen[0]!.signal!.aborted).toBe(false);
    g.release('twin');
    expect(await b).toBe('twin');
    expect(g.seen).toHaveLength(1);
  });

  it('cancels the run when every caller has cancelled, and a later caller starts afresh', async () => {
    const runs = new SharedRuns<string>();
    const g = gatedWork();
    const callers = [new AbortController(), new AbortController()];
    const waits = callers.map((c) => runs.run('k', { signal: c.signal }, g.work));
    for (const c of callers) c.abort();
    for (const w of waits) await expect(w).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(g.seen[0]!.signal!.aborted).toBe(true);
    // The cancelled run has not ended yet; a new caller must not join it.
    const again = gatedWork();
    const c = runs.run('k', {}, again.work);
    again.release('fresh');
    expect(await c).toBe('fresh');
    g.release();
  });

  it('never cancels a run a caller without a signal waits for', async () => {
    const runs = new SharedRuns<string>();
    const g = gatedWork();
    const cancelling = new AbortController();
    const plain = runs.run('k', {}, g.work);
    const leaving = runs.run('k', { signal: cancelling.signal }, g.work);
    cancelling.abort();
    await expect(leaving).rejects.toMatchObject({ code: 'CANCELLED' });
    g.release('twin');
    expect(await plain).toBe('twin');
  });

  it('refuses a caller already cancelled without starting anything', async () => {
    const runs = new SharedRuns<string>();
    const g = gatedWork();
    await expect(runs.run('k', { signal: AbortSignal.abort() }, g.work)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(g.seen).toHaveLength(0);
  });

  it('gives every caller the run failure', async () => {
    const runs = new SharedRuns<string>();
    const boom = async () => {
      await Promise.resolve();
      throw new Error('model failed');
    };
    const waits = [runs.run('k', {}, boom), runs.run('k', {}, boom)];
    for (const w of waits) await expect(w).rejects.toThrow('model failed');
  });

  it('tells every caller the progress, and one that joins late the latest at once', async () => {
    const runs = new SharedRuns<string>();
    const g = gatedWork();
    const early: Progress[] = [];
    const late: Progress[] = [];
    const a = runs.run('k', { onProgress: (p) => early.push(p) }, g.work);
    g.seen[0]!.onProgress!({ done: 1, total: 10, message: 'encoded image' });
    const b = runs.run('k', { onProgress: (p) => late.push(p) }, g.work);
    expect(late).toEqual([{ done: 1, total: 10, message: 'encoded image' }]);
    g.seen[0]!.onProgress!({ done: 2, total: 10 });
    expect(early.map((p) => p.done)).toEqual([1, 2]);
    expect(late.map((p) => p.done)).toEqual([1, 2]);
    g.release();
    await Promise.all([a, b]);
  });
});

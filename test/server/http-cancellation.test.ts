// A build cancelled by its HTTP client (the SDK's AbortSignal → notifications/cancelled), with the real
// model, while the encoder runs and while the decoder runs: no twin is left under its id, in memory or
// in TWINSEG_HOME/twins; a later build of the same image succeeds whole; the server keeps serving. And
// one client's cancel never fails another client waiting for the same build.
import { promises as fs } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rleArea } from '../../src/mask/rle.js';
import { LocalTwinStore } from '../../src/twin/store/twin-store.js';
import { startRealHttpServer, type OrtRunKind, type RealHttpServer } from '../helpers/real-http-server.js';

let s: RealHttpServer;
let a: Client;
let b: Client;
let image: string;

async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 10));
}

/** Everything the store and its directory hold now. */
async function storeContents(): Promise<{ ids: string[]; files: string[] }> {
  const files = await fs.readdir(s.twinsDir).catch(() => [] as string[]);
  return { ids: (await s.store.recent(10_000)).map((t) => t.id), files };
}

/**
 * Starts a build and cancels it from the client as the first onnxruntime run of `during` starts; that
 * run is held until the server has seen the cancel. Returns once every run it started has ended.
 */
async function cancelledBuild(client: Client, args: Record<string, unknown>, during: OrtRunKind): Promise<void> {
  const controller = new AbortController();
  const call = s.buildCalls.length;
  const run = s.everythingRuns.length;
  let cancelled = false;
  s.onOrtRun = async (kind) => {
    if (kind !== during || cancelled) return;
    cancelled = true;
    controller.abort();
    await until(() => s.buildCalls[call]?.control?.signal?.aborted === true);
  };
  const pending = client.callTool({ name: 'build_digital_twin', arguments: args }, undefined, { signal: controller.signal });
  await expect(pending).rejects.toThrow(/abort/i);
  await s.settled();
  s.onOrtRun = undefined;
  expect(cancelled).toBe(true);
  await expect(s.everythingRuns[run]!.promise).rejects.toMatchObject({ code: 'CANCELLED' });
}

/** A later build of the same image: it succeeds, is stored whole on disk, and was not there before. */
async function buildsWhole(client: Client, args: Record<string, unknown>, before: { ids: string[]; files: string[] }): Promise<string> {
  const r = (await client.callTool({ name: 'build_digital_twin', arguments: args })) as CallToolResult;
  expect(r.isError, JSON.stringify(r.content).slice(0, 500)).toBeFalsy();
  const { twin_id: id, cached, object_count: count } = r.structuredContent as { twin_id: string; cached: boolean; object_count: number };
  expect(cached).toBe(false);
  expect(before.ids).not.toContain(id);
  expect(before.files.filter((f) => f.startsWith(id))).toEqual([]);
  const fromDisk = await new LocalTwinStore({ maxBytes: 1 << 26, dir: s.twinsDir }).get(id);
  expect(fromDisk?.objects.length).toBe(count);
  expect(count).toBeGreaterThan(0);
  for (const o of fromDisk!.objects) expect(rleArea(fromDisk!.masks.get(o.id)!)).toBe(o.area);
  return id;
}

beforeAll(async () => {
  s = await startRealHttpServer();
  [a, b] = await Promise.all([s.client('a'), s.client('b')]);
  image = await s.picture(41, 160, 120);
});

afterAll(async () => {
  await s?.close();
});

describe('a build cancelled by its client', () => {
  it('while the encoder runs leaves no twin, and a later build of the image is whole', async () => {
    const args = { image, preset: 'fast' };
    await cancelledBuild(a, args, 'encoder');
    const after = await storeContents();
    expect(after.files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await buildsWhole(a, args, after);
  });

  it('while the decoder runs leaves no twin, and a later build of the image is whole', async () => {
    const args = { image, preset: 'fast', options: { pointsPerSide: 4 } };
    await cancelledBuild(a, args, 'decoder');
    const after = await storeContents();
    const id = await buildsWhole(b, args, after);
    // The server keeps serving both clients.
    for (const c of [a, b]) {
      const r = (await c.callTool({ name: 'filter_objects', arguments: { twin_id: id, query: {} } })) as CallToolResult;
      expect(r.isError).toBeFalsy();
    }
  });

  it('does not fail another client waiting for the same build', async () => {
    // Options no earlier test used (fast prompts a 3×3 grid itself): a build that is not in the store yet.
    const args = { image, preset: 'fast', options: { pointsPerSide: 5 } };
    const runs = s.everythingRuns.length;
    const call = s.buildCalls.length;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let holding = false;
    s.onOrtRun = (kind) => {
      if (kind !== 'decoder' || holding) return;
      holding = true;
      return gate;
    };
    const controller = new AbortController();
    const first = a.callTool({ name: 'build_digital_twin', arguments: args }, undefined, {
      signal: controller.signal,
      onprogress: () => undefined,
    });
    first.catch(() => undefined);
    await until(() => holding);
    // A client joining a build in progress is told its progress at once: that is how this one knows it joined.
    const progress: number[] = [];
    const second = b.callTool({ name: 'build_digital_twin', arguments: args }, undefined, { onprogress: (p) => progress.push(p.progress) });
    await until(() => progress.length > 0);
    controller.abort();
    await until(() => s.buildCalls[call]?.control?.signal?.aborted === true);
    release();
    s.onOrtRun = undefined;
    await expect(first).rejects.toThrow(/abort/i);
    const r = (await second) as CallToolResult;
    expect(r.isError, JSON.stringify(r.content).slice(0, 500)).toBeFalsy();
    expect((r.structuredContent as { cached: boolean }).cached).toBe(false);
    expect(s.everythingRuns.length - runs).toBe(1);
    expect(await s.store.has((r.structuredContent as { twin_id: string }).twin_id)).toBe(true);
  });
});

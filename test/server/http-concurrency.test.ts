// Eight HTTP clients at once against one server with the real model: builds of one image share one
// encoder run and one twin id; two clients labelling one twin each get their own revision, and both
// survive; mixed calls from eight clients come back each with its own twin's results, nothing mixed.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCocoRle } from '../../src/mask/coco-rle.js';
import { filterObjects } from '../../src/twin/query/filter.js';
import type { Twin } from '../../src/twin/scene-model.js';
import { startRealHttpServer, type RealHttpServer } from '../helpers/real-http-server.js';

const CLIENTS = 8;
let s: RealHttpServer;
let clients: Client[];
/** The twin all eight built, shared by the later tests. */
let shared: { id: string; image: string };

interface BuildResult {
  twin_id: string;
  cached: boolean;
  object_count: number;
  twin: { image: { width: number; height: number } };
}

async function call<T>(c: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = (await c.callTool({ name, arguments: args })) as CallToolResult;
  expect(r.isError, JSON.stringify(r.content).slice(0, 500)).toBeFalsy();
  return r.structuredContent as T;
}

async function readTwin(
  c: Client,
  id: string,
): Promise<{
  twin_id: string;
  image: { width: number; height: number };
  revision?: { parent: string };
  objects: { id: number; semantics: { label?: { value: string } } }[];
}> {
  const r = await c.readResource({ uri: `twin://${id}` });
  return JSON.parse((r.contents[0] as { text: string }).text);
}

/** Waits (polling) until `ready` holds; the test's own timeout bounds it. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 10));
}

const labelOf = (t: Awaited<ReturnType<typeof readTwin>>, id: number) => t.objects.find((o) => o.id === id)?.semantics.label?.value;

beforeAll(async () => {
  s = await startRealHttpServer();
  clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => s.client(`client-${i}`)));
});

afterAll(async () => {
  await s?.close();
});

describe('eight HTTP clients at once', () => {
  it('build the same image with one encoder run and all get the same twin id', async () => {
    const image = await s.picture(31, 160, 120);
    const [calls, runs, encoder] = [s.buildCalls.length, s.everythingRuns.length, s.ortRuns.encoder];
    // The encoder waits until all eight builds have reached the service, so all of them ask while it runs.
    s.onOrtRun = (kind) => (kind === 'encoder' ? until(() => s.buildCalls.length - calls >= CLIENTS) : undefined);
    const results = await Promise.all(clients.map((c) => call<BuildResult>(c, 'build_digital_twin', { image, preset: 'fast' })));
    s.onOrtRun = undefined;
    expect(new Set(results.map((r) => r.twin_id)).size).toBe(1);
    expect(results[0]!.object_count).toBeGreaterThanOrEqual(2);
    expect(s.everythingRuns.length - runs).toBe(1);
    expect(s.ortRuns.encoder - encoder).toBe(1);
    expect(await s.store.has(results[0]!.twin_id)).toBe(true);
    shared = { id: results[0]!.twin_id, image };
  });

  it('label one twin from two clients at once: each gets its own revision and both labels survive', async () => {
    const [a, b] = await Promise.all([
      call<{ twin_id: string }>(clients[0]!, 'label_objects', { twin_id: shared.id, labels: [{ id: 1, label: 'table' }] }),
      call<{ twin_id: string }>(clients[1]!, 'label_objects', { twin_id: shared.id, labels: [{ id: 2, label: 'lamp' }] }),
    ]);
    expect(a.twin_id).not.toBe(b.twin_id);
    const [ra, rb, base] = await Promise.all([
      readTwin(clients[2]!, a.twin_id),
      readTwin(clients[3]!, b.twin_id),
      readTwin(clients[4]!, shared.id),
    ]);
    expect([labelOf(ra, 1), labelOf(ra, 2)]).toEqual(['table', undefined]);
    expect([labelOf(rb, 1), labelOf(rb, 2)]).toEqual([undefined, 'lamp']);
    expect([ra.revision?.parent, rb.revision?.parent]).toEqual([shared.id, shared.id]);
    expect([labelOf(base, 1), labelOf(base, 2)]).toEqual([undefined, undefined]);
    // Either client may carry the other's label on: a revision of a revision holds both.
    const both = await call<{ twin_id: string }>(clients[1]!, 'label_objects', { twin_id: a.twin_id, labels: [{ id: 2, label: 'lamp' }] });
    const rboth = await readTwin(clients[5]!, both.twin_id);
    expect([labelOf(rboth, 1), labelOf(rboth, 2)]).toEqual(['table', 'lamp']);
    // The same change from two clients at once is one revision, not two.
    const same = await Promise.all(
      clients
        .slice(0, 2)
        .map((c) => call<{ twin_id: string }>(c, 'label_objects', { twin_id: shared.id, labels: [{ id: 1, label: 'desk' }] })),
    );
    expect(same[0]!.twin_id).toBe(same[1]!.twin_id);
  });

  it('make mixed calls and each gets the results of its own twin and its own labels, nothing mixed', async () => {
    const other = await s.picture(32, 192, 144);
    const base = (await s.store.get(shared.id)) as Twin;
    const runs = s.everythingRuns.length;
    const builders = clients.slice(0, 4).map((c) => call<BuildResult>(c, 'build_digital_twin', { image: other, preset: 'fast' }));
    const callers = clients.slice(4).map(async (c, k) => {
      const name = `thing of client ${k}`;
      for (let round = 0; round < 6; round++) {
        const id = 1 + ((k + round) % base.objects.length);
        const mask = await call<{ twin_id: string; width: number; height: number; rle: { size: number[]; counts: string } }>(
          c,
          'get_mask',
          {
            twin_id: shared.id,
            ids: [id],
            format: 'rle',
          },
        );
        expect([mask.twin_id, mask.width, mask.height]).toEqual([shared.id, 160, 120]);
        expect(mask.rle).toEqual(encodeCocoRle(base.masks.get(id)!));
        const filtered = await call<{ twin_id: string; total: number }>(c, 'filter_objects', {
          twin_id: shared.id,
          query: { where: { left_of: id } },
        });
        expect(filtered).toMatchObject({ twin_id: shared.id, total: filterObjects(base, { left_of: id }).total });
        const labelled = await call<{ twin_id: string }>(c, 'label_objects', { twin_id: shared.id, labels: [{ id, label: name }] });
        const revision = await readTwin(c, labelled.twin_id);
        expect(revision.objects.filter((o) => o.semantics.label).map((o) => [o.id, o.semantics.label!.value])).toEqual([[id, name]]);
      }
    });
    const [built] = await Promise.all([Promise.all(builders), Promise.all(callers)]);
    expect(new Set(built.map((r) => r.twin_id)).size).toBe(1);
    expect(built[0]!.twin_id).not.toBe(shared.id);
    expect(built[0]!.twin.image).toEqual({ width: 192, height: 144 });
    // A client that built it sees the path it named; one that was only given the id does not.
    expect((await readTwin(clients[0]!, built[0]!.twin_id)).image).toEqual({ width: 192, height: 144, source: other });
    expect((await readTwin(clients[7]!, built[0]!.twin_id)).image).toEqual({ width: 192, height: 144 });
    expect(s.everythingRuns.length - runs).toBe(1);
  });
});

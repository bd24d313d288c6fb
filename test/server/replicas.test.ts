// Two replicas of `twinseg serve --http` (child processes of the built CLI, each with its own home
// directory) share one real Redis through TWINSEG_STORE and run stateless. A twin built through one
// replica is filtered, labelled and masked through the other, a revision made on the second is read on
// the first, and a client behind a balancer without affinity has its calls spread over both.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawScene } from '../../src/scenes/scene.js';
import { tempDir } from '../helpers/mcp-harness.js';
import { skipWithoutRedis, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startReplica, type Replica } from '../helpers/replica-process.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/round-robin-proxy.js';

const TOKEN = 'replica-token-0123456789abcdef';

describe.skipIf(skipWithoutRedis())('replicas sharing one Redis', () => {
  let work: string;
  let redis: RedisServer | undefined;
  let a: Replica | undefined;
  let b: Replica | undefined;
  let proxy: RoundRobinProxy | undefined;
  const clients: Client[] = [];
  let photo: string;

  beforeAll(async () => {
    work = await tempDir('twinseg-replicas-');
    photo = path.join(work, 'scene.png');
    await fs.writeFile(photo, (await drawScene({ seed: 31, width: 320, height: 240 })).picture.data);
    redis = await startRedisServer();
    const env = (name: string) => ({
      TWINSEG_HOME: path.join(work, `home-${name}`),
      TWINSEG_ROOTS: work,
      TWINSEG_STORE: redis!.url,
      TWINSEG_TOKEN: TOKEN,
      TWINSEG_HTTP_STATELESS: '1',
      TWINSEG_PROVIDERS: 'cpu',
      TWINSEG_PRESET: 'fast',
    });
    [a, b] = await Promise.all([startReplica(env('a')), startReplica(env('b'))]);
    proxy = await startRoundRobinProxy([a.origin, b.origin]);
  });

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await proxy?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await fs.rm(work, { recursive: true, force: true });
  });

  async function connect(url: string): Promise<(name: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>> {
    const client = new Client({ name: 'replica-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }),
    );
    clients.push(client);
    return async (name, args) => {
      const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect(r.isError, `${name} on ${url}: ${JSON.stringify(r.content).slice(0, 500)}\n${a?.stderr()}\n${b?.stderr()}`).toBeFalsy();
      return r.structuredContent as Record<string, unknown>;
    };
  }

  it('serves a twin built on A through B, and a revision made on B through A', async () => {
    const [onA, onB] = await Promise.all([connect(a!.url), connect(b!.url)]);
    const built = await onA('build_digital_twin', { image: photo });
    const id = built.twin_id as string;
    expect(id).toMatch(/^tw_[0-9a-f]{16}$/);

    const everything = { twin_id: id, query: {} };
    expect(await onB('filter_objects', everything)).toEqual(await onA('filter_objects', everything));
    const mask = { twin_id: id, ids: [1, 2], format: 'rle' };
    expect(await onB('get_mask', mask)).toEqual(await onA('get_mask', mask));

    const labelled = await onB('label_objects', { twin_id: id, labels: [{ id: 1, label: 'first thing' }] });
    const revision = labelled.twin_id as string;
    expect(revision).not.toBe(id);
    const found = await onA('filter_objects', { twin_id: revision, query: { where: { text: 'first thing' } } });
    expect(JSON.stringify(found)).toContain('first thing');
    // The revision's masks come from its base, whichever replica completes them.
    expect(await onA('get_mask', { ...mask, twin_id: revision })).toMatchObject({ area: (await onB('get_mask', mask)).area });
  });

  it('answers a client behind a round-robin balancer on both replicas, one call after another', async () => {
    const call = await connect(`${proxy!.origin}/mcp`);
    const before = [...proxy!.counts];
    const { twin_id: id } = await call('build_digital_twin', { image: photo }); // cached in Redis by now
    for (let i = 0; i < 4; i++) {
      await call('filter_objects', { twin_id: id, query: { where: { level: 'whole' } } });
      await call('get_mask', { twin_id: id, ids: [1], format: 'png' });
    }
    const { twin_id: revision } = await call('label_objects', { twin_id: id, labels: [{ id: 2, label: 'second thing' }] });
    expect(JSON.stringify(await call('filter_objects', { twin_id: revision, query: { where: { text: 'second thing' } } }))).toContain(
      'second thing',
    );
    const spread = proxy!.counts.map((n, i) => n - before[i]!);
    expect(
      spread.every((n) => n >= 5),
      `requests per replica: ${spread.join(', ')}`,
    ).toBe(true);
  });
});

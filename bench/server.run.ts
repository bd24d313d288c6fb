// Server benchmark: the MCP tools as a host calls them, in process (SDK client over an in-memory
// transport, the real twin service and model): build_digital_twin cold (first build of an image) and
// cached (the same call again), filter_objects and get_mask latencies, and peak RSS. Latencies include
// the MCP round trip (zod validation, JSON) but no network. Writes bench/out/server.json.
// Run: npm run bench:server   (BENCH_PRESET=fast to build with another preset; default: the server's)
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { it } from 'vitest';
import { createAppContext } from '../src/app-context.js';
import { loadConfig, PRESET_NAMES, type PresetName } from '../src/config.js';
import { createServer } from '../src/server/server.js';
import { createTwinService } from '../src/twin/twin-service.js';
import { latency, machine, peakRssMb, sharedData, writeBenchOutput } from './bench-output.js';

const CACHED_RUNS = 5;
const MASK_RUNS = 5;

/** filter_objects queries a host typically sends: by level, size, place, colour, relation. */
const QUERIES = [
  {},
  { where: { level: 'whole' } },
  { where: { area_pct: { min: 2 } }, sort: { by: 'area', order: 'desc' }, limit: 5 },
  { where: { region: 'left' } },
  { where: { color: 'white' } },
  { where: { left_of: 1 } },
  { where: { inside: 1 } },
  { where: { near: { id: 2, k: 3 } } },
  { or: [{ region: 'top' }, { region: 'bottom' }], not: [{ level: 'part' }] },
];

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await f();
  return { ms: performance.now() - t, value };
}

function check(r: CallToolResult, what: string): CallToolResult {
  if (r.isError) throw new Error(`${what} failed: ${JSON.stringify(r.content).slice(0, 300)}`);
  return r;
}

it('server tools through an in-process MCP client', async () => {
  const sample = sharedData('coco');
  const photos = sharedData('photos');
  const images = [path.join(sample, '000000142238.jpg'), path.join(sample, '000000439180.jpg'), path.join(photos, 'dog.jpg')];
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'twinseg-bench-server-'));
  const preset = (process.env.BENCH_PRESET as PresetName | undefined) ?? undefined;
  if (preset && !PRESET_NAMES.includes(preset)) throw new Error(`BENCH_PRESET must be one of ${PRESET_NAMES.join(', ')}`);
  const config = loadConfig({
    ...process.env,
    TWINSEG_HOME: home,
    TWINSEG_PERSIST: '0',
    TWINSEG_ROOTS: [sample, photos, home].join(path.delimiter),
    TWINSEG_OUTPUT_DIR: path.join(home, 'out'),
  });
  const twins = await createTwinService(config, { log: () => {} });
  const app = await createAppContext(config, { twins, log: () => {} });
  const server = createServer(app);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'twinseg-bench', version: '1.0.0' });
  await client.connect(clientTransport);
  const call = async (name: string, args: Record<string, unknown>) =>
    check((await client.callTool({ name, arguments: args }, undefined, { timeout: 600_000 })) as CallToolResult, name);

  const cold: number[] = [];
  const cached: number[] = [];
  const filter: number[] = [];
  const masks: Record<string, number[]> = { png: [], rle: [], polygon: [] };
  const built: { image: string; buildColdMs: number; buildCachedMs: number; objects: number }[] = [];
  try {
    for (const image of images) {
      const args = { image, ...(preset ? { preset } : {}) };
      const first = await timed(() => call('build_digital_twin', args));
      const twinId = (first.value.structuredContent as { twin_id: string }).twin_id;
      const again: number[] = [];
      for (let i = 0; i < CACHED_RUNS; i++) again.push((await timed(() => call('build_digital_twin', args))).ms);
      const twin = await twins.get(twinId);
      cold.push(first.ms);
      cached.push(...again);
      built.push({ image: path.basename(image), buildColdMs: first.ms, buildCachedMs: latency(again).p50, objects: twin.objects.length });
      for (const query of QUERIES) filter.push((await timed(() => call('filter_objects', { twin_id: twinId, query }))).ms);
      const idSets = [[1], [1, 2], twin.objects.slice(0, 5).map((o) => o.id)];
      for (const format of Object.keys(masks)) {
        for (let i = 0; i < MASK_RUNS; i++) {
          for (const ids of idSets) masks[format]!.push((await timed(() => call('get_mask', { twin_id: twinId, ids, format }))).ms);
        }
      }
    }
    const provider = (await twins.segmenter()).provider;
    const file = await writeBenchOutput('server', {
      machine: machine(provider),
      preset: preset ?? config.preset,
      images: built,
      latencies: {
        build_cold: latency(cold),
        build_cached: latency(cached),
        filter_objects: latency(filter),
        get_mask_png: latency(masks.png!),
        get_mask_rle: latency(masks.rle!),
        get_mask_polygon: latency(masks.polygon!),
      },
      peakRssMb: peakRssMb(),
    });
    console.log(`\nServer tools (${preset ?? config.preset}, ${provider}):`);
    console.table(built);
    console.log(`figures written to ${file}`);
  } finally {
    await client.close();
    await server.close();
    await app.close();
    await fs.rm(home, { recursive: true, force: true });
  }
});

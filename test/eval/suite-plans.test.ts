// The suite's requests and its agent, without the model: requests are deterministic, their plans bind every
// id before using it and end in get_mask, their ground truth is what the words name, and the agent carries
// ids between calls, loosens an empty colour filter and reads a large mask from its resource.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { encodeCocoRle } from '../../src/mask/coco-rle.js';
import { combineMasks } from '../../src/mask/combine.js';
import { rleArea, rleIou } from '../../src/mask/rle.js';
import { runPlan, type ToolPort } from '../../src/eval/suite/agent.js';
import { sceneRequests } from '../../src/eval/suite/requests.js';
import { REQUEST_KINDS, type PlanStep } from '../../src/eval/suite/suite-types.js';
import { drawScene } from '../../src/scenes/scene.js';

const refsOf = (step: PlanStep): string[] => {
  if (step.call === 'get_mask') return step.ids;
  if (step.call === 'segment') return step.object ? [step.object] : [];
  return (
    JSON.stringify(step.query)
      .match(/"\$\w+"/g)
      ?.map((r) => r.slice(1, -1)) ?? []
  );
};

describe('suite requests', () => {
  it('are the same for the same seed, every kind appears over a few scenes, and plans are well formed', async () => {
    const kinds = new Set<string>();
    for (const seed of [1, 2, 3, 4]) {
      const scene = await drawScene({ seed });
      const reqs = sceneRequests(scene, REQUEST_KINDS);
      expect(sceneRequests(await drawScene({ seed }), REQUEST_KINDS).map((r) => [r.id, r.text])).toEqual(reqs.map((r) => [r.id, r.text]));
      for (const r of reqs) {
        kinds.add(r.kind);
        expect(r.plan.at(-1)!.call).toBe('get_mask');
        const bound = new Set<string>();
        for (const step of r.plan) {
          for (const ref of refsOf(step)) expect(bound.has(ref.slice(1)), `${r.id}: ${ref}`).toBe(true);
          if (step.call !== 'get_mask') bound.add(step.bind);
        }
        expect(rleArea(r.target), r.id).toBeGreaterThan(0);
        const named = scene.objects.filter((o) => r.refers.includes(o.id));
        if (r.kind === 'colour' || r.kind === 'refine') expect(r.target).toBe(named[0]!.mask);
        if (r.kind === 'union')
          expect(
            rleIou(
              r.target,
              combineMasks(
                named.map((o) => o.mask),
                'union',
              ),
            ),
          ).toBe(1);
        if (r.kind === 'part-of')
          expect(
            rleIou(
              r.target,
              combineMasks(
                named.map((o) => o.mask),
                'union',
              ),
            ),
          ).toBe(1);
        if (r.kind === 'difference')
          expect(rleIou(r.target, combineMasks([named[0]!.mask, ...named.slice(1).map((o) => o.mask)], 'difference'))).toBe(1);
      }
    }
    expect([...kinds].sort()).toEqual([...REQUEST_KINDS].sort());
  });
});

describe('suite agent', () => {
  const W = 8;
  const H = 4;
  const mask = (ids: number[]) => {
    const counts = [ids[0]! * 2, 2, W * H - ids[0]! * 2 - 2];
    return { width: W, height: H, counts: Uint32Array.from(counts) };
  };

  function fakePort(): ToolPort & { seen: { name: string; args: Record<string, unknown> }[] } {
    const seen: { name: string; args: Record<string, unknown> }[] = [];
    const ok = (structured: Record<string, unknown>): CallToolResult => ({
      content: [{ type: 'text', text: 'ok' }],
      structuredContent: structured,
    });
    return {
      seen,
      call: async (name, args) => {
        seen.push({ name, args });
        if (name === 'filter_objects') {
          const where = (args.query as { where: Record<string, unknown> }).where;
          // No whole is red; any red object is 3; parts inside 3 are 5 and 6.
          if (where.inside === 3) return ok({ objects: [{ id: 5 }, { id: 6 }], total: 2 });
          return ok(where.level === 'whole' ? { objects: [], total: 0 } : { objects: [{ id: 3 }], total: 1 });
        }
        if (name === 'segment') return ok({ twin_id: 'tw_rev', action: 'added', object: { id: 9, area_pct: 1 } });
        // get_mask: "large" masks only as a resource.
        return ok({ area: 2, uri: `twin://${String(args.twin_id)}/mask/x.json` });
      },
      readText: async () => JSON.stringify({ rle: encodeCocoRle(mask([1])) }),
    };
  }

  it('carries ids from filter to filter, loosens an empty colour filter and reads the mask from its resource', async () => {
    const port = fakePort();
    const plan: PlanStep[] = [
      { call: 'filter_objects', bind: 'w', query: { where: { level: 'whole', color: 'red' } }, otherwise: { where: { color: 'red' } } },
      { call: 'filter_objects', bind: 'p', query: { where: { inside: '$w' } } },
      { call: 'get_mask', ids: ['$w', '$p'], op: 'difference' },
    ];
    const out = await runPlan(port, 'tw_base', plan);
    expect(out.failure).toBeUndefined();
    expect(out.ids).toEqual([3, 5, 6]);
    expect(port.seen.map((c) => c.name)).toEqual(['filter_objects', 'filter_objects', 'filter_objects', 'get_mask']);
    expect(port.seen[2]!.args.query).toEqual({ where: { inside: 3 } });
    expect(port.seen[3]!.args).toMatchObject({ twin_id: 'tw_base', ids: [3, 5, 6], op: 'difference', format: 'rle' });
    expect(rleArea(out.mask!)).toBe(2);
  });

  it('uses the revision segment returns, and ends with an empty answer when a filter bound nothing', async () => {
    const port = fakePort();
    const seg = await runPlan(port, 'tw_base', [
      { call: 'segment', bind: 's', points: [{ x: 1.5, y: 1.5, label: 1 }] },
      { call: 'get_mask', ids: ['$s'], op: 'union' },
    ]);
    expect(port.seen.at(-1)!.args).toMatchObject({ twin_id: 'tw_rev', ids: [9] });
    expect(seg.ids).toEqual([9]);
    const empty = await runPlan(port, 'tw_base', [
      { call: 'filter_objects', bind: 'w', query: { where: { level: 'whole' } } },
      { call: 'filter_objects', bind: 'p', query: { where: { inside: '$w' } } },
      { call: 'get_mask', ids: ['$p'], op: 'union' },
    ]);
    expect(empty.mask).toBeUndefined();
    expect(empty.failure).toMatch(/\$w is empty/);
  });
});

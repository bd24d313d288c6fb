// Runs a request's plan through the MCP tools, as a host agent would: build the twin, then each call in
// turn, ids carried from one result to the next, the twin id replaced by each revision `segment` makes.
// The answer is get_mask's RLE (inline, or read from its twin:// resource when large).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decodeCocoRle, type CocoRleInput } from '../../mask/coco-rle.js';
import type { Rle } from '../../mask/rle.js';
import type { IdRef, PlanStep } from './suite-types.js';

/** The two MCP operations the agent needs: a tool call, and reading a resource's text. */
export interface ToolPort {
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  readText(uri: string): Promise<string>;
}

export interface CallRecord {
  tool: string;
  args: Record<string, unknown>;
  /** What came back, shortly: ids bound, area, or the error. */
  outcome: string;
}

export interface PlanOutcome {
  /** The mask the agent delivers; undefined when the plan could not finish (scored as empty). */
  mask?: Rle;
  /** The ids the final get_mask took. */
  ids?: number[];
  calls: CallRecord[];
  /** Why the plan stopped early. */
  failure?: string;
}

function textOf(r: CallToolResult): string {
  return r.content
    .map((c) => (c.type === 'text' ? c.text : ''))
    .join(' ')
    .trim();
}

class PlanError extends Error {}

/** Replaces "$x" strings in a query with the first id bound to x. */
function resolveQuery(value: unknown, vars: Map<string, number[]>): unknown {
  if (typeof value === 'string' && value.startsWith('$')) return firstId(value as IdRef, vars);
  if (Array.isArray(value)) return value.map((v) => resolveQuery(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveQuery(v, vars)]));
  return value;
}

function idsOf(ref: IdRef, vars: Map<string, number[]>): number[] {
  const ids = vars.get(ref.slice(1));
  if (ids === undefined) throw new PlanError(`the plan uses ${ref} before binding it`);
  return ids;
}

function firstId(ref: IdRef, vars: Map<string, number[]>): number {
  const ids = idsOf(ref, vars);
  if (ids.length === 0) throw new PlanError(`${ref} is empty: the filter that bound it matched nothing`);
  return ids[0]!;
}

/** Runs `plan` on the twin `twinId`; never throws for a tool error, it ends the plan with a failure. */
export async function runPlan(port: ToolPort, twinId: string, plan: readonly PlanStep[]): Promise<PlanOutcome> {
  const vars = new Map<string, number[]>();
  const calls: CallRecord[] = [];
  let twin = twinId;
  const call = async (tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const r = await port.call(tool, args);
    const record: CallRecord = { tool, args, outcome: '' };
    calls.push(record);
    if (r.isError) {
      record.outcome = `error: ${textOf(r)}`;
      throw new PlanError(`${tool} failed: ${textOf(r)}`);
    }
    return (r.structuredContent ?? {}) as Record<string, unknown>;
  };
  try {
    for (const step of plan) {
      if (step.call === 'filter_objects') {
        let out = await call('filter_objects', { twin_id: twin, query: resolveQuery(step.query, vars) });
        if ((out.objects as unknown[]).length === 0 && step.otherwise) {
          calls.at(-1)!.outcome = '[] (loosened)';
          out = await call('filter_objects', { twin_id: twin, query: resolveQuery(step.otherwise, vars) });
        }
        const ids = (out.objects as { id: number }[]).map((o) => o.id);
        vars.set(step.bind, ids);
        calls.at(-1)!.outcome = `[${ids.join(', ')}] of ${String(out.total)}`;
      } else if (step.call === 'segment') {
        const args: Record<string, unknown> = { twin_id: twin, points: step.points };
        if (step.object) args.object = firstId(step.object, vars);
        const out = await call('segment', args);
        twin = out.twin_id as string;
        const object = out.object as { id: number; area_pct: number };
        vars.set(step.bind, [object.id]);
        calls.at(-1)!.outcome = `${String(out.action)} ${object.id}`;
      } else {
        const ids = [...new Set(step.ids.flatMap((ref) => idsOf(ref, vars)))];
        if (ids.length === 0) throw new PlanError(`get_mask has no ids: ${step.ids.join(', ')} matched nothing`);
        const out = await call('get_mask', { twin_id: twin, ids, op: step.op, format: 'rle' });
        const inline = out.rle as CocoRleInput | undefined;
        const rle = inline ?? (JSON.parse(await port.readText(out.uri as string)) as { rle: CocoRleInput }).rle;
        calls.at(-1)!.outcome = `area ${String(out.area)}`;
        return { mask: decodeCocoRle(rle), ids, calls };
      }
    }
    return { calls, failure: 'the plan has no get_mask step' };
  } catch (e) {
    if (e instanceof PlanError) return { calls, failure: e.message };
    throw e;
  }
}

// The generated reasoning suite's data: a request is what a person asks about a drawn scene (text), the
// tool calls an agent makes for it (plan) and the exact ground truth (target). Plans are data, so the
// suite can print them beside their scores and a reader can replay them by hand.
import type { MaskOp } from '../../mask/combine.js';
import type { Rle } from '../../mask/rle.js';

/** What a request exercises; the table reports gIoU/cIoU per kind. */
export const REQUEST_KINDS = ['colour', 'size', 'relation', 'part-of', 'union', 'difference', 'refine'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/**
 * A reference to ids an earlier step bound: "$name". In a filter query it stands for the one id the step
 * bound (its first); in get_mask ids, for all of them.
 */
export type IdRef = `$${string}`;

export interface ClickPoint {
  x: number;
  y: number;
  label: 0 | 1;
}

export type PlanStep =
  /**
   * filter_objects with this query; binds the returned ids (in the tool's order) to `bind`. When it matches
   * nothing and `otherwise` is given, the agent loosens the query to that and asks again.
   */
  | { call: 'filter_objects'; bind: string; query: Record<string, unknown>; otherwise?: Record<string, unknown> }
  /** segment with these clicks (and `object` to refine it); binds the object it returns. */
  | { call: 'segment'; bind: string; points: ClickPoint[]; object?: IdRef }
  /** The answer: get_mask of these ids combined by op. Always the last step. */
  | { call: 'get_mask'; ids: IdRef[]; op: MaskOp };

export interface SuiteRequest {
  /** `s<seed>-<kind>`, unique in a suite. */
  id: string;
  seed: number;
  kind: RequestKind;
  /** What the person asks, in words. */
  text: string;
  /** The calls an agent makes after build_digital_twin, in order. */
  plan: PlanStep[];
  /** Scene object ids the text is about (for reports). */
  refers: number[];
  /** The exact pixels meant. */
  target: Rle;
}

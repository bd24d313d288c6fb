// SAM's stability score, defined once: the IoU of the mask at logit > +|offset| with the mask at logit >
// −|offset|, strict thresholds, 0 for an empty mask. The first mask lies inside the second, so the IoU is a
// ratio of counts; a tally lets a caller count them in the pass it already makes over its logits.

export interface StabilityTally {
  readonly hi: number;
  readonly lo: number;
  /** Logits above hi (inside both masks). */
  inter: number;
  /** Logits above lo (inside the larger mask). */
  union: number;
}

export function stabilityTally(offset: number): StabilityTally {
  const hi = Math.abs(offset);
  return { hi, lo: -hi, inter: 0, union: 0 };
}

export function tallyLogit(t: StabilityTally, v: number): void {
  if (v > t.lo) {
    t.union++;
    if (v > t.hi) t.inter++;
  }
}

export function stabilityOf(t: StabilityTally): number {
  return t.union === 0 ? 0 : t.inter / t.union;
}

export function stabilityScore(logits: ArrayLike<number>, offset: number): number {
  const t = stabilityTally(offset);
  for (let i = 0; i < logits.length; i++) tallyLogit(t, logits[i]!);
  return stabilityOf(t);
}

// Where the id labels of a marks picture go so that no two overlap: on the object when a spot deep
// enough is free, otherwise beside it with a leader line to a point inside it. Greedy, smallest object
// first (it has the fewest spots). A label that finds no free place within reach of its object is left
// out and reported, never drawn over another. Pure geometry on picture pixels.
import type { Box } from '../../mask/rle.js';
import type { Candidate } from './mark-placement.js';

export interface LabelTarget {
  id: number;
  /** Label box size in picture pixels. */
  width: number;
  height: number;
  /** Spots inside the object, best first (mark-placement's interiorCandidates). */
  spots: readonly Candidate[];
  /** The object's depth map (distance to its edge) over `box`, in picture pixels: where a leader may point. */
  depth: { box: Box; values: Float32Array };
  /** Visible area in picture pixels; small objects choose first. */
  area: number;
}

export interface Leader {
  /** On the label box's edge. */
  from: [number, number];
  /** The target's anchor. */
  to: [number, number];
}

export interface PlacedLabel {
  id: number;
  box: Box;
  leader?: Leader;
}

export interface LabelLayout {
  placed: PlacedLabel[];
  /** Ids with no free place (kept in input order). */
  unplaced: number[];
}

export interface LayoutOptions {
  /** Free pixels kept between any two labels (default 2). */
  gap?: number;
  /** Longest leader line in picture pixels (default 8 label heights). */
  maxLeader?: number;
  /** How deep a spot must be, as a share of the label's height, for the label to sit on the object (default 0.45). */
  minDepth?: number;
}

type Segment = [number, number, number, number];

/** Lays out labels for `targets` inside `frame` ([x1,y1,x2,y2] in picture pixels). */
export function layoutLabels(targets: readonly LabelTarget[], frame: Box, opts: LayoutOptions = {}): LabelLayout {
  const gap = opts.gap ?? 2;
  const boxes: Box[] = [];
  const leaders: Segment[] = [];
  const anchors = new Map(
    targets
      .map((t) => [t.id, deepestClear(t.depth, [], 1, 0)[0]] as const)
      .filter((e): e is [number, [number, number]] => e[1] !== undefined),
  );
  const placed: PlacedLabel[] = [];
  const failed = new Set<number>();
  const isFree = (box: Box): boolean =>
    boxes.every((b) => !boxesTouch(box, b, gap)) && leaders.every((s) => !segmentHitsBox(s, inflate(box, 1)));
  // Covering the point a later leader needs hides that object's dot; worth avoiding, not forbidding.
  const covered = (box: Box, self: number): number => {
    let n = 0;
    for (const [id, [x, y]] of anchors) if (id !== self && x >= box[0] && x < box[2] && y >= box[1] && y < box[3]) n++;
    return n;
  };

  for (const t of [...targets].sort((a, b) => a.area - b.area || a.id - b.id)) {
    const w = t.width;
    const h = t.height;
    if (w > frame[2] - frame[0] || h > frame[3] - frame[1]) {
      failed.add(t.id);
      continue;
    }
    let choice: { box: Box; leader?: Leader } | undefined;
    let fewest = Infinity;
    for (const s of t.spots) {
      if (s.depth < (opts.minDepth ?? 0.45) * h) continue;
      const box = boxInFrame(s.x + 0.5, s.y + 0.5, w, h, frame);
      if (!isFree(box)) continue;
      const n = covered(box, t.id);
      if (n < fewest) [choice, fewest] = [{ box }, n];
      if (n === 0) break;
    }
    choice ??= besideWithLeader(t, frame, opts.maxLeader ?? 8 * h, isFree, covered, boxes, leaders);
    if (!choice) {
      failed.add(t.id);
      continue;
    }
    boxes.push(choice.box);
    if (choice.leader) leaders.push([...choice.leader.from, ...choice.leader.to]);
    placed.push({ id: t.id, ...choice });
  }
  return { placed, unplaced: targets.filter((t) => failed.has(t.id)).map((t) => t.id) };
}

const DIRECTIONS = Array.from({ length: 16 }, (_, k) => {
  // Up first, then the sides, then down: a label above its object reads most naturally.
  const a = -Math.PI / 2 + (k % 2 === 0 ? 1 : -1) * Math.ceil(k / 2) * (Math.PI / 8);
  return [Math.cos(a), Math.sin(a)] as const;
});

function besideWithLeader(
  t: LabelTarget,
  frame: Box,
  maxLeader: number,
  isFree: (b: Box) => boolean,
  covered: (b: Box, self: number) => number,
  boxes: readonly Box[],
  leaders: readonly Segment[],
): { box: Box; leader: Leader } | undefined {
  const w = t.width;
  const h = t.height;
  // The deepest points of the object that no label placed earlier hides.
  const anchors = deepestClear(t.depth, boxes, 4, h / 2);
  const first = Math.hypot(w, h) / 2 + 6;
  for (let r = first; r <= first + maxLeader; r += h * 0.5) {
    let best: { box: Box; leader: Leader; cost: number } | undefined;
    for (const [ax, ay] of anchors) {
      for (const [dx, dy] of DIRECTIONS) {
        const box = boxInFrame(ax + dx * r, ay + dy * r, w, h, frame);
        if (!isFree(box)) continue;
        const from = nearestOnBox(box, ax, ay);
        const length = Math.hypot(from[0] - ax, from[1] - ay);
        // Too short to see, or pushed back over the anchor by the frame.
        if (length < 6 || length > maxLeader) continue;
        const seg: Segment = [from[0], from[1], ax, ay];
        if (boxes.some((b) => segmentHitsBox(seg, inflate(b, 1)))) continue;
        const crossings = leaders.filter((s) => segmentsCross(seg, s)).length;
        const cost = covered(box, t.id) * 4 + crossings * 2 + length / r;
        if (!best || cost < best.cost) best = { box, leader: { from, to: [ax, ay] }, cost };
      }
    }
    if (best) return { box: best.box, leader: best.leader };
  }
  return undefined;
}

/**
 * Up to `n` points (pixel centres) of a depth map, deepest first and at least `spacing` apart, that no
 * box in `hiding` covers or comes within 3 pixels of.
 */
export function deepestClear(
  depth: { box: Box; values: Float32Array },
  hiding: readonly Box[],
  n: number,
  spacing: number,
): [number, number][] {
  const [x0, y0, x1] = depth.box;
  const w = x1 - x0;
  const near = hiding.filter((b) => boxesTouch(b, depth.box, 3));
  const out: [number, number][] = [];
  // n passes, each taking the deepest pixel still allowed: cheaper than sorting a large mask.
  for (let pass = 0; pass < n; pass++) {
    let best = -1;
    let bestDepth = 0;
    depth.values.forEach((v, i) => {
      if (v <= bestDepth) return;
      const x = x0 + (i % w) + 0.5;
      const y = y0 + Math.floor(i / w) + 0.5;
      if (near.some((b) => x >= b[0] - 3 && x < b[2] + 3 && y >= b[1] - 3 && y < b[3] + 3)) return;
      if (out.some(([ox, oy]) => Math.hypot(ox - x, oy - y) < spacing)) return;
      best = i;
      bestDepth = v;
    });
    if (best < 0) break;
    out.push([x0 + (best % w) + 0.5, y0 + Math.floor(best / w) + 0.5]);
  }
  return out;
}

/** A w×h box centred on (cx, cy), moved inside the frame, on whole pixels. */
export function boxInFrame(cx: number, cy: number, w: number, h: number, [fx1, fy1, fx2, fy2]: Box): Box {
  const x1 = Math.round(Math.min(Math.max(fx1, cx - w / 2), fx2 - w));
  const y1 = Math.round(Math.min(Math.max(fy1, cy - h / 2), fy2 - h));
  return [x1, y1, x1 + w, y1 + h];
}

/** True when the boxes overlap or come closer than `gap` pixels. */
export function boxesTouch(a: Box, b: Box, gap = 0): boolean {
  return a[0] < b[2] + gap && b[0] < a[2] + gap && a[1] < b[3] + gap && b[1] < a[3] + gap;
}

function inflate([x1, y1, x2, y2]: Box, d: number): Box {
  return [x1 - d, y1 - d, x2 + d, y2 + d];
}

function nearestOnBox([x1, y1, x2, y2]: Box, x: number, y: number): [number, number] {
  return [Math.min(Math.max(x, x1), x2), Math.min(Math.max(y, y1), y2)];
}

/** Whether the segment passes through the box's interior (Liang–Barsky clipping). */
export function segmentHitsBox([x0, y0, x1, y1]: Segment, [bx1, by1, bx2, by2]: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const clips: [number, number][] = [
    [-dx, x0 - bx1],
    [dx, bx2 - x0],
    [-dy, y0 - by1],
    [dy, by2 - y0],
  ];
  for (const [p, q] of clips) {
    if (p === 0) {
      if (q <= 0) return false;
    } else {
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r);
      else t1 = Math.min(t1, r);
      if (t0 >= t1) return false;
    }
  }
  return true;
}

/** Whether two segments cross (touching at an end does not count). */
export function segmentsCross(a: Segment, b: Segment): boolean {
  const side = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) =>
    Math.sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax));
  const d1 = side(b[0], b[1], b[2], b[3], a[0], a[1]);
  const d2 = side(b[0], b[1], b[2], b[3], a[2], a[3]);
  const d3 = side(a[0], a[1], a[2], a[3], b[0], b[1]);
  const d4 = side(a[0], a[1], a[2], a[3], b[2], b[3]);
  return d1 * d2 < 0 && d3 * d4 < 0;
}

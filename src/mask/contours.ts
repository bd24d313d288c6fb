// Boundaries of a binary mask as polygons, for outlines in the twin and the polygon mask format.
//
// Tracing follows the "cracks" between pixels: every edge between a foreground and a background
// pixel (or the image border) becomes a directed unit edge, oriented clockwise on screen (y down)
// around the foreground. Linking those edges into loops gives every boundary exactly once, with
// vertices on pixel corners (so a 10x5 rectangle at x=2,y=3 traces as (2,3) (12,3) (12,8) (2,8)).
// Outer boundaries come out with positive shoelace area, holes with negative, so no separate
// hole-finding pass is needed. Where two foreground pixels meet only diagonally the trace joins
// them (8-connected foreground), as OpenCV's findContours does.

export type Point = [number, number];
export type Ring = Point[];

export interface Contours {
  /** Outer boundaries, clockwise on screen (y down), vertices on pixel corners. */
  outer: Ring[];
  /** Hole boundaries, counter-clockwise on screen. */
  holes: Ring[];
}

// Directions: 0 right, 1 down, 2 left, 3 up.
const DX = [1, 0, -1, 0] as const;
const DY = [0, 1, 0, -1] as const;
const NONE = 255;

/** Traces every boundary of a row-major bitmap (any non-zero byte is foreground). */
export function traceContours(bits: Uint8Array, width: number, height: number): Contours {
  const W1 = width + 1;
  const corners = W1 * (height + 1);
  // Each corner has at most two outgoing edges (two only where pixels touch diagonally).
  const outA = new Uint8Array(corners).fill(NONE);
  const outB = new Uint8Array(corners).fill(NONE);
  const addEdge = (x: number, y: number, dir: number): void => {
    const v = y * W1 + x;
    if (outA[v] === NONE) outA[v] = dir;
    else outB[v] = dir;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      if (bits[i] === 0) continue;
      if (y === 0 || bits[i - width] === 0) addEdge(x, y, 0);
      if (x === width - 1 || bits[i + 1] === 0) addEdge(x + 1, y, 1);
      if (y === height - 1 || bits[i + width] === 0) addEdge(x + 1, y + 1, 2);
      if (x === 0 || bits[i - 1] === 0) addEdge(x, y + 1, 3);
    }
  }

  const outer: Ring[] = [];
  const holes: Ring[] = [];
  for (let start = 0; start < corners; start++) {
    while (outA[start] !== NONE || outB[start] !== NONE) {
      const ring = followLoop(start, W1, outA, outB);
      if (ring.length < 3) continue;
      if (signedArea(ring) > 0) outer.push(ring);
      else holes.push(ring);
    }
  }
  return { outer, holes };
}

/** Walks one loop from `start`, consuming its edges; keeps only the corners where direction changes. */
function followLoop(start: number, W1: number, outA: Uint8Array, outB: Uint8Array): Ring {
  const ring: Ring = [];
  const firstDir = takeEdge(start, NONE, outA, outB);
  let v = start;
  let dir = firstDir;
  let prevDir = NONE;
  for (;;) {
    if (dir !== prevDir) ring.push([v % W1, (v / W1) | 0]);
    prevDir = dir;
    v += DX[dir]! + DY[dir]! * W1;
    if (v === start) {
      // Closed, unless the start is a diagonal-touch corner whose turn rule leads on along its
      // other edge (then that edge belongs to this same loop).
      if (outA[v] === NONE || (dir + 3) % 4 === firstDir) break;
    }
    const next = takeEdge(v, dir, outA, outB);
    if (next === NONE) break; // cannot happen for a bitmap's edges, but never loop forever
    dir = next;
  }
  // When the loop arrives back along its first direction, the start corner is not a turn.
  if (ring.length > 1 && prevDir === firstDir) ring.shift();
  return ring;
}

/**
 * Takes (and removes) the outgoing edge of corner `v`. Where there are two (pixels touching only
 * diagonally), arriving along `inDir`, the 8-connected choice is the turn away from the
 * foreground, to the traveller's left.
 */
function takeEdge(v: number, inDir: number, outA: Uint8Array, outB: Uint8Array): number {
  const a = outA[v]!;
  const b = outB[v]!;
  const chosen = a !== NONE && b !== NONE && inDir !== NONE && (inDir + 3) % 4 !== a ? b : a !== NONE ? a : b;
  if (chosen === NONE) return NONE;
  if (chosen === a) {
    outA[v] = b;
    outB[v] = NONE;
  } else {
    outB[v] = NONE;
  }
  return chosen;
}

/** Shoelace sum (twice the area); positive for clockwise-on-screen rings. */
export function signedArea(ring: readonly Point[]): number {
  let s = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    s += x1 * y2 - x2 * y1;
  }
  return s / 2;
}

export function ringPerimeter(ring: readonly Point[]): number {
  let p = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    p += Math.hypot(x2 - x1, y2 - y1);
  }
  return p;
}

export interface SimplifyOptions {
  /** Douglas–Peucker tolerance in pixels (default 1): removes the pixel staircase. */
  tolerance?: number;
  /** Hard upper bound on vertices (at least 3); enforced by dropping the least significant vertices. */
  maxPoints: number;
}

/**
 * Simplifies a closed ring: Douglas–Peucker at `tolerance`, then, while over `maxPoints`,
 * Visvalingam–Whyatt removal of the vertex whose triangle with its neighbours is smallest.
 */
export function simplifyRing(ring: readonly Point[], opts: SimplifyOptions): Ring {
  const maxPoints = Math.max(3, Math.floor(opts.maxPoints));
  const tolerance = opts.tolerance ?? 1;
  if (ring.length <= 3) return ring.map((p) => [p[0], p[1]] as Point);
  let pts = douglasPeuckerClosed(ring, tolerance);
  if (pts.length > maxPoints) pts = visvalingam(pts, maxPoints);
  return pts;
}

function douglasPeuckerClosed(ring: readonly Point[], tol: number): Ring {
  // Split the ring at vertex 0 and the vertex farthest from it, then simplify both open chains.
  const n = ring.length;
  const [x0, y0] = ring[0]!;
  let far = 0;
  let best = -1;
  for (let i = 1; i < n; i++) {
    const d = (ring[i]![0] - x0) ** 2 + (ring[i]![1] - y0) ** 2;
    if (d > best) {
      best = d;
      far = i;
    }
  }
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[far] = 1;
  const chain = (from: number, to: number): void => {
    // Iterative stack over index ranges on the ring (to may wrap past n).
    const stack: [number, number][] = [[from, to]];
    while (stack.length) {
      const [a, b] = stack.pop()!;
      if (b - a < 2) continue;
      const [ax, ay] = ring[a % n]!;
      const [bx, by] = ring[b % n]!;
      const len = Math.hypot(bx - ax, by - ay);
      let maxD = -1;
      let idx = -1;
      for (let i = a + 1; i < b; i++) {
        const [px, py] = ring[i % n]!;
        const d = len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / len;
        if (d > maxD) {
          maxD = d;
          idx = i;
        }
      }
      if (maxD > tol) {
        keep[idx % n] = 1;
        stack.push([a, idx], [idx, b]);
      }
    }
  };
  chain(0, far);
  chain(far, n);
  const out: Ring = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push([ring[i]![0], ring[i]![1]]);
  return out;
}

function visvalingam(pts: Ring, maxPoints: number): Ring {
  const n = pts.length;
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  const removed = new Uint8Array(n);
  const version = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    prev[i] = (i - 1 + n) % n;
    next[i] = (i + 1) % n;
  }
  const tri = (i: number): number => {
    const [ax, ay] = pts[prev[i]!]!;
    const [bx, by] = pts[i]!;
    const [cx, cy] = pts[next[i]!]!;
    return Math.abs((bx - ax) * (cy - ay) - (cx - ax) * (by - ay));
  };
  // Binary min-heap of [area, index, version]; stale entries are skipped on pop.
  const heap: [number, number, number][] = [];
  const push = (e: [number, number, number]): void => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]![0] <= heap[i]![0]) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const pop = (): [number, number, number] => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]![0] < heap[m]![0]) m = l;
        if (r < heap.length && heap[r]![0] < heap[m]![0]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };
  for (let i = 0; i < n; i++) push([tri(i), i, 0]);
  let left = n;
  while (left > maxPoints && heap.length) {
    const [, i, ver] = pop();
    if (removed[i] || ver !== version[i]) continue;
    removed[i] = 1;
    left--;
    const p = prev[i]!;
    const q = next[i]!;
    next[p] = q;
    prev[q] = p;
    for (const j of [p, q]) {
      version[j]!++;
      push([tri(j), j, version[j]!]);
    }
  }
  const out: Ring = [];
  for (let i = 0; i < n; i++) if (!removed[i]) out.push(pts[i]!);
  return out;
}

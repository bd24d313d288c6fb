// SAM's min_mask_region_area post-processing: fill small holes, then drop small islands.
// Regions are 8-connected, as OpenCV's connectedComponents defaults to in SAM's reference.

export type RegionMode = 'holes' | 'islands';

/**
 * Labels the 8-connected regions where the mask equals `want` inside the window [x0,x1)×[y0,y1) of a
 * row-major width-wide image. Returns per-pixel labels (0 = not in a region, window-relative
 * indices) and each label's size and whether it touches the window's border.
 * Two passes over typed arrays (provisional labels joined by union-find, then resolved): a flood fill
 * with a JS stack cost about a millisecond per mask, a tenth of balanced's post-processing.
 */
export function labelRegions(
  mask: Uint8Array,
  width: number,
  win: [number, number, number, number],
  want: 0 | 1,
): { labels: Int32Array; sizes: number[]; touchesBorder: boolean[] } {
  const [x0, y0, x1, y1] = win;
  const ww = x1 - x0;
  const wh = y1 - y0;
  const labels = new Int32Array(ww * wh);
  // parent[l] for provisional labels; at most one new label per run, so ww*wh/2+1 bounds them.
  let parent = new Int32Array(64);
  let next = 1;
  const find = (l: number): number => {
    while (parent[l] !== l) {
      parent[l] = parent[parent[l]!]!;
      l = parent[l]!;
    }
    return l;
  };
  const join = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    const lo = ra < rb ? ra : rb;
    parent[ra] = lo;
    parent[rb] = lo;
    return lo;
  };
  for (let y = 0; y < wh; y++) {
    const row = y * ww;
    const src = (y0 + y) * width + x0;
    for (let x = 0; x < ww; x++) {
      if ((mask[src + x]! ? 1 : 0) !== want) continue;
      // Neighbours already visited: west, north-west, north, north-east.
      let l = x > 0 ? labels[row + x - 1]! : 0;
      if (y > 0) {
        const up = row - ww + x;
        const nw = x > 0 ? labels[up - 1]! : 0;
        const n = labels[up]!;
        const ne = x < ww - 1 ? labels[up + 1]! : 0;
        if (nw !== 0) l = l === 0 ? nw : join(l, nw);
        if (n !== 0) l = l === 0 ? n : join(l, n);
        if (ne !== 0) l = l === 0 ? ne : join(l, ne);
      }
      if (l === 0) {
        if (next === parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        parent[next] = next;
        l = next++;
      }
      labels[row + x] = l;
    }
  }
  // Resolve to compact final labels, counting sizes and border contact.
  const final = new Int32Array(next);
  const sizes = [0];
  const touchesBorder = [false];
  for (let y = 0, i = 0; y < wh; y++) {
    const edgeRow = y === 0 || y === wh - 1;
    for (let x = 0; x < ww; x++, i++) {
      const l = labels[i]!;
      if (l === 0) continue;
      const root = find(l);
      let f = final[root]!;
      if (f === 0) {
        f = sizes.length;
        final[root] = f;
        sizes.push(0);
        touchesBorder.push(false);
      }
      labels[i] = f;
      sizes[f]!++;
      if (edgeRow || x === 0 || x === ww - 1) touchesBorder[f] = true;
    }
  }
  return { labels, sizes, touchesBorder };
}

/** Tight box of the foreground, exclusive right/bottom; null when empty. */
function bitmapBox(mask: Uint8Array, width: number, height: number): [number, number, number, number] | null {
  let x1 = width;
  let y1 = height;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x]) {
        if (x < x1) x1 = x;
        if (x > x2) x2 = x;
        if (y < y1) y1 = y;
        y2 = y;
      }
    }
  }
  return x2 < 0 ? null : [x1, y1, x2 + 1, y2 + 1];
}

/**
 * Fills holes (mode 'holes') or removes islands (mode 'islands') smaller than areaThresh pixels,
 * in place. Islands: when every island is small the largest one stays, so a mask never empties.
 * Only the mask's box (plus one pixel) is scanned; background touching that margin joins the
 * background outside the box, which is taken to be large. `knownBox`, a box (exclusive right/bottom)
 * holding all of the foreground, spares the scan of the whole bitmap that finds it; any such box gives
 * the same result as the tight one. Returns whether anything changed.
 */
export function removeSmallRegions(
  mask: Uint8Array,
  width: number,
  height: number,
  areaThresh: number,
  mode: RegionMode,
  knownBox?: readonly [number, number, number, number],
): boolean {
  if (areaThresh <= 0) return false;
  const box = knownBox ? clampBox(knownBox, width, height) : bitmapBox(mask, width, height);
  if (!box) return false;
  const win: [number, number, number, number] =
    mode === 'holes' ? [Math.max(0, box[0] - 1), Math.max(0, box[1] - 1), Math.min(width, box[2] + 1), Math.min(height, box[3] + 1)] : box;
  const { labels, sizes, touchesBorder } = labelRegions(mask, width, win, mode === 'holes' ? 0 : 1);
  const flip = new Uint8Array(sizes.length);
  let any = false;
  if (mode === 'holes') {
    const ww = win[2] - win[0];
    const wh = win[3] - win[1];
    for (let l = 1; l < sizes.length; l++) {
      // A background region on the margin we added continues outside the window: not a hole.
      const onMargin = touchesBorder[l] && touchesAddedMargin(labels, l, ww, wh, win, width, height);
      if (!onMargin && sizes[l]! < areaThresh) {
        flip[l] = 1;
        any = true;
      }
    }
  } else {
    let largest = 1;
    for (let l = 1; l < sizes.length; l++) {
      if (sizes[l]! > sizes[largest]!) largest = l;
      if (sizes[l]! < areaThresh) {
        flip[l] = 1;
        any = true;
      }
    }
    if (any && flip.slice(1).every((f) => f === 1)) flip[largest] = 0;
    any = flip.some((f) => f === 1);
  }
  if (!any) return false;
  const ww = win[2] - win[0];
  const wh = win[3] - win[1];
  const value = mode === 'holes' ? 1 : 0;
  for (let y = 0, i = 0; y < wh; y++) {
    const row = (win[1] + y) * width + win[0];
    for (let x = 0; x < ww; x++, i++) {
      const l = labels[i]!;
      if (l !== 0 && flip[l]) mask[row + x] = value;
    }
  }
  return true;
}

/** The box clipped to the image; null when nothing is left. */
function clampBox(b: readonly [number, number, number, number], width: number, height: number): [number, number, number, number] | null {
  const out: [number, number, number, number] = [Math.max(0, b[0]), Math.max(0, b[1]), Math.min(width, b[2]), Math.min(height, b[3])];
  return out[2] > out[0] && out[3] > out[1] ? out : null;
}

/** Whether region l has a pixel on a window side that lies inside the image (the added margin). */
function touchesAddedMargin(
  labels: Int32Array,
  l: number,
  ww: number,
  wh: number,
  win: [number, number, number, number],
  width: number,
  height: number,
): boolean {
  const sides: Array<[boolean, (k: number) => number, number]> = [
    [win[1] > 0, (k) => k, ww], // top row
    [win[3] < height, (k) => (wh - 1) * ww + k, ww], // bottom row
    [win[0] > 0, (k) => k * ww, wh], // left column
    [win[2] < width, (k) => k * ww + ww - 1, wh], // right column
  ];
  for (const [inside, at, n] of sides) {
    if (!inside) continue;
    for (let k = 0; k < n; k++) if (labels[at(k)] === l) return true;
  }
  return false;
}

/**
 * SAM's order: fill holes first, then remove islands. Returns whether the mask changed. `knownBox`
 * (see removeSmallRegions) still holds the mask after holes are filled: a filled hole lies inside it.
 */
export function cleanupMask(
  mask: Uint8Array,
  width: number,
  height: number,
  minArea: number,
  knownBox?: readonly [number, number, number, number],
): boolean {
  const holes = removeSmallRegions(mask, width, height, minArea, 'holes', knownBox);
  const islands = removeSmallRegions(mask, width, height, minArea, 'islands', knownBox);
  return holes || islands;
}

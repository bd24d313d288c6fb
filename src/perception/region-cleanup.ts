// SAM's min_mask_region_area post-processing: fill small holes, then drop small islands.
// Regions are 8-connected, as OpenCV's connectedComponents defaults to in SAM's reference.

export type RegionMode = 'holes' | 'islands';

/**
 * Labels the 8-connected regions where `region(i)` is true inside the window [x0,x1)×[y0,y1) of a
 * row-major width-wide image. Returns per-pixel labels (0 = not in a region, window-relative
 * indices) and each label's size and whether it touches the window's border.
 */
function labelRegions(
  mask: Uint8Array,
  width: number,
  win: [number, number, number, number],
  want: 0 | 1,
): { labels: Int32Array; sizes: number[]; touchesBorder: boolean[] } {
  const [x0, y0, x1, y1] = win;
  const ww = x1 - x0;
  const wh = y1 - y0;
  const labels = new Int32Array(ww * wh);
  const sizes = [0];
  const touchesBorder = [false];
  const stack: number[] = [];
  for (let start = 0; start < ww * wh; start++) {
    if (labels[start] !== 0) continue;
    const sx = start % ww;
    const sy = (start - sx) / ww;
    if ((mask[(y0 + sy) * width + x0 + sx]! ? 1 : 0) !== want) continue;
    const label = sizes.length;
    let size = 0;
    let border = false;
    labels[start] = label;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      size++;
      const px = p % ww;
      const py = (p - px) / ww;
      if (px === 0 || py === 0 || px === ww - 1 || py === wh - 1) border = true;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= wh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          if (nx < 0 || nx >= ww || (dx === 0 && dy === 0)) continue;
          const q = ny * ww + nx;
          if (labels[q] !== 0) continue;
          if ((mask[(y0 + ny) * width + x0 + nx]! ? 1 : 0) !== want) continue;
          labels[q] = label;
          stack.push(q);
        }
      }
    }
    sizes.push(size);
    touchesBorder.push(border);
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
    mode === 'holes'
      ? [Math.max(0, box[0] - 1), Math.max(0, box[1] - 1), Math.min(width, box[2] + 1), Math.min(height, box[3] + 1)]
      : box;
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
  const value = mode === 'holes' ? 1 : 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l !== 0 && flip[l]) {
      const x = i % ww;
      const y = (i - x) / ww;
      mask[(win[1] + y) * width + win[0] + x] = value;
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
export function cleanupMask(mask: Uint8Array, width: number, height: number, minArea: number, knownBox?: readonly [number, number, number, number]): boolean {
  const holes = removeSmallRegions(mask, width, height, minArea, 'holes', knownBox);
  const islands = removeSmallRegions(mask, width, height, minArea, 'islands', knownBox);
  return holes || islands;
}


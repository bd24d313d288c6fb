// Pixel-level shape maths on row-major 0/1 bitmaps: how deep each pixel lies inside its region, the
// deepest pixel (where a prompt is least ambiguous), and morphological opening (what is left of a region
// once slivers thinner than a radius are shaved off). Chessboard metric: 8-neighbours are 1 apart.

/**
 * For each foreground pixel, its chessboard distance to the nearest background pixel or to the outside of
 * the image (a pixel on the border is 1 deep); 0 on background. Two raster passes.
 */
export function chessboardDistance(bits: ArrayLike<number>, width: number, height: number): Int32Array {
  const d = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!bits[i]) continue;
      let v = Math.min(x + 1, y + 1, width - x, height - y);
      if (x > 0) v = Math.min(v, d[i - 1]! + 1);
      if (y > 0) {
        v = Math.min(v, d[i - width]! + 1);
        if (x > 0) v = Math.min(v, d[i - width - 1]! + 1);
        if (x < width - 1) v = Math.min(v, d[i - width + 1]! + 1);
      }
      d[i] = v;
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      if (!bits[i]) continue;
      let v = d[i]!;
      if (x < width - 1) v = Math.min(v, d[i + 1]! + 1);
      if (y < height - 1) {
        v = Math.min(v, d[i + width]! + 1);
        if (x < width - 1) v = Math.min(v, d[i + width + 1]! + 1);
        if (x > 0) v = Math.min(v, d[i + width - 1]! + 1);
      }
      d[i] = v;
    }
  }
  return d;
}

/**
 * The foreground pixel farthest from the region's edge, as its centre [x + 0.5, y + 0.5]; among equally deep
 * pixels the one nearest the foreground's centroid, so a bar gets its middle. Undefined when empty.
 */
export function deepestPixel(bits: ArrayLike<number>, width: number, height: number): [number, number] | undefined {
  const d = chessboardDistance(bits, width, height);
  let max = 0;
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < d.length; i++) {
    if (d[i]! === 0) continue;
    if (d[i]! > max) max = d[i]!;
    sx += i % width;
    sy += (i / width) | 0;
    n++;
  }
  if (n === 0) return undefined;
  const cx = sx / n;
  const cy = sy / n;
  let best = -1;
  let bestD2 = Infinity;
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== max) continue;
    const d2 = ((i % width) - cx) ** 2 + (((i / width) | 0) - cy) ** 2;
    if (d2 < bestD2) {
      bestD2 = d2;
      best = i;
    }
  }
  return [(best % width) + 0.5, ((best / width) | 0) + 0.5];
}

/** Chessboard dilation by `radius` (a (2r+1)² square), as a new bitmap; separable running counts. */
export function dilate(bits: ArrayLike<number>, width: number, height: number, radius: number): Uint8Array {
  const rows = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let count = 0;
    for (let x = 0; x < Math.min(radius, width); x++) count += bits[row + x] ? 1 : 0;
    for (let x = 0; x < width; x++) {
      if (x + radius < width && bits[row + x + radius]) count++;
      if (x - radius - 1 >= 0 && bits[row + x - radius - 1]) count--;
      rows[row + x] = count > 0 ? 1 : 0;
    }
  }
  const out = new Uint8Array(width * height);
  for (let x = 0; x < width; x++) {
    let count = 0;
    for (let y = 0; y < Math.min(radius, height); y++) count += rows[y * width + x]!;
    for (let y = 0; y < height; y++) {
      if (y + radius < height) count += rows[(y + radius) * width + x]!;
      if (y - radius - 1 >= 0) count -= rows[(y - radius - 1) * width + x]!;
      out[y * width + x] = count > 0 ? 1 : 0;
    }
  }
  return out;
}

/**
 * Morphological opening by `radius`: what remains of the foreground once every part thinner than 2·radius+1
 * pixels is shaved off (erode to pixels deeper than radius, dilate back, stay inside the original). Slivers
 * between two masks go; a blob keeps its shape.
 */
export function openBitmap(bits: ArrayLike<number>, width: number, height: number, radius: number): Uint8Array {
  const d = chessboardDistance(bits, width, height);
  const core = new Uint8Array(width * height);
  for (let i = 0; i < d.length; i++) core[i] = d[i]! > radius ? 1 : 0;
  const out = dilate(core, width, height, radius);
  for (let i = 0; i < out.length; i++) if (!bits[i]) out[i] = 0;
  return out;
}

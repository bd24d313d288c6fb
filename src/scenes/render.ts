// Paints a scene plan into pixels and derives its ground truth from the same paint: a label map records
// which item painted each pixel last, and an item's mask is exactly the pixels showing it or one of its
// parts. Texture changes a pixel's brightness, never which item it belongs to.
import { rleArea, rleBbox, rleFromBitmap, type Box } from '../mask/rle.js';
import { fractalNoise } from './noise.js';
import { toHex } from './palette.js';
import { rasteriseShape, type ShapeRaster } from './shapes.js';
import type { RenderedScene, SceneObject, SceneSpec } from './scene-spec.js';

function unionBox(boxes: readonly Box[]): Box {
  const real = boxes.filter((b) => b[2] > b[0] && b[3] > b[1]);
  if (real.length === 0) return [0, 0, 0, 0];
  return [
    Math.min(...real.map((b) => b[0])),
    Math.min(...real.map((b) => b[1])),
    Math.max(...real.map((b) => b[2])),
    Math.max(...real.map((b) => b[3])),
  ];
}

/** Calls fn(x, y) for each pixel of the raster. */
function eachPixel({ box, bits }: ShapeRaster, fn: (x: number, y: number) => void): void {
  const [x1, y1, x2, y2] = box;
  const w = x2 - x1;
  for (let y = y1; y < y2; y++) {
    const row = (y - y1) * w;
    for (let x = x1; x < x2; x++) if (bits[row + x - x1]) fn(x, y);
  }
}

/** Which item (index + 1) is on top at each pixel, painting `which` items in order; 0 where none. */
function paintLabels(spec: SceneSpec, rasters: readonly ShapeRaster[][], which: (i: number) => boolean): Uint16Array {
  const labels = new Uint16Array(spec.width * spec.height);
  rasters.forEach((shapes, i) => {
    if (!which(i)) return;
    for (const r of shapes) eachPixel(r, (x, y) => (labels[y * spec.width + x] = i + 1));
  });
  return labels;
}

function paintPixels(spec: SceneSpec, labels: Uint16Array, boxes: readonly Box[]): Uint8Array {
  const { width, height } = spec;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const label = labels[p]!;
      if (label === 0) continue;
      const item = spec.items[label - 1]!;
      const t = item.texture;
      const box = boxes[label - 1]!;
      const along = box[3] - box[1] > 1 ? (y - box[1]) / (box[3] - box[1] - 1) - 0.5 : 0;
      const delta = t.amplitude * fractalNoise(x, y, t) + t.shade * along;
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.max(0, Math.min(255, Math.round(item.rgb[c]! + delta)));
    }
  }
  return rgb;
}

/** The pixel of `bits` (w×h) farthest from its outside (chamfer 3-4 distance), if it has any. */
function deepestPixel(bits: Uint8Array, w: number, h: number): [number, number] | undefined {
  const d = new Int32Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = bits[i] ? 1 << 30 : 0;
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= w || y >= h ? 0 : d[y * w + x]!);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (d[i] !== 0) d[i] = Math.min(d[i]!, at(x - 1, y) + 3, at(x, y - 1) + 3, at(x - 1, y - 1) + 4, at(x + 1, y - 1) + 4);
    }
  }
  let best = 0;
  let bestAt: [number, number] | undefined;
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (d[i] === 0) continue;
      d[i] = Math.min(d[i]!, at(x + 1, y) + 3, at(x, y + 1) + 3, at(x + 1, y + 1) + 4, at(x - 1, y + 1) + 4);
      if (d[i]! >= best) {
        best = d[i]!;
        bestAt = [x, y];
      }
    }
  }
  return bestAt;
}

interface Paint {
  spec: SceneSpec;
  rasters: ShapeRaster[][];
  boxes: Box[];
  /** Top item at each pixel. */
  labels: Uint16Array;
  /** Top backdrop at each pixel: a backdrop counts as drawn where it is the top backdrop, so the floor
   * is not "hidden" by the wall painted over its upper half. */
  behind: Uint16Array;
}

function describeItem({ spec, rasters, boxes, labels, behind }: Paint, index: number): SceneObject {
  const { width, height, items } = spec;
  const item = items[index]!;
  const children = items.filter((o) => o.parent === item.id).map((o) => o.id);
  // This item and its parts, as label values (index + 1).
  const own = new Set<number>([index + 1, ...items.flatMap((o, i) => (o.parent === item.id ? [i + 1] : []))]);
  const bounds = unionBox([...own].map((l) => boxes[l - 1]!));
  const [bx1, by1, bx2, by2] = bounds;
  const cropW = bx2 - bx1;
  const cropH = by2 - by1;
  // Where its shapes (and its parts') reach, before anything in front is painted.
  const drawnBits = new Uint8Array(cropW * cropH);
  if (item.role === 'backdrop') {
    for (let y = by1; y < by2; y++)
      for (let x = bx1; x < bx2; x++) if (behind[y * width + x] === index + 1) drawnBits[(y - by1) * cropW + x - bx1] = 1;
  } else {
    for (const l of own) for (const r of rasters[l - 1]!) eachPixel(r, (x, y) => (drawnBits[(y - by1) * cropW + x - bx1] = 1));
  }
  const bits = new Uint8Array(width * height);
  // The item's own visible paint (not its parts'): where pointing at it means the item itself.
  const ownPaint = new Uint8Array(cropW * cropH);
  const visible = new Uint8Array(cropW * cropH);
  const hiddenBy = new Set<number>();
  let drawn = 0;
  for (let y = by1; y < by2; y++) {
    for (let x = bx1; x < bx2; x++) {
      const p = y * width + x;
      const c = (y - by1) * cropW + x - bx1;
      const label = labels[p]!;
      if (own.has(label)) {
        bits[p] = 1;
        visible[c] = 1;
        if (label === index + 1) ownPaint[c] = 1;
      } else if (drawnBits[c]) {
        const cover = items[label - 1]!;
        const coverWhole = cover.parent ?? cover.id;
        hiddenBy.add(coverWhole === (item.parent ?? item.id) ? cover.id : coverWhole);
      }
      if (own.has(label) || drawnBits[c]) drawn++;
    }
  }
  const mask = rleFromBitmap(bits, width, height, bounds);
  const area = rleArea(mask);
  // A whole whose own paint is all hidden is pointed at on what shows of it.
  const deep = deepestPixel(ownPaint, cropW, cropH) ?? deepestPixel(visible, cropW, cropH);
  return {
    id: item.id,
    name: item.name,
    role: item.role,
    ...(item.parent !== undefined ? { parent: item.parent } : {}),
    children,
    colour: item.colour,
    hex: toHex(item.rgb),
    mask,
    area,
    bbox: rleBbox(mask),
    anchor: deep ? [bx1 + deep[0], by1 + deep[1]] : [0, 0],
    drawnArea: drawn,
    visibleFraction: drawn > 0 ? area / drawn : 0,
    occludedBy: [...hiddenBy].sort((a, b) => a - b),
  };
}

function checkSpec(spec: SceneSpec): void {
  if (!Number.isInteger(spec.width) || !Number.isInteger(spec.height) || spec.width < 1 || spec.height < 1) {
    throw new RangeError(`A scene needs a whole-pixel size, got ${spec.width}×${spec.height}.`);
  }
  if (spec.items.length >= 0xffff) throw new RangeError(`A scene holds at most 65534 items, got ${spec.items.length}.`);
  spec.items.forEach((item, i) => {
    if (item.id !== i + 1) throw new RangeError(`Scene item ${i} has id ${item.id}; ids run 1..N in painting order.`);
    if (item.parent !== undefined && !(item.parent >= 1 && item.parent < item.id && spec.items[item.parent - 1]!.role === 'whole')) {
      throw new RangeError(`Scene item ${item.id} names parent ${item.parent}, which is not a whole painted before it.`);
    }
  });
}

/** Paints the plan: pixels and, per item, its exact visible mask and metadata. Deterministic. */
export function renderScene(spec: SceneSpec): RenderedScene {
  checkSpec(spec);
  const rasters = spec.items.map((item) => item.shapes.map((s) => rasteriseShape(s, spec.width, spec.height)));
  const boxes = rasters.map((rs) => unionBox(rs.map((r) => r.box)));
  const labels = paintLabels(spec, rasters, () => true);
  const behind = paintLabels(spec, rasters, (i) => spec.items[i]!.role === 'backdrop');
  const paint: Paint = { spec, rasters, boxes, labels, behind };
  const rgb = paintPixels(spec, labels, boxes);
  const objects = spec.items.map((_, i) => describeItem(paint, i));
  return { spec, width: spec.width, height: spec.height, rgb, objects };
}

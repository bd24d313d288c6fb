// Stuff regions: pixels no mask explains become objects. Everything mode proposes things, and SAM's masks of
// amorphous ground stop at nothing: a dirt path across a lawn comes back inside the lawn's mask (a point on
// the path gives the whole ground), sky seen through branches inside the trees', and what lies between
// objects in no mask at all. Two kinds of stuff, both from the pixels alone (no decoder call):
//   leftovers      uncovered pixels that are more than slivers between masks: each connected blob;
//   colour splits  a large mask (with the uncovered slivers along its edge) whose colours fall into a
//                  dominant cluster and a clearly different one: the different one is its own region (the
//                  path in the lawn), kept whole however many pieces the things in front cut it into. A
//                  leftover blob touching such a region, nearer its colour than the mask's, joins it (the
//                  path seen between the horses' legs).
// Colours are compared on blocks of a few pixels (their mean, in CIELAB), which smooths texture and keeps the
// cost to milliseconds; where blocks of two clusters meet, each pixel goes to the nearer colour. SAM prompts
// on the leftovers were measured against taking them as they are (bench/twin-oracle.run.ts): a prompt returns
// the thing a blob belongs to, which mostly has its mask already, so they cost decoder calls and cover less.
// A region that is a sieve (sky through a mesh of twigs) is dropped: see STUFF_MIN_FILL.
import { rgbToLab } from '../../image/lab.js';
import { dilate, openBitmap } from '../../mask/bitmap-regions.js';
import { rleArea, rleBbox, rleFromBitmap, rleIntersectionArea, rlePaint, type Box, type Rle } from '../../mask/rle.js';
import { labelRegions } from '../masks/region-cleanup.js';
import type { LoadedImage, Proposal } from '../contract.js';

/** Masks this share of the image or more are searched for colour splits: ground, sky, trees, walls. */
export const SPLIT_MASK_FRACTION = 0.05;
/** Blocks per long side of the colour grid (blocks are square, at least MIN_BLOCK px). */
const BLOCKS_LONG_SIDE = 160;
const MIN_BLOCK = 4;
/** Colour clusters per split mask: the dominant colour, and room for two others (a path and its shadow). */
const SPLIT_CLUSTERS = 3;
/**
 * Lightness counts this much against chroma when colours are compared: a lawn in sun and in shade differ
 * mostly in lightness and stay one region; a path differs from the lawn in hue.
 */
const LIGHTNESS_WEIGHT = 0.5;
/**
 * A cluster this far (weighted CIELAB) from the dominant one is another region. COCO sample: path vs lawn
 * 35, sky through branches vs leaves 24; a lawn's sunny vs shaded blocks 17-18, leaves in light and shade 13-16.
 */
export const SPLIT_COLOUR_DISTANCE = 20;
/** …and holds at least this share of the mask's blocks. */
const SPLIT_MIN_SHARE = 0.05;
/** Uncovered blocks within this many blocks of a split mask join it (the slivers along its edge). */
const SPLIT_EDGE_BLOCKS = 2;
/** Stuff regions smaller than this share of the image are left alone. */
export const STUFF_MIN_FRACTION = 0.0015;
/**
 * A region filling less than this share of its closing is a sieve, not a region: on the COCO sample the sky
 * seen through bare twigs (0.61-0.64, 96-100% of it the trees' pixels in COCO's annotation, and hosts who took
 * it for "the sky" halved their answer's IoU), against 0.88 and more for every ground, path and leftover region.
 */
const STUFF_MIN_FILL = 0.75;
/**
 * A colour split is one region within one piece of its mask: SAM sometimes returns two things apart as one mask
 * (a drawn car and the house 34 px beyond it), and the split of their shared brown, the car's wheel and the house's
 * roof 200 px apart, was one region that every host of the drawn scene clicked apart again. Pieces of the mask
 * are its connected parts once joined across this many blocks of the colour grid (the split's own reach).
 */
const SPLIT_PIECE_JOIN_BLOCKS = SPLIT_EDGE_BLOCKS;
/** …and its parts there are farther apart than twice this share of the image's long side. */
const SPLIT_APART_FRACTION = 0.025;
/** Two stuff regions overlapping this much (IoU) are one (two tree masks split into the same sky). */
const SAME_REGION_IOU = 0.7;

/** Slivers thinner than 2·r+1 pixels between masks are no leftover region: r scales with the image. */
export function sliverRadius(width: number, height: number): number {
  return Math.max(2, Math.round(Math.max(width, height) / 200));
}

/** The stuff regions of an image given everything mode's proposals, largest first. */
export function stuffProposals(image: LoadedImage, proposals: readonly Proposal[]): Proposal[] {
  const { width, height } = image;
  const n = width * height;
  const minArea = STUFF_MIN_FRACTION * n;
  // Pixels an object-sized proposal holds are explained by it, inside a large mask too (a window in a wall has
  // its mask; the wall's colour split must not find it again). Large masks nested in larger ones (two
  // granularities of the ground) explain nothing to each other: each is split on its own.
  const uncovered = new Uint8Array(n).fill(1);
  const explained = new Uint8Array(n);
  for (const p of proposals) {
    rlePaint(p.rle, uncovered, 0);
    if (p.area < SPLIT_MASK_FRACTION * n) rlePaint(p.rle, explained);
  }
  const blobs = leftoverBlobs(uncovered, width, height, minArea);
  // What is left of `uncovered` once the blobs are out: the slivers, which a split takes in along its mask's edge.
  const slivers = uncovered;
  for (const b of blobs)
    for (let y = b.box[1]; y < b.box[3]; y++)
      for (let i = y * width + b.box[0]; i < y * width + b.box[2]; i++) if (b.bits[i]) slivers[i] = 0;
  const field = colourField(image, slivers);
  const splits: ColourSplit[] = [];
  const apart = Math.round(SPLIT_APART_FRACTION * Math.max(width, height));
  for (const p of [...proposals].sort((a, b) => b.area - a.area)) {
    if (p.area < SPLIT_MASK_FRACTION * n) break;
    for (const split of colourSplits(field, p.rle, slivers, explained))
      splits.push(...withinPieces(split, p.rle, field.block * SPLIT_PIECE_JOIN_BLOCKS, apart, minArea));
  }
  const regions: { bits: Uint8Array; box: Box }[] = [...splits];
  for (const blob of blobs) {
    const home = splits.find((s) => joinsSplit(blob, s, field));
    if (!home) {
      regions.push(blob);
      continue;
    }
    for (let y = blob.box[1]; y < blob.box[3]; y++)
      for (let i = y * width + blob.box[0]; i < y * width + blob.box[2]; i++) home.bits[i] ||= blob.bits[i]!;
    home.box = [
      Math.min(home.box[0], blob.box[0]),
      Math.min(home.box[1], blob.box[1]),
      Math.max(home.box[2], blob.box[2]),
      Math.max(home.box[3], blob.box[3]),
    ];
  }
  const radius = sliverRadius(width, height);
  const rles = regions
    .filter((r) => filledShare(r.bits, width, height, r.box, radius) >= STUFF_MIN_FILL)
    .map((r) => rleFromBitmap(r.bits, width, height, r.box))
    .filter((r) => rleArea(r) >= minArea);
  return distinctRegions(rles).map(stuffProposal);
}

/**
 * The split cut where it lies in separate pieces of its mask (joined across `join` px) and its own parts there are
 * far apart (more than twice `apart` px): the wheel and the roof. Parts within reach of each other stay one region
 * whatever pieces the mask is in (a path seen between the horses' legs, which cut the lawn's mask apart too).
 */
function withinPieces(split: ColourSplit, mask: Rle, join: number, apart: number, minArea: number): ColourSplit[] {
  const { width, height } = mask;
  const [x1, y1, x2, y2] = split.box;
  const x0 = Math.max(0, x1 - join);
  const y0 = Math.max(0, y1 - join);
  const w = Math.min(width, x2 + join) - x0;
  const h = Math.min(height, y2 + join) - y0;
  const crop = new Uint8Array(w * h);
  const own = new Uint8Array(w * h);
  const bits = rlePaint(mask, new Uint8Array(width * height));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      crop[y * w + x] = bits[(y0 + y) * width + x0 + x]!;
      own[y * w + x] = split.bits[(y0 + y) * width + x0 + x]!;
    }
  // A split pixel beyond `join` of its mask (in an edge block) is in no piece, and links no parts below.
  const pieces = labelRegions(dilate(crop, w, h, join), w, [0, 0, w, h], 1);
  if (pieces.sizes.filter((n) => n > 0).length <= 1) return [split];
  const parts = labelRegions(dilate(own, w, h, apart), w, [0, 0, w, h], 1);
  if (parts.sizes.filter((n) => n > 0).length <= 1) return [split];
  // Parts of the split that share a piece of the mask are one region: union-find over the parts.
  const parent = parts.sizes.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const partOfPiece = new Map<number, number>();
  const count = new Map<number, number>();
  for (let i = 0; i < own.length; i++) {
    if (!own[i] || pieces.labels[i] === 0) continue;
    const part = parts.labels[i]!;
    const seen = partOfPiece.get(pieces.labels[i]!);
    if (seen === undefined) partOfPiece.set(pieces.labels[i]!, part);
    else parent[find(part)] = find(seen);
  }
  for (let i = 0; i < own.length; i++) if (own[i]) count.set(find(parts.labels[i]!), (count.get(find(parts.labels[i]!)) ?? 0) + 1);
  const big = [...count].filter(([, n]) => n >= minArea).sort((a, b) => b[1] - a[1]);
  if (big.length <= 1) return [split];
  const home = new Map<number, number>(big.map(([l], k) => [l, k]));
  const out = big.map(() => ({ ...split, bits: new Uint8Array(width * height), box: [width, height, 0, 0] as Box }));
  for (let i = 0; i < own.length; i++) {
    if (!own[i]) continue;
    const x = x0 + (i % w);
    const y = y0 + ((i / w) | 0);
    const part = out[home.get(find(parts.labels[i]!)) ?? 0]!;
    part.bits[y * width + x] = 1;
    part.box = [Math.min(part.box[0], x), Math.min(part.box[1], y), Math.max(part.box[2], x + 1), Math.max(part.box[3], y + 1)];
  }
  return out;
}

/**
 * The share of its closing (by `radius`) a region fills: about 1 for ground, a path, sky in a few gaps of a
 * canopy; low for a sieve, the sky seen through a mesh of twigs.
 */
function filledShare(bits: Uint8Array, width: number, height: number, box: Box, radius: number): number {
  // Room for the dilation and for background beyond it, outside the image too: what lies past the image's edge
  // counts as background, so a region at the edge is closed as one in the middle is.
  const pad = 2 * radius + 1;
  const x0 = box[0] - pad;
  const y0 = box[1] - pad;
  const w = box[2] - box[0] + 2 * pad;
  const h = box[3] - box[1] + 2 * pad;
  const crop = new Uint8Array(w * h);
  let area = 0;
  for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++)
    for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) if ((crop[(y - y0) * w + x - x0] = bits[y * width + x]!)) area++;
  const grown = dilate(crop, w, h, radius);
  for (let i = 0; i < grown.length; i++) grown[i] = grown[i] ? 0 : 1;
  const outside = dilate(grown, w, h, radius); // what the closing leaves out
  let closed = 0;
  for (let i = 0; i < outside.length; i++) if (!outside[i]) closed++;
  return closed === 0 ? 0 : area / closed;
}

function stuffProposal(rle: Rle): Proposal {
  // No decoder scored it: no predicted IoU, and a fixed region is stable under any threshold.
  return { rle, area: rleArea(rle), bbox: rleBbox(rle), predictedIou: 0, stability: 1, prompt: {}, stage: 'stuff' };
}

/** A connected blob of uncovered pixels: its own bitmap (image-sized, set only inside `box`), box and area. */
export interface LeftoverBlob {
  bits: Uint8Array;
  box: Box;
  area: number;
}

/** Each blob of `uncovered` that is more than slivers (an opening by sliverRadius), of at least minArea pixels. */
export function leftoverBlobs(uncovered: Uint8Array, width: number, height: number, minArea: number): LeftoverBlob[] {
  const opened = openBitmap(uncovered, width, height, sliverRadius(width, height));
  const { labels, sizes } = labelRegions(opened, width, [0, 0, width, height], 1);
  const boxes = labelBoxes(labels, width, sizes.length);
  const out: LeftoverBlob[] = [];
  for (let l = 1; l < sizes.length; l++) {
    if (sizes[l]! < minArea) continue;
    const box = Array.from(boxes.subarray(l * 4, l * 4 + 4)) as Box;
    const bits = new Uint8Array(width * height);
    for (let y = box[1]; y < box[3]; y++) for (let i = y * width + box[0]; i < y * width + box[2]; i++) if (labels[i] === l) bits[i] = 1;
    out.push({ bits, box, area: sizes[l]! });
  }
  return out;
}

/** [x1, y1, x2, y2] (exclusive) of each label, 4 values a label. */
function labelBoxes(labels: Int32Array, width: number, count: number): Int32Array {
  const boxes = new Int32Array(count * 4);
  for (let l = 0; l < count; l++) boxes.set([width, labels.length, -1, -1], l * 4);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l === 0) continue;
    const x = i % width;
    const y = (i / width) | 0;
    const b = l * 4;
    if (x < boxes[b]!) boxes[b] = x;
    if (y < boxes[b + 1]!) boxes[b + 1] = y;
    if (x + 1 > boxes[b + 2]!) boxes[b + 2] = x + 1;
    if (y + 1 > boxes[b + 3]!) boxes[b + 3] = y + 1;
  }
  return boxes;
}

/** Largest first; a region overlapping a kept one by SAME_REGION_IOU is dropped. */
function distinctRegions(regions: Rle[]): Rle[] {
  const sized = regions.map((rle) => ({ rle, area: rleArea(rle) })).sort((a, b) => b.area - a.area);
  const kept: typeof sized = [];
  for (const r of sized) {
    const same = kept.some((k) => {
      const inter = rleIntersectionArea(k.rle, r.rle);
      return inter / (k.area + r.area - inter) >= SAME_REGION_IOU;
    });
    if (!same) kept.push(r);
  }
  return kept.map((k) => k.rle);
}

/** The image on a coarse grid of blocks: each block's mean colour as a weighted CIELAB feature. */
export interface ColourField {
  readonly width: number;
  readonly height: number;
  /** Block side in pixels, and blocks per row and column. */
  readonly block: number;
  readonly cols: number;
  readonly rows: number;
  /** [weighted L, a, b] per block, row-major. */
  readonly features: Float32Array;
  /** The image's pixels (row-major RGB), for the edges between colour regions. */
  readonly rgb: Uint8Array;
  /** Pixels per block (edge blocks are smaller), and of those, how many are `loose` (colourField). */
  readonly pixels: Uint16Array;
  readonly loose: Uint16Array;
}

/** The colour field of an image; `loose` marks the pixels a split may take in beyond its mask. */
export function colourField(image: LoadedImage, loose: Uint8Array): ColourField {
  const { width, height, rgb } = image;
  const block = Math.max(MIN_BLOCK, Math.ceil(Math.max(width, height) / BLOCKS_LONG_SIDE));
  const cols = Math.ceil(width / block);
  const rows = Math.ceil(height / block);
  const blockOfX = blockIndex(width, block);
  const sums = new Uint32Array(cols * rows * 3);
  const pixels = new Uint16Array(cols * rows);
  const looseCount = new Uint16Array(cols * rows);
  for (let y = 0; y < height; y++) {
    const brow = ((y / block) | 0) * cols;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const b = brow + blockOfX[x]!;
      sums[b * 3] += rgb[i * 3]!;
      sums[b * 3 + 1] += rgb[i * 3 + 1]!;
      sums[b * 3 + 2] += rgb[i * 3 + 2]!;
      pixels[b]!++;
      if (loose[i]) looseCount[b]!++;
    }
  }
  const features = new Float32Array(cols * rows * 3);
  for (let b = 0; b < cols * rows; b++) {
    const c = pixels[b]!;
    featureOf([sums[b * 3]! / c, sums[b * 3 + 1]! / c, sums[b * 3 + 2]! / c], features, b * 3);
  }
  return { width, height, block, cols, rows, features, rgb, pixels, loose: looseCount };
}

/** A colour's feature (weighted CIELAB), written into `out` at `at`. */
function featureOf(rgb: readonly [number, number, number], out: Float32Array | Float64Array, at = 0): void {
  const [L, A, B] = rgbToLab(rgb);
  out[at] = LIGHTNESS_WEIGHT * L;
  out[at + 1] = A;
  out[at + 2] = B;
}

// Features of colours quantised to 6 bits a channel (±2 of 255, far below the distances that matter),
// filled on first use: edge pixels of a leafy tree against the sky would otherwise convert one by one.
let quantised: Float32Array | undefined;

/** The feature of pixel i's colour (6 bits a channel), written into `out`. */
function pixelFeature(rgb: Uint8Array, i: number, out: Float64Array): void {
  quantised ??= new Float32Array(3 * 64 ** 3).fill(NaN);
  const q = ((rgb[i * 3]! >> 2) << 12) | ((rgb[i * 3 + 1]! >> 2) << 6) | (rgb[i * 3 + 2]! >> 2);
  if (Number.isNaN(quantised[q * 3]!))
    featureOf([(rgb[i * 3]! & ~3) + 2, (rgb[i * 3 + 1]! & ~3) + 2, (rgb[i * 3 + 2]! & ~3) + 2], quantised, q * 3);
  out[0] = quantised[q * 3]!;
  out[1] = quantised[q * 3 + 1]!;
  out[2] = quantised[q * 3 + 2]!;
}

/** Block column of each pixel column. */
function blockIndex(width: number, block: number): Int32Array {
  const out = new Int32Array(width);
  for (let x = 0; x < width; x++) out[x] = (x / block) | 0;
  return out;
}

/** A colour region of a large mask: its pixels, its colour and the mask's dominant colour (features). */
export interface ColourSplit {
  bits: Uint8Array;
  /** Holds every pixel of `bits`; grows when a leftover blob joins. */
  box: Box;
  centre: Float64Array;
  dominant: Float64Array;
}

/**
 * The colour splits of one large mask (see the header): its blocks (mostly its own pixels) and the blocks
 * along its edge that are mostly `loose`, clustered by colour; each cluster far enough from the dominant one,
 * as the mask's own pixels and the loose ones at the cluster's blocks. Pixels `explained` (by an object-sized
 * proposal) are not the mask's own.
 */
export function colourSplits(field: ColourField, mask: Rle, loose: Uint8Array, explained?: Uint8Array): ColourSplit[] {
  const { cols, rows, block, width, height } = field;
  const bits = rlePaint(mask, new Uint8Array(width * height));
  const [x1, y1, x2, y2] = rleBbox(mask);
  const blockOfX = blockIndex(width, block);
  const inMask = new Uint32Array(cols * rows);
  for (let y = y1; y < y2; y++) {
    const brow = ((y / block) | 0) * cols;
    for (let x = x1, i = y * width + x1; x < x2; x++, i++) {
      if (!bits[i]) continue;
      if (explained?.[i]) bits[i] = 0;
      else inMask[brow + blockOfX[x]!]!++;
    }
  }
  const own = new Uint8Array(cols * rows);
  for (let b = 0; b < own.length; b++) own[b] = 2 * inMask[b]! >= field.pixels[b]! ? 1 : 0;
  const near = dilate(own, cols, rows, SPLIT_EDGE_BLOCKS);
  const domain: number[] = [];
  for (let b = 0; b < own.length; b++) if (own[b] || (near[b] && 2 * field.loose[b]! >= field.pixels[b]!)) domain.push(b);
  if (domain.length < 2 * SPLIT_CLUSTERS) return [];
  const points = new Float32Array(domain.length * 3);
  domain.forEach((b, j) => points.set(field.features.subarray(b * 3, b * 3 + 3), j * 3));
  const { centres, assignment } = kMeans(points, SPLIT_CLUSTERS, KMEANS_SAMPLE);
  const k = centres.length / 3;
  const counts = new Array<number>(k).fill(0);
  for (const a of assignment) counts[a]!++;
  const dominant = counts.indexOf(Math.max(...counts));
  const far = counts.map(
    (c, q) =>
      q !== dominant &&
      c >= SPLIT_MIN_SHARE * domain.length &&
      Math.sqrt(dist2(centres, q * 3, centres, dominant * 3)) >= SPLIT_COLOUR_DISTANCE,
  );
  if (!far.some(Boolean)) return [];
  const clusterOf = new Int8Array(cols * rows).fill(-1);
  domain.forEach((b, j) => (clusterOf[b] = assignment[j]!));
  const regions = far.map((f) => (f ? new Uint8Array(width * height) : undefined));
  const boxes = far.map((): Box => [width, height, 0, 0]);
  const pixel = new Float64Array(3);
  for (const b of domain) {
    const bx = b % cols;
    const by = (b / cols) | 0;
    // Where blocks of different clusters meet (a bit per cluster), each pixel goes to the nearer of their
    // colours: the region's edge follows the picture, not the block grid.
    let met = 0;
    for (let ny = Math.max(0, by - 1); ny <= Math.min(rows - 1, by + 1); ny++) {
      for (let nx = Math.max(0, bx - 1); nx <= Math.min(cols - 1, bx + 1); nx++) {
        const q = clusterOf[ny * cols + nx]!;
        if (q >= 0) met |= 1 << q;
      }
    }
    const own = clusterOf[b]!;
    const mixed = met !== 1 << own;
    if (!mixed && !far[own]) continue;
    for (let y = by * block; y < Math.min(height, (by + 1) * block); y++) {
      for (let i = y * width + bx * block; i < y * width + Math.min(width, (bx + 1) * block); i++) {
        if (!bits[i] && !loose[i]) continue;
        let c = own;
        if (mixed) {
          pixelFeature(field.rgb, i, pixel);
          let best = Infinity;
          for (let q = 0; q < k; q++) {
            if (!(met & (1 << q))) continue;
            const d = dist2(pixel, 0, centres, q * 3);
            if (d < best) {
              best = d;
              c = q;
            }
          }
        }
        const region = regions[c];
        if (!region) continue;
        region[i] = 1;
        const box = boxes[c]!;
        const x = i - y * width;
        if (x < box[0]) box[0] = x;
        if (y < box[1]) box[1] = y;
        if (x >= box[2]) box[2] = x + 1;
        if (y >= box[3]) box[3] = y + 1;
      }
    }
  }
  const dominantCentre = centres.slice(dominant * 3, dominant * 3 + 3);
  return regions.flatMap((r, q) =>
    r ? [{ bits: r, box: boxes[q]!, centre: centres.slice(q * 3, q * 3 + 3), dominant: dominantCentre }] : [],
  );
}

/** Whether a leftover blob belongs to a colour split: it touches the split's pixels and its colour is nearer the split's than the mask's. */
function joinsSplit(blob: LeftoverBlob, split: ColourSplit, field: ColourField): boolean {
  const { width, height, rgb } = field;
  const [x1, y1, x2, y2] = blob.box;
  let touches = false;
  const sum = [0, 0, 0];
  for (let y = y1; y < y2; y++) {
    for (let i = y * width + x1; i < y * width + x2; i++) {
      if (!blob.bits[i]) continue;
      sum[0] += rgb[i * 3]!;
      sum[1] += rgb[i * 3 + 1]!;
      sum[2] += rgb[i * 3 + 2]!;
      if (touches) continue;
      const x = i - y * width;
      // A 4-neighbour outside the blob in the split.
      touches =
        (x > 0 && split.bits[i - 1] === 1) ||
        (x < width - 1 && split.bits[i + 1] === 1) ||
        (y > 0 && split.bits[i - width] === 1) ||
        (y < height - 1 && split.bits[i + width] === 1);
    }
  }
  if (!touches) return false;
  const colour = new Float64Array(3);
  featureOf([sum[0]! / blob.area, sum[1]! / blob.area, sum[2]! / blob.area], colour);
  return dist2(colour, 0, split.centre, 0) < dist2(colour, 0, split.dominant, 0);
}

/** Squared distance between the 3-vectors at a[i] and b[j]. */
function dist2(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const d0 = a[i]! - b[j]!;
  const d1 = a[i + 1]! - b[j + 1]!;
  const d2 = a[i + 2]! - b[j + 2]!;
  return d0 * d0 + d1 * d1 + d2 * d2;
}

/** Blocks a split's colours are clustered on at most (evenly strided); every block is then assigned. */
const KMEANS_SAMPLE = 2000;

/**
 * Lloyd's k-means on 3-vectors (`points` flat, 3 values each), deterministic: the first centre is the point
 * farthest from the mean, each next one the point farthest from those chosen; fewer centres when every point
 * coincides with one chosen. Centres (flat too) are fitted on at most `sample` points, evenly strided; the
 * assignment covers every point.
 */
export function kMeans(
  all: Float32Array,
  k: number,
  sample = Infinity,
  iterations = 10,
): { centres: Float64Array; assignment: Int32Array } {
  const centres = fitCentres(strided(all, sample), k, iterations);
  const assignment = new Int32Array(all.length / 3);
  for (let j = 0; j < assignment.length; j++) assignment[j] = nearestCentre(all, j * 3, centres);
  return { centres, assignment };
}

/** At most `max` of the 3-vectors, every ⌈n / max⌉th. */
function strided(points: Float32Array, max: number): Float32Array {
  const n = points.length / 3;
  if (n <= max) return points;
  const step = Math.ceil(n / max);
  const out = new Float32Array(Math.ceil(n / step) * 3);
  for (let j = 0, o = 0; j < n; j += step, o += 3) out.set(points.subarray(j * 3, j * 3 + 3), o);
  return out;
}

function nearestCentre(points: ArrayLike<number>, at: number, centres: Float64Array): number {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < centres.length / 3; c++) {
    const d = dist2(points, at, centres, c * 3);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function fitCentres(points: Float32Array, k: number, iterations: number): Float64Array {
  const n = points.length / 3;
  const mean = new Float64Array(3);
  for (let j = 0; j < n; j++) for (let d = 0; d < 3; d++) mean[d]! += points[j * 3 + d]! / n;
  const nearest = new Float64Array(n);
  for (let j = 0; j < n; j++) nearest[j] = dist2(points, j * 3, mean, 0);
  const chosen: number[] = [];
  while (chosen.length < k) {
    let far = -1;
    for (let j = 0; j < n; j++) if (nearest[j]! > 0 && (far < 0 || nearest[j]! > nearest[far]!)) far = j;
    if (far < 0) break;
    chosen.push(far);
    for (let j = 0; j < n; j++) {
      const d = dist2(points, j * 3, points, far * 3);
      nearest[j] = chosen.length === 1 ? d : Math.min(nearest[j]!, d);
    }
  }
  const centres = new Float64Array(chosen.length * 3);
  chosen.forEach((j, c) => centres.set(points.subarray(j * 3, j * 3 + 3), c * 3));
  const sums = new Float64Array(chosen.length * 4);
  for (let it = 0; it < iterations; it++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) {
      const best = nearestCentre(points, j * 3, centres);
      for (let d = 0; d < 3; d++) sums[best * 4 + d]! += points[j * 3 + d]!;
      sums[best * 4 + 3]!++;
    }
    for (let c = 0; c < chosen.length; c++) {
      const count = sums[c * 4 + 3]!;
      if (count > 0) for (let d = 0; d < 3; d++) centres[c * 3 + d] = sums[c * 4 + d]! / count;
    }
  }
  return centres;
}

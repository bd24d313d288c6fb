// Remainders: what a merged mask holds besides the object in front of it. In a crowd SAM often returns a rider
// with her horse as one mask and the horse as another; the rider alone, which no prompt asked for, is the first
// less the second. Everything mode adds each such remainder as a proposal, from the masks alone (no decoder
// call): the same pairs a region's second look prompts SAM with (detail-prompts.ts), here taken as they are,
// shaved of the slivers along the occluder's edge. On the COCO sample this matched riders SAM's masks never
// separated (bench/twin-oracle.run.ts, docs/twin-oracle.md).
import { cropMask } from '../../mask/crop.js';
import { boxIntersectionArea, masksOverlap } from '../../mask/boxes.js';
import { openBitmap } from '../../mask/bitmap-regions.js';
import { rleArea, rleBbox, rleFromSpans, rleIntersectionArea, type Box, type Rle } from '../../mask/rle.js';
import type { LoadedImage, Proposal } from '../contract.js';
import { occluderDifferences, regionPool } from './detail-prompts.js';
import { sliverRadius, STUFF_MIN_FRACTION } from './stuff-regions.js';

/**
 * A remainder keeps at least this share of its pixels once its slivers are shaved off: a rider does, the rim a
 * slightly smaller copy of a mask leaves does not.
 */
const REMAINDER_SOLID_SHARE = 0.85;
/**
 * A remainder whose pixels other masks (not the merged one, the occluder or masks holding the merged one)
 * already cover beyond this share names nothing new: the pieces of a sign SAM has as a panel and a pole, not a
 * rider no mask found. On drawn scenes such pieces took filter queries ("the biggest object") off their mark.
 */
const REMAINDER_MAX_COVERED = 0.5;
/** A remainder this close (mask IoU) to a proposal repeats it. */
const REMAINDER_REPEAT_IOU = 0.75;

/** The remainders of everything mode's proposals, each scored as the weaker of its two masks. */
export function remainderProposals(image: LoadedImage, proposals: readonly Proposal[]): Proposal[] {
  const { width, height } = image;
  const minArea = STUFF_MIN_FRACTION * width * height;
  const whole: Box = [0, 0, width, height];
  const byRle = new Map<Rle, Proposal>(proposals.map((p) => [p.rle, p]));
  const radius = sliverRadius(width, height);
  const out: Proposal[] = [];
  for (const d of occluderDifferences(regionPool([...byRle.keys()], whole, minArea), minArea)) {
    const rle = shaved(d.rle, d.bbox, radius, width, height);
    const area = rleArea(rle);
    if (area < minArea || area < REMAINDER_SOLID_SHARE * d.area) continue;
    const bbox = rleBbox(rle);
    if ([...proposals, ...out].some((p) => masksOverlap({ rle, area, bbox }, p, REMAINDER_REPEAT_IOU))) continue;
    const [a, b] = [byRle.get(d.whole.rle)!, byRle.get(d.occluder.rle)!];
    if (coveredShare(rle, area, bbox, proposals, a, b) > REMAINDER_MAX_COVERED) continue;
    out.push({
      rle,
      area,
      bbox,
      predictedIou: Math.min(a.predictedIou, b.predictedIou),
      stability: Math.min(a.stability, b.stability),
      // The merged mask's prompt: replaying it gives the merged mask, so refinement starts from this mask.
      prompt: a.prompt,
      fromMaskInput: true,
      stage: 'remainder',
    });
  }
  return out;
}

/**
 * The share of a remainder's pixels the other proposals cover, each counted on its own (nested masks count
 * twice): not the merged mask or the occluder, not masks holding the merged one.
 */
function coveredShare(rle: Rle, area: number, bbox: Box, proposals: readonly Proposal[], whole: Proposal, occluder: Proposal): number {
  let covered = 0;
  for (const p of proposals) {
    if (p === whole || p === occluder || boxIntersectionArea(p.bbox, bbox) === 0) continue;
    if (p.area >= whole.area && rleIntersectionArea(p.rle, whole.rle) >= 0.9 * whole.area) continue; // holds the merged mask
    covered += rleIntersectionArea(p.rle, rle);
  }
  return covered / area;
}

/** The mask opened by `radius` (openBitmap), worked on its box with room for the radius. */
function shaved(rle: Rle, [x1, y1, x2, y2]: Box, radius: number, width: number, height: number): Rle {
  const box: Box = [Math.max(0, x1 - radius), Math.max(0, y1 - radius), Math.min(width, x2 + radius), Math.min(height, y2 + radius)];
  const crop = cropMask(rle, box);
  const opened = openBitmap(crop.bits, crop.width, crop.height, radius);
  // Column by column, as the RLE runs, without a bitmap of the whole image.
  const spans: number[] = [];
  for (let x = 0; x < crop.width; x++) {
    for (let y = 0; y < crop.height; y++) {
      if (!opened[y * crop.width + x]) continue;
      let end = y;
      while (end < crop.height && opened[end * crop.width + x]) end++;
      spans.push((x + box[0]) * height + y + box[1], end - y);
      y = end;
    }
  }
  return rleFromSpans(width, height, spans);
}

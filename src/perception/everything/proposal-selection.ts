// SAM's selection of the final proposals: box NMS per crop by predicted IoU, then across crops preferring
// smaller tiles, then hole/island cleanup with a second NMS that prefers untouched masks.
import type { Box } from '../../mask/rle.js';
import { cleanupProposal } from '../masks/mask-postprocess.js';
import { boxNms } from './nms.js';
import type { EverythingOptions, Proposal } from '../contract.js';

export interface Candidate {
  proposal: Proposal;
  /** Index into the crop boxes; 0 = whole image. */
  crop: number;
}

export function selectProposals(candidates: Candidate[], cropBoxes: Box[], options: EverythingOptions): Proposal[] {
  const nms = (list: Candidate[], score: (c: Candidate) => number) =>
    boxNms(
      list.map((c) => c.proposal.bbox),
      list.map(score),
      options.boxNmsThresh,
    ).map((i) => list[i]!);
  let kept: Candidate[] = [];
  for (let c = 0; c < cropBoxes.length; c++) {
    kept.push(
      ...nms(
        candidates.filter((k) => k.crop === c),
        (k) => k.proposal.predictedIou,
      ),
    );
  }
  if (cropBoxes.length > 1) {
    const area = (c: Candidate) => {
      const b = cropBoxes[c.crop]!;
      return (b[2] - b[0]) * (b[3] - b[1]);
    };
    kept = nms(kept, (c) => 1 / area(c));
  }
  let proposals = kept.map((c) => c.proposal);
  if (options.minMaskRegionArea > 0) {
    const cleaned = proposals.map((p) => cleanupProposal(p, options.minMaskRegionArea));
    const live = cleaned.filter((c) => c.proposal.area > 0);
    proposals = boxNms(
      live.map((c) => c.proposal.bbox),
      live.map((c) => (c.changed ? 0 : 1)),
      options.boxNmsThresh,
    ).map((i) => live[i]!.proposal);
  }
  return proposals;
}

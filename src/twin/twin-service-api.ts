// What the tools layer asks of the twin layer. One implementation (twin-service.ts) wires perception,
// the twin builders and the store; tests can substitute their own.
import { MASK_OPS, type MaskOp } from '../mask/combine.js';
import type { Box } from '../mask/rle.js';
import type { ImageSource } from '../perception/image-input.js';
import type { EverythingOptions, EverythingResult, MaskToken, PresetName, Prompt, CallControl } from '../perception/contract.js';
import type { MarkLevel } from './pictures/set-of-marks.js';
import type { Picture, PictureWindow } from './pictures/picture-window.js';
import type { MaskExpression } from './mask-expression.js';
import type { ZoomRequest } from './pictures/zoom-view.js';
import type { Twin, TwinObject, SemanticSource } from './scene-model.js';

/** wholes: whole objects only; parts: also prompt inside objects for their parts (default). */
export const GRANULARITIES = ['wholes', 'parts'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/**
 * On whose behalf a twin's image may be read again from its file (when its pixels are no longer in
 * memory): only inside `roots`, and first from the path this caller itself named for it. Without an
 * access, no file is read again (kept copies of inline images still are). The CLI passes 'any'.
 */
export interface ImageAccess {
  /** Real paths of the caller's allowed roots, or 'any' for a local command acting for its own user. */
  roots: readonly string[] | 'any';
  /** The path the caller named for this image, when it built the twin itself. */
  source?: string;
}

/** A local command acting for the user who ran it (the CLI): its images may be read wherever they are. */
export const LOCAL_USER_ACCESS: ImageAccess = { roots: 'any' };

export interface BuildRequest {
  /**
   * The image, classified once where it entered (classifyImageSource). Paths are read as given, inside the
   * roots they carry: the tools layer checks them first.
   */
  image: ImageSource;
  preset?: PresetName;
  granularity?: Granularity;
  options?: Partial<EverythingOptions>;
}

export interface BuildOutcome {
  twin: Twin;
  /** True when the twin came from the cache without running the model. */
  cached: boolean;
  stats?: EverythingResult['stats'];
}

export { MASK_OPS, type MaskOp };
export const MASK_FORMATS = ['png', 'rle', 'polygon', 'cutout', 'overlay'] as const;
export type MaskFormat = (typeof MASK_FORMATS)[number];

/** The MIME type of each mask format's bytes, wherever they are served or written. */
export const MASK_MIME = {
  png: 'image/png',
  rle: 'application/json',
  polygon: 'application/json',
  cutout: 'image/png',
  overlay: 'image/jpeg',
} as const satisfies Record<MaskFormat, string>;

/** The objects `ids` combined by `op`, minus the objects in `exclude`. */
export interface MaskRequest<F extends MaskFormat = MaskFormat> extends MaskExpression {
  twinId: string;
  format: F;
  /** overlay: crop to the objects (with a margin) and enlarge. */
  crop?: boolean;
  /** overlay: the picture's longest side at most (default: the host's size). */
  maxSide?: number;
  /** cutout and overlay read the image: where it may be read again from. */
  access?: ImageAccess;
}

/** A set-of-marks picture (the overview or a zoom) and what it labels. */
export interface MarksPicture extends Picture {
  window: PictureWindow;
  /** Ids with a label on the picture. */
  labelled: number[];
  /** How many of those labels sit beside their object with a leader line. */
  leaders: number;
  /** The overview shows whole objects only: the ids of every object did not fit. */
  crowded: boolean;
  /** Objects shown whose label found no free place. */
  unlabelled: number[];
}

export type { MarkLevel, Picture, PictureWindow, ZoomRequest };

interface MaskGeometry {
  area: number;
  bbox: Box;
  width: number;
  height: number;
}

/** A mask in the format asked for, tagged by it. */
export type MaskOutcome = MaskGeometry &
  (
    | { format: 'png'; /** The binary mask as a 1-bit PNG. */ png: Buffer }
    | { format: 'rle'; /** COCO compressed RLE (pycocotools-compatible). */ rle: { size: [number, number]; counts: string } }
    | {
        format: 'polygon';
        /** Outer rings and holes in original pixels. */ polygons: { outer: [number, number][][]; holes: [number, number][][] };
      }
    | { format: 'cutout'; /** The objects' pixels on transparency (PNG). */ picture: Picture }
    | { format: 'overlay'; /** The mask drawn over the image (JPEG), to look at. */ picture: Picture }
  );

/** The outcome of a request for format F. */
export type MaskOutcomeOf<F extends MaskFormat> = Extract<MaskOutcome, { format: F }>;

export interface KeepRequest extends MaskExpression {
  twinId: string;
  /** On whose behalf the image may be read again (its colours describe the kept object). */
  access?: ImageAccess;
}

export interface KeepOutcome {
  /** The revision holding the kept object, or the twin itself when an object with exactly that mask existed. */
  twin: Twin;
  object: TwinObject;
  /** True when that existing object is the answer and nothing was added. */
  reused: boolean;
}

export interface LabelInput {
  id: number;
  label?: string;
  description?: string;
  attributes?: string[];
}

export interface LabelOutcome {
  /** The new revision holding the labels (the twin passed in is unchanged). */
  twin: Twin;
  updated: TwinObject[];
}

export interface SegmentRequest {
  /** Clicks and/or a box; for a refinement, the new ones (the object's earlier clicks are added to them). */
  prompt?: Prompt;
  /** Refine this object instead of adding one. */
  object?: number;
  /** Take this granularity (an `alternative` of an earlier reply) for the object's mask. */
  alternative?: MaskToken;
  /** Where the image may be read again from. */
  access?: ImageAccess;
  /** Draw the alternatives side by side (SegmentOutcome.alternativesPicture). */
  pictureAlternatives?: boolean;
}

/** How the new mask relates to an object already in the twin. */
export interface MaskRelation {
  id: number;
  /** Mask IoU with the object. */
  iou: number;
  /** duplicate: IoU ≥ 0.9; inside: the new mask lies within the object; contains: the object lies within it. */
  relation: 'duplicate' | 'inside' | 'contains' | 'overlaps';
}

export interface SegmentOutcome {
  /**
   * The twin holding the result: a new revision; for a matched object, a revision where the object keeps
   * the host's clicks as its prompt, or the same twin when it already had them.
   */
  twin: Twin;
  object: TwinObject;
  /**
   * added: a new object; matched: the mask duplicates `object` (IoU ≥ 0.9), which honours every click the
   * mask honours and is reused, nothing added;
   * refined: `object` got the new mask.
   */
  action: 'added' | 'matched' | 'refined';
  /** refined: how the mask changed. */
  change?: { areaBefore: number; areaAfter: number; added: number; removed: number; iouWithBefore: number };
  scores: { predictedIou: number; stability: number };
  /** Other objects the mask overlaps, most overlapping first (at most 8). */
  relations: MaskRelation[];
  /** Prompt points the mask disagrees with (positives it leaves out, negatives it covers), each with a next step. */
  missedPoints: MissedClick[];
  /** The other granularities SAM offered for the prompt (not added), best first. */
  alternatives: SegmentAlternative[];
  /**
   * With `pictureAlternatives`, when there are alternatives: each drawn over one window (`window`), side by
   * side in the order of `alternatives`, numbered as `alternative` takes it.
   */
  alternativesPicture?: Picture;
}

/** A click the mask ignores, and the call that would honour it ("take alternative 2: {…}"). */
export interface MissedClick {
  x: number;
  y: number;
  label: 0 | 1;
  next: string;
}

/** Another granularity of a prompted mask, as a summary the host can weigh. */
export interface SegmentAlternative {
  /** Pass as `alternative` (with the object's id) to take this mask instead. */
  alternative: MaskToken;
  granularity: string;
  area: number;
  bbox: [number, number, number, number];
  predictedIou: number;
  stability: number;
}

/** A region of a twin to look at again: a box, or the objects whose boxes (joined, with a margin) make it. */
export interface DetailRegionRequest {
  region?: Box;
  ids?: number[];
  /** Where the image may be read again from when its pixels are no longer in memory. */
  access?: ImageAccess;
}

export interface DetailRegionOutcome {
  /** The revision holding the new objects (the twin passed in when nothing new was found). */
  twin: Twin;
  /** The region looked at, clipped to the image. */
  region: Box;
  /** The objects added, in id order. */
  added: TwinObject[];
  /** True when the same region of the same twin was looked at before: its revision is returned as it was. */
  cached: boolean;
  /** The run's figures; absent when cached. */
  stats?: EverythingResult['stats'];
}

export interface TwinServiceApi {
  build(req: BuildRequest, control?: CallControl): Promise<BuildOutcome>;
  /** TWIN_NOT_FOUND (with a hint to call build_digital_twin) when unknown. */
  get(twinId: string): Promise<Twin>;
  /** A new revision with the labels; the twin passed in never changes. */
  label(twinId: string, labels: LabelInput[], source: SemanticSource): Promise<LabelOutcome>;
  /** Prompted segmentation on the cached embedding; the result is a new revision (or a matched object). */
  segment(twinId: string, req: SegmentRequest, control?: CallControl): Promise<SegmentOutcome>;
  /** Everything mode again inside a region (a crowd) on the cached embedding; what it finds is a new revision. */
  detail(twinId: string, req: DetailRegionRequest, control?: CallControl): Promise<DetailRegionOutcome>;
  mask<F extends MaskFormat>(req: MaskRequest<F>): Promise<MaskOutcomeOf<F>>;
  /** A mask expression kept as an object of a new revision (or the object that already has that mask). */
  keepMask(req: KeepRequest): Promise<KeepOutcome>;
  /** The set-of-marks picture (rendered once per set of masks and kept with the twin). */
  marks(twinId: string, opts?: { maxSide?: number; ids?: number[]; access?: ImageAccess }): Promise<MarksPicture>;
  /** A window of the marks enlarged, every object in it labelled, with rulers in image pixels. */
  zoom(twinId: string, req: ZoomRequest, opts?: { access?: ImageAccess }): Promise<MarksPicture>;
  /** Overlay of several objects in distinct colours with their ids and a legend, optionally cropped. */
  overlay(twinId: string, ids: number[], opts?: { crop?: boolean; maxSide?: number; access?: ImageAccess }): Promise<Picture>;
}

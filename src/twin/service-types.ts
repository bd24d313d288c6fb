// What the tools layer asks of the twin layer. One implementation (twin-service.ts) wires perception,
// the twin builders and the store; tests can substitute their own.
import { MASK_OPS, type MaskOp } from '../mask/combine.js';
import type { Box } from '../mask/rle.js';
import type { ImageSource } from '../perception/image-input.js';
import type { EverythingOptions, EverythingResult, PresetName, Prompt, RunControl } from '../perception/types.js';
import type { Twin, TwinObject, SemanticSource } from './types.js';

/** wholes: whole objects only; parts: also prompt inside objects for their parts (default). */
export const GRANULARITIES = ['wholes', 'parts'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export interface BuildRequest {
  /** Path, file:// URL, base64 or data URL. Paths are read as given: the tools layer checks roots first. */
  image: string | ImageSource;
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

export interface MaskRequest {
  twinId: string;
  ids: number[];
  op: MaskOp;
  format: MaskFormat;
}

export interface MaskOutcome {
  area: number;
  bbox: Box;
  width: number;
  height: number;
  /** png / cutout / overlay: the encoded image. */
  png?: Buffer;
  /** rle: COCO compressed RLE (pycocotools-compatible). */
  rle?: { size: [number, number]; counts: string };
  /** polygon: outer rings and holes in original pixels. */
  polygons?: { outer: [number, number][][]; holes: [number, number][][] };
}

export interface LabelInput {
  id: number;
  label?: string;
  description?: string;
  attributes?: string[];
}

export interface MarksOutcome {
  data: Buffer;
  mime: string;
  width: number;
  height: number;
}

/** Another granularity of a prompted mask, as a summary the host can weigh. */
export interface SegmentAlternative {
  granularity: string;
  area: number;
  bbox: [number, number, number, number];
  predictedIou: number;
  stability: number;
}

export interface TwinServiceApi {
  build(req: BuildRequest, control?: RunControl): Promise<BuildOutcome>;
  /** TWIN_NOT_FOUND (with a hint to call build_digital_twin) when unknown. */
  get(twinId: string): Promise<Twin>;
  label(twinId: string, labels: LabelInput[], source: SemanticSource): Promise<TwinObject[]>;
  /**
   * Prompted segmentation on the cached embedding; the new object is added to the twin. `alternatives`
   * are the other granularities SAM offered for the prompt (not added).
   */
  segment(twinId: string, prompt: Prompt, control?: RunControl): Promise<{ object: TwinObject; twin: Twin; alternatives?: SegmentAlternative[] }>;
  mask(req: MaskRequest): Promise<MaskOutcome>;
  marks(twinId: string, opts?: { maxSide?: number; ids?: number[] }): Promise<MarksOutcome>;
}

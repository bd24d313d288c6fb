// The Digital Twin: the structured scene the host agent reasons over. Object ids are small integers
// (1..N) so that the model can name them; the masks stay server-side and leave only through get_mask.
import type { Box, Rle } from '../mask/rle.js';
import type { ProposalStage, RefineStep } from '../perception/contract.js';

/** Version of the twin file layout; 2 added revisions (version 1 files are read as perception twins). */
export const SCHEMA_VERSION = 2;

export type Level = 'whole' | 'part';
export type SemanticSource = 'host' | 'detector' | 'user';

export interface SemanticSlot<T> {
  value: T;
  source: SemanticSource;
}

export interface Semantics {
  label?: SemanticSlot<string>;
  description?: SemanticSlot<string>;
  attributes?: SemanticSlot<string[]>;
}

/** Nine coarse cells of the image, by centroid. */
export const POSITION_NAMES = ['top-left', 'top', 'top-right', 'left', 'center', 'right', 'bottom-left', 'bottom', 'bottom-right'] as const;
export type CoarsePosition = (typeof POSITION_NAMES)[number];

export interface TwinObject {
  id: number;
  level: Level;
  parent: number | null;
  children: number[];
  /** [x1, y1, x2, y2] in original pixels, x2/y2 exclusive. */
  bbox: Box;
  area: number;
  /** area / (width*height). */
  areaFraction: number;
  centroid: [number, number];
  position: CoarsePosition;
  color: { mean: string; dominant: string; name: string };
  shape: { aspectRatio: number; solidity: number; circularity: number };
  /** Outer boundary, simplified, bounded vertex count; `holes` counts interior holes. */
  outline: { points: [number, number][]; holes: number };
  scores: { predictedIou: number; stability: number };
  /** Ids of objects that overlap this one's bbox and sit in front of it, where derivable. */
  occludedBy?: number[];
  /** How the proposal was found (perception's ProposalStage): grid, coverage, parts, crop, user (a `segment` call), detail, stuff. */
  origin: ProposalStage;
  /**
   * The prompts that made the mask, oldest first (a refined object has several): refinement replays them to
   * regenerate the decoder's logits, one decoder call each. Absent where they cannot be replayed.
   */
  prompts?: RefineStep[];
  semantics: Semantics;
}

export interface TwinImage {
  hash: string;
  width: number;
  height: number;
  /** Path or description of where the image came from. */
  source: string;
}

/**
 * Where a revision comes from. Twins never change once made: labels and prompted objects make a new
 * revision with its own id, sharing the unchanged masks of the perception twin it descends from.
 */
export interface TwinRevision {
  /** The perception twin (built from the image) this revision descends from. */
  base: string;
  /** The twin it was made from (the base or an earlier revision). */
  parent: string;
  /** What changed, for a person: "labelled objects 2, 6", "added object 35". */
  change: string;
  /** The nearest twin (this one, an ancestor or the base) whose masks these are: the key of its marks picture. */
  masksOf: string;
}

export interface Twin {
  /**
   * Perception twins: deterministic from image hash + model + parameters (the same request finds the
   * same twin). Revisions: deterministic from the parent id and the change.
   */
  id: string;
  schemaVersion: number;
  image: TwinImage;
  model: string;
  /** The perception parameters the twin was built with (preset and overrides). */
  params: Record<string, unknown>;
  createdAt: string;
  objects: TwinObject[];
  /** Mask of each object, keyed by object id. */
  masks: Map<number, Rle>;
  /** Absent on a perception twin. */
  revision?: TwinRevision;
}

/** The id of the twin whose masks `twin` has (the key of its marks picture). */
export function masksKey(twin: Twin): string {
  return twin.revision?.masksOf ?? twin.id;
}

/** The perception twin a twin descends from (itself for a perception twin). */
export function baseId(twin: Twin): string {
  return twin.revision?.base ?? twin.id;
}

// Twins are immutable: a change (labels, a prompted object, a refined mask) makes a revision with its
// own id, deterministic from the parent's id and the change, so retrying the same call finds the same
// revision and two clients never see each other's changes unless they share an id.
import { createHash } from 'node:crypto';
import type { Rle } from '../mask/rle.js';
import { canonicalJson } from './build-twin.js';
import { baseId, masksKey, type Twin, type TwinObject } from './scene-model.js';

export function revisionId(parentId: string, change: unknown): string {
  const digest = createHash('sha256')
    .update(canonicalJson({ parent: parentId, change }))
    .digest('hex');
  return `tw_${digest.slice(0, 16)}`;
}

/** A copy of the parent that can be changed freely: objects deep-copied, masks shared until replaced. */
export function draftOf(parent: Twin): { objects: TwinObject[]; masks: Map<number, Rle> } {
  return { objects: structuredClone(parent.objects), masks: new Map(parent.masks) };
}

export interface RevisionChange {
  /** Deterministic description of the request (hashed into the id). */
  request: unknown;
  /** For a person: "labelled objects 2, 6". */
  summary: string;
  objects: TwinObject[];
  masks: Map<number, Rle>;
}

export function makeRevision(parent: Twin, change: RevisionChange): Twin {
  const id = revisionId(parent.id, change.request);
  const masksChanged = change.masks.size !== parent.masks.size || [...change.masks].some(([k, rle]) => parent.masks.get(k) !== rle);
  return {
    id,
    schemaVersion: parent.schemaVersion,
    image: parent.image,
    model: parent.model,
    params: parent.params,
    createdAt: new Date().toISOString(),
    objects: change.objects,
    masks: change.masks,
    revision: { base: baseId(parent), parent: parent.id, change: change.summary, masksOf: masksChanged ? id : masksKey(parent) },
  };
}

// Names and descriptions attached to objects by the host model, a detector or the user. The twin
// stores what it is told, with who told it; an empty value clears a slot.
import { TwinsegError } from '../errors.js';
import { unknownObjects } from './unknown-objects.js';
import type { SemanticSource, Twin, TwinObject } from './scene-model.js';

export const LABEL_MAX = 200;
export const DESCRIPTION_MAX = 2000;
export const ATTRIBUTES_MAX = 32;
export const ATTRIBUTE_MAX = 100;

export interface SemanticsInput {
  /** '' or null clears the label. */
  label?: string | null;
  description?: string | null;
  /** [] or null clears the attributes. */
  attributes?: string[] | null;
}

export function objectById(twin: Twin, id: number): TwinObject {
  const obj = twin.objects.find((o) => o.id === id);
  if (!obj) {
    throw unknownObjects(twin, [id]);
  }
  return obj;
}

function text(value: string, field: string, max: number): string {
  const v = value.trim();
  if (v.length > max) {
    throw new TwinsegError('INVALID_INPUT', `The ${field} is ${v.length} characters long; the limit is ${max}.`, {
      hint: `Shorten the ${field}.`,
    });
  }
  return v;
}

/** Sets (or clears) semantic slots of one object; returns the updated object. */
export function setSemantics(twin: Twin, id: number, input: SemanticsInput, source: SemanticSource): TwinObject {
  const obj = objectById(twin, id);
  const sem = obj.semantics;
  if (input.label !== undefined) {
    const v = input.label === null ? '' : text(input.label, 'label', LABEL_MAX);
    if (v) sem.label = { value: v, source };
    else delete sem.label;
  }
  if (input.description !== undefined) {
    const v = input.description === null ? '' : text(input.description, 'description', DESCRIPTION_MAX);
    if (v) sem.description = { value: v, source };
    else delete sem.description;
  }
  if (input.attributes !== undefined) {
    const list = input.attributes ?? [];
    if (list.length > ATTRIBUTES_MAX) {
      throw new TwinsegError('INVALID_INPUT', `${list.length} attributes given; the limit is ${ATTRIBUTES_MAX}.`, {
        hint: 'Keep the few attributes that matter.',
      });
    }
    const values = [...new Set(list.map((a) => text(a, 'attribute', ATTRIBUTE_MAX)).filter(Boolean))];
    if (values.length) sem.attributes = { value: values, source };
    else delete sem.attributes;
  }
  return obj;
}

// The two halves of a split decoder (image-side-split.ts) behind one ModelSession: a run feeds the image
// graph, then the prompt graph with its outputs. The image graph's outputs are kept for the last image:
// while a run brings the same embedding (the same array) and the same values in the other image inputs
// (a blank mask, no mask flag), they are reused instead of recomputed.
import type { ModelSession, PlainTensor, TensorData } from './model-session.js';

interface Kept {
  embedding: TensorData;
  /** The other image inputs' values, to compare with. */
  others: Map<string, { data: TensorData; dims: readonly number[] }>;
  outputs: Promise<Record<string, PlainTensor>>;
}

function sameValues(a: { data: TensorData; dims: readonly number[] }, b: PlainTensor): boolean {
  if (a.dims.length !== b.dims.length || a.dims.some((d, i) => d !== b.dims[i]) || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

export function splitSession(image: ModelSession, prompts: ModelSession, boundary: readonly string[]): ModelSession {
  const cut = new Set(boundary);
  const imageNames = image.inputs.map((i) => i.name);
  const inputs = [...image.inputs, ...prompts.inputs.filter((i) => !cut.has(i.name) && !imageNames.includes(i.name))];
  let kept: Kept | undefined;

  const imageOutputs = (feeds: Record<string, PlainTensor>): Promise<Record<string, PlainTensor>> => {
    const embedding = feeds.image_embeddings?.data;
    const others = imageNames.filter((n) => n !== 'image_embeddings');
    const reusable =
      kept !== undefined &&
      embedding !== undefined &&
      kept.embedding === embedding &&
      others.every((n) => feeds[n] !== undefined && kept!.others.has(n) && sameValues(kept!.others.get(n)!, feeds[n]!));
    if (reusable) return kept!.outputs;
    const imageFeeds = Object.fromEntries(imageNames.map((n) => [n, feeds[n]!]));
    const outputs = image.run(imageFeeds);
    if (embedding !== undefined) {
      kept = {
        embedding,
        others: new Map(others.map((n) => [n, { data: feeds[n]!.data.slice(), dims: [...feeds[n]!.dims] }])),
        outputs,
      };
      // A failed run is not kept: the next one tries again.
      outputs.catch(() => {
        if (kept?.outputs === outputs) kept = undefined;
      });
    }
    return outputs;
  };

  return {
    inputs,
    outputs: prompts.outputs,
    async run(feeds, fetches) {
      const side = await imageOutputs(feeds);
      const promptFeeds: Record<string, PlainTensor> = {};
      for (const { name } of prompts.inputs) {
        const t = cut.has(name) ? side[name] : feeds[name];
        if (t) promptFeeds[name] = t;
      }
      return prompts.run(promptFeeds, fetches);
    },
    async release() {
      kept = undefined;
      await Promise.all([image.release(), prompts.release()]);
    },
  };
}

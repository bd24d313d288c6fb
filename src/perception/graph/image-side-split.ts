// Splits the four-token decoder in two: the work that depends only on the image (and on the mask input,
// which a run without mask inputs feeds blank) and the work that depends on the prompts. Everything mode
// decodes a photo in ~10 runs against one embedding; in one graph each run would recompute the first layer's
// image projections, the positional encoding's sums and the blank mask's dense embedding. Split, the image
// graph runs once per image and its outputs feed every prompt run
// (split-session.ts). Found by structure: a tensor goes to the image graph when it is float, depends on an
// image input, and depends on no prompt input. Pure bytes in, bytes out.
import onnxProto from 'onnx-proto';
import { dependencyTest, elementTypes, producers, readDecoderModel, type Graph, type Node } from './onnx-graph-kit.js';

const { onnx } = onnxProto;

/** The decoder inputs the image graph takes; every other input is the prompts'. */
export const IMAGE_INPUTS = ['image_embeddings', 'mask_input', 'has_mask_input'];

export type SplitResult =
  | {
      ok: true;
      /** The image graph: image inputs in, `boundary` out. */
      image: Uint8Array;
      /** The prompt graph: the prompt inputs and `boundary` in, the decoder's outputs out. */
      prompts: Uint8Array;
      boundary: string[];
    }
  | { ok: false; reason: string };

/** What a split records for `twinseg doctor` and the four-token status. */
export type SplitSummary = { split: true; tensors: number } | { split: false; reason: string };

/**
 * A Tile whose repeats are ones by construction (ConstantOfShape of 1: what image-side sharing leaves): it
 * copies nothing, so only its data counts as a dependency, and the image graph runs it as an Identity.
 */
function isOnesTile(n: Node, from: Map<string, Node>): boolean {
  if (n.opType !== 'Tile' || !n.input?.[1]) return false;
  const repeats = from.get(n.input[1]);
  if (repeats?.opType !== 'ConstantOfShape') return false;
  const value = repeats.attribute?.find((a) => a.name === 'value')?.t;
  const ints = value?.int64Data?.length
    ? value.int64Data.map(Number)
    : value?.rawData?.byteLength === 8
      ? [Number(new BigInt64Array(Uint8Array.from(value.rawData).buffer)[0])]
      : [];
  return ints.length === 1 && ints[0] === 1;
}

export function splitImageSide(source: Uint8Array): SplitResult {
  const read = readDecoderModel(source);
  if ('reason' in read) return { ok: false, reason: read.reason };
  const { model, graph } = read;
  const nodes = graph.node;
  const inputs = (graph.input ?? []).map((v) => v.name!);
  const imageRoots = new Set(inputs.filter((i) => IMAGE_INPUTS.includes(i)));
  if (!imageRoots.has('image_embeddings')) return { ok: false, reason: 'the decoder has no image_embeddings input' };
  const promptRoots = new Set(inputs.filter((i) => !imageRoots.has(i)));

  const from = producers(graph);
  const onesTiles = new Set(nodes.filter((n) => isOnesTile(n, from)));
  const perPrompt = dependencyTest(from, promptRoots, onesTiles);
  const onImage = dependencyTest(from, imageRoots, onesTiles);
  const types = elementTypes(graph);
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const hoisted = new Set(nodes.filter((n) => (n.output ?? []).every((o) => onImage(o) && !perPrompt(o) && types.get(o) === FLOAT)));
  const outputs = new Set((graph.output ?? []).map((v) => v.name));
  const exposed = [...hoisted].find((n) => n.output!.some((o) => outputs.has(o)));
  if (exposed) return { ok: false, reason: `${exposed.opType} ${exposed.name ?? ''} is image-side and a decoder output` };

  // The image graph also needs the shape arithmetic and constants its nodes read (kept in the prompt graph too).
  const inImage = new Set<Node>();
  const stack = [...hoisted];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (inImage.has(n)) continue;
    inImage.add(n);
    const reads = onesTiles.has(n) ? n.input!.slice(0, 1) : (n.input ?? []);
    for (const i of reads) {
      const p = i ? from.get(i) : undefined;
      if (p && !(p.output ?? []).some(perPrompt)) stack.push(p);
    }
  }
  const promptNodes = nodes.filter((n) => !hoisted.has(n));
  const made = new Set([...hoisted].flatMap((n) => n.output ?? []));
  const boundary = [...new Set(promptNodes.flatMap((n) => n.input ?? []).filter((i) => made.has(i)))];
  if (boundary.length === 0) return { ok: false, reason: 'no image-side work feeds the prompts' };

  const imageNodes = nodes
    .filter((n) => inImage.has(n))
    .map((n) =>
      onesTiles.has(n) ? onnx.NodeProto.create({ opType: 'Identity', name: n.name, input: [n.input![0]!], output: n.output }) : n,
    );
  const floatValue = (name: string) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT } } });
  const encode = (
    body: Node[],
    graphInputs: onnxProto.onnx.IValueInfoProto[],
    graphOutputs: onnxProto.onnx.IValueInfoProto[],
  ): Uint8Array => {
    const read = new Set(body.flatMap((n) => n.input ?? []));
    const part: Graph = {
      name: graph.name,
      node: body,
      initializer: (graph.initializer ?? []).filter((t) => read.has(t.name!)),
      input: graphInputs.filter((v) => read.has(v.name!)),
      output: graphOutputs,
    };
    return onnx.ModelProto.encode(
      onnx.ModelProto.create({ irVersion: model.irVersion, opsetImport: model.opsetImport, producerName: 'twinseg', graph: part }),
    ).finish();
  };
  return {
    ok: true,
    image: encode(imageNodes, graph.input ?? [], boundary.map(floatValue)),
    prompts: encode(promptNodes, [...(graph.input ?? []), ...boundary.map(floatValue)], graph.output ?? []),
    boundary,
  };
}

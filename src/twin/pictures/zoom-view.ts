// A zoom: a window of the marks picture enlarged to the host's size, every object in it labelled
// (parts too), with rulers in image pixels along its edges and the window and scale to map a pixel of
// the picture back to the image. The window is a region the host names, or the objects it names with
// some room around them.
import type { Box } from '../../mask/rle.js';
import { rleBbox } from '../../mask/rle.js';
import type { LoadedImage } from '../../perception/contract.js';
import { TwinsegError } from '../../errors.js';
import { renderMarksImage, type MarkLevel, type MarksImage } from './set-of-marks.js';
import { zoomWindow } from './picture-window.js';
import type { Twin } from '../scene-model.js';
import { unknownObjects } from '../unknown-objects.js';

export interface ZoomRequest {
  /** [x1, y1, x2, y2] in image pixels (x2/y2 exclusive). */
  region?: Box;
  /** Or: the objects to show, with room around them. */
  ids?: number[];
  /** Which objects to draw and label (default all: wholes and parts). */
  level?: MarkLevel;
  /** Draw and label only these objects (a region's second look shows what it added). */
  only?: number[];
}

/** The zoom picture; `window` says what it shows and at which scale. */
export async function renderZoom(image: LoadedImage, twin: Twin, req: ZoomRequest): Promise<MarksImage> {
  const region = zoomRegion(twin, req);
  const window = zoomWindow(region, twin.image.width, twin.image.height);
  return renderMarksImage(image, twin, { window, level: req.level ?? 'all', ids: req.only });
}

/** The region a zoom request names, checked against the image. */
export function zoomRegion(twin: Twin, req: ZoomRequest): Box {
  const { width, height } = twin.image;
  if ((req.region === undefined) === (req.ids === undefined)) {
    throw new TwinsegError('INVALID_INPUT', 'Name either a region or ids to zoom on, not both and not neither.', {
      hint: 'Pass region [x1, y1, x2, y2] in image pixels, e.g. [80, 135, 640, 345], or ids, e.g. [12, 15].',
    });
  }
  if (req.ids !== undefined) {
    const missing = req.ids.filter((id) => !twin.masks.has(id));
    if (missing.length > 0) throw unknownObjects(twin, missing);
    const boxes = req.ids.map((id) => rleBbox(twin.masks.get(id)!)).filter((b) => b[2] > b[0] && b[3] > b[1]);
    if (boxes.length === 0) {
      throw new TwinsegError('INVALID_INPUT', `Objects ${req.ids.join(', ')} have empty masks: nothing to zoom on.`, {
        hint: 'Pass a region instead, or other ids.',
      });
    }
    return [
      Math.min(...boxes.map((b) => b[0])),
      Math.min(...boxes.map((b) => b[1])),
      Math.max(...boxes.map((b) => b[2])),
      Math.max(...boxes.map((b) => b[3])),
    ];
  }
  const [x1, y1, x2, y2] = req.region!;
  if (!(x1 < x2 && y1 < y2)) {
    throw new TwinsegError(
      'INVALID_INPUT',
      `The region [${req.region!.join(', ')}] is empty: it must be [x1, y1, x2, y2] with x1 < x2 and y1 < y2.`,
      {
        hint: 'Give the corners in image pixels, top-left first.',
      },
    );
  }
  if (x2 <= 0 || y2 <= 0 || x1 >= width || y1 >= height) {
    throw new TwinsegError('INVALID_INPUT', `The region [${req.region!.join(', ')}] lies outside the ${width}×${height} image.`, {
      hint: `Give a region inside [0, 0, ${width}, ${height}] in image pixels.`,
    });
  }
  return [Math.max(0, x1), Math.max(0, y1), Math.min(width, x2), Math.min(height, y2)];
}

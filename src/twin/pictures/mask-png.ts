// Masks as PNG files a person or another program can open: black/white, 1-bit palette, which keeps a
// typical mask at a few hundred bytes to a few kB.
import { decodeToGrey, encodeRaw } from '../../image/codec.js';
import { rleFromBitmap, rleToBitmap, type Rle } from '../../mask/rle.js';
import { errorMessage, TwinsegError } from '../../errors.js';

export async function encodeMaskPng(rle: Rle): Promise<Buffer> {
  const bits = rleToBitmap(rle);
  for (let i = 0; i < bits.length; i++) bits[i] = bits[i] ? 255 : 0;
  try {
    // Two colours in, two palette entries out: libimagequant reproduces them exactly, at 1 bit/pixel.
    return await encodeRaw({ data: bits, width: rle.width, height: rle.height, channels: 1 }, 'png', {
      paletteColours: 2,
      compressionLevel: 9,
    });
  } catch (e) {
    throw new TwinsegError('INTERNAL', `Could not encode the mask as PNG: ${errorMessage(e)}`, { cause: e });
  }
}

/** Any PNG (or other picture the codec reads): foreground where the grey value is at least 128. */
export async function decodeMaskPng(buf: Buffer): Promise<Rle> {
  let grey;
  try {
    grey = await decodeToGrey(buf);
  } catch (e) {
    throw new TwinsegError('IMAGE_UNREADABLE', `Could not read the mask image: ${errorMessage(e)}`, {
      hint: 'Pass a PNG with white foreground on black background.',
      cause: e,
    });
  }
  const { data, width, height, channels } = grey;
  const bits = new Uint8Array(width * height);
  for (let i = 0; i < bits.length; i++) bits[i] = data[i * channels]! >= 128 ? 1 : 0;
  return rleFromBitmap(bits, width, height);
}

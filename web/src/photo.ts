/**
 * An uploaded photo -> RGBA pixels, the browser's half of decoding (Node's is sharp): the EXIF
 * orientation applied, and the longest side capped at MAX_PHOTO_SIDE. A phone photo of 6000x4000
 * would be ~96 MB of pixels, more than the recipes need (a character ends as 28x28, a line at the
 * model's height) and enough to stall or kill a phone's tab; 2048 keeps a full line of writing well
 * above the scale the line recipe reads it at. Images within the cap come out exactly as decoded, so
 * the same file gives the same pixels to the same pure preprocessing as `hwr predict`; a 2D canvas
 * keeps colours premultiplied, so semi-transparent pixels may differ by rounding.
 */
import type { RgbaImage } from '../../src/image/rgba';

/** The longest side of a decoded photo, in pixels. */
export const MAX_PHOTO_SIDE = 2048;

/** A decoded photo: its pixels for the model and a bitmap to show. */
export interface DecodedPhoto {
  rgba: RgbaImage;
  bitmap: ImageBitmap;
}

/** The size an image of `width` x `height` is decoded at: scaled down (aspect kept) so its longest side is at most `maxSide`. */
export function cappedSize(width: number, height: number, maxSide = MAX_PHOTO_SIDE): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  if (scale === 1) return { width, height };
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Decodes an image file; a file the browser cannot decode gives an error that says what to upload. */
export async function decodePhoto(file: File, maxSide = MAX_PHOTO_SIDE): Promise<DecodedPhoto> {
  const unreadable = () => new Error(`“${file.name}” is not an image this browser can read (${file.type || 'unknown type'}). Choose a photo or scan: PNG, JPEG or WebP.`);
  const natural = await orientedSize(file).catch(() => { throw unreadable(); });
  const size = cappedSize(natural.width, natural.height, maxSide);
  const resize: ImageBitmapOptions = size.width === natural.width && size.height === natural.height
    ? {}
    : { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'high' };
  let bitmap: ImageBitmap;
  try {
    // Resized while decoding, so the full-size pixels are never handed to the page.
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image', premultiplyAlpha: 'none', ...resize });
  } catch {
    throw unreadable();
  }
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser cannot read pixels (no 2D canvas context)');
  // A browser that ignores the resize options still gets the capped size here.
  ctx.drawImage(bitmap, 0, 0, size.width, size.height);
  if (bitmap.width !== size.width || bitmap.height !== size.height) {
    bitmap.close();
    bitmap = await createImageBitmap(canvas);
  }
  const data = ctx.getImageData(0, 0, size.width, size.height);
  return { rgba: { width: data.width, height: data.height, data: data.data }, bitmap };
}

/**
 * The image's size as shown (EXIF orientation applied), from an <img>: browsers read it from the
 * header and decode the pixels only when painted, so a huge photo is not decoded to be measured.
 */
function orientedSize(file: Blob): Promise<{ width: number; height: number }> {
  const url = URL.createObjectURL(file);
  const img = new Image();
  return new Promise<{ width: number; height: number }>((resolve, reject) => {
    img.onload = () => (img.naturalWidth > 0 && img.naturalHeight > 0 ? resolve({ width: img.naturalWidth, height: img.naturalHeight }) : reject(new Error('no size')));
    img.onerror = () => reject(new Error('not an image'));
    img.src = url;
  }).finally(() => URL.revokeObjectURL(url));
}

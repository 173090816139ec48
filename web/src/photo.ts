/**
 * An uploaded photo -> RGBA pixels, the browser's half of decoding (Node's is sharp): the EXIF
 * orientation applied and nothing else, so the same file gives the same pixels to the same pure
 * preprocessing. Opaque images (photos, scans, PNG drawings) come out exactly as decoded; a 2D
 * canvas keeps colours premultiplied, so semi-transparent pixels may differ by rounding.
 */
import type { RgbaImage } from '../../src/image/rgba';

/** A decoded photo: its pixels for the model and a bitmap to show. */
export interface DecodedPhoto {
  rgba: RgbaImage;
  bitmap: ImageBitmap;
}

/** Decodes an image file; a file the browser cannot decode gives an error that says what to upload. */
export async function decodePhoto(file: File): Promise<DecodedPhoto> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`“${file.name}” is not an image this browser can read (${file.type || 'unknown type'}). Choose a photo or scan: PNG, JPEG or WebP.`);
  }
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser cannot read pixels (no 2D canvas context)');
  ctx.drawImage(bitmap, 0, 0);
  const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  return { rgba: { width: data.width, height: data.height, data: data.data }, bitmap };
}

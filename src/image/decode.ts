import { promises as fs } from 'fs';
import sharp from 'sharp';
import { FloatImage, createImage, quantile } from './gray';

/** Options for decoding. */
export interface DecodeOptions {
  /** Images larger than this on their longest side are shrunk while decoding (a character needs no more). Default 512. */
  maxSide?: number;
}

/** What decoding found out about the file, besides the pixels. */
export interface DecodedImage {
  image: FloatImage;
  /** Size of the file's image after EXIF rotation, before any shrinking. */
  sourceWidth: number;
  sourceHeight: number;
  format: string;
  /** True when the ink was taken from the alpha channel (a transparent drawing). */
  fromAlpha: boolean;
}

/**
 * Decodes PNG, JPEG or WebP bytes into a gray float image: EXIF orientation applied, shrunk to
 * `maxSide`, luminance in 0..1, transparency resolved (see `resolveAlpha`). `name` is only for errors.
 */
export async function decodeImage(bytes: Buffer, name: string, opts: DecodeOptions = {}): Promise<DecodedImage> {
  if (bytes.length === 0) throw new Error(`${name}: the file is empty; expected a PNG, JPEG or WebP image`);
  const maxSide = opts.maxSide ?? 512;
  let raw: { data: Buffer; info: sharp.OutputInfo };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes).metadata();
    raw = await sharp(bytes)
      .rotate() // applies the EXIF orientation a phone camera writes
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`${name}: not a readable image (${why}); expected a PNG, JPEG or WebP file`);
  }
  const { width, height, channels } = raw.info;
  if (channels !== 4) throw new Error(`${name}: decoded to ${channels} channels, expected RGBA`);
  const luminance = createImage(width, height);
  const alpha = createImage(width, height);
  for (let i = 0, p = 0; i < width * height; i++, p += 4) {
    // Rec. 601 luma, the weights MNIST-era grayscale conversions used.
    luminance.data[i] = (0.299 * raw.data[p] + 0.587 * raw.data[p + 1] + 0.114 * raw.data[p + 2]) / 255;
    alpha.data[i] = raw.data[p + 3] / 255;
  }
  const resolved = resolveAlpha(luminance, alpha);
  const rotated = (meta.orientation ?? 1) >= 5; // orientations 5..8 swap width and height
  return {
    image: resolved.image,
    sourceWidth: (rotated ? meta.height : meta.width) ?? width,
    sourceHeight: (rotated ? meta.width : meta.height) ?? height,
    format: meta.format ?? 'unknown',
    fromAlpha: resolved.fromAlpha,
  };
}

/**
 * Turns colour + transparency into one gray image. A drawing on a transparent background (a
 * noticeable share of transparent pixels, strokes of one colour) is its alpha channel: ink wherever
 * it is opaque, as dark ink on white, whatever the stroke colour (black strokes, white chalk).
 * Anything else is composited onto white paper.
 */
export function resolveAlpha(luminance: FloatImage, alpha: FloatImage): { image: FloatImage; fromAlpha: boolean } {
  const n = alpha.data.length;
  let transparent = 0;
  const opaqueLuma: number[] = [];
  for (let i = 0; i < n; i++) {
    if (alpha.data[i] < 0.5) transparent++;
    else opaqueLuma.push(luminance.data[i]);
  }
  const image = createImage(luminance.width, luminance.height);
  const uniformStrokes = opaqueLuma.length > 0 && quantile(opaqueLuma, 0.95) - quantile(opaqueLuma, 0.05) < 0.25;
  if (transparent > 0.01 * n && uniformStrokes) {
    for (let i = 0; i < n; i++) image.data[i] = 1 - alpha.data[i];
    return { image, fromAlpha: true };
  }
  for (let i = 0; i < n; i++) image.data[i] = luminance.data[i] * alpha.data[i] + (1 - alpha.data[i]);
  return { image, fromAlpha: false };
}

/** Reads and decodes an image file (see `decodeImage`); errors name the file. */
export async function readImageFile(path: string, opts: DecodeOptions = {}): Promise<DecodedImage> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(err);
    throw new Error(`${path}: cannot read the file (${why})`);
  }
  return decodeImage(bytes, path, opts);
}

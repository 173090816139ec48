/**
 * Decoding image files in Node (sharp): bytes -> RGBA pixels with the EXIF orientation applied,
 * nothing else. Every later step is the pure TypeScript that the browser runs too (see rgba.ts).
 */
import { promises as fs } from 'fs';
import sharp from 'sharp';
import { FloatImage } from './gray';
import { RgbaImage, RgbaToGrayOptions, rgbaToGray } from './rgba';

/** Options for decoding to gray (see `RgbaToGrayOptions`). */
export type DecodeOptions = RgbaToGrayOptions;

/** Decoded pixels and the file's format. */
export interface DecodedRgba {
  /** 8-bit sRGB RGBA, upright (EXIF orientation applied), full size. */
  rgba: RgbaImage;
  /** 'png', 'jpeg', 'webp', ... as sharp names it. */
  format: string;
}

/** What decoding to gray found out about the file, besides the pixels. */
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
 * Decodes PNG, JPEG or WebP bytes into 8-bit sRGB RGBA with the EXIF orientation a phone camera
 * writes applied, and nothing else (no resizing: that is the pure pipeline's job, so Node and the
 * browser shrink alike). `name` is only for errors.
 */
export async function decodeRgba(bytes: Buffer, name: string): Promise<DecodedRgba> {
  if (bytes.length === 0) throw new Error(`${name}: the file is empty; expected a PNG, JPEG or WebP image`);
  try {
    const meta = await sharp(bytes).metadata();
    const { data, info } = await sharp(bytes)
      .rotate() // no angle: apply the EXIF orientation
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoded to ${info.channels} channels, expected RGBA`);
    const rgba = { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
    return { rgba, format: meta.format ?? 'unknown' };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`${name}: not a readable image (${why}); expected a PNG, JPEG or WebP file`);
  }
}

/** Decodes PNG, JPEG or WebP bytes into a gray float image: `decodeRgba`, then `rgbaToGray`. */
export async function decodeImage(bytes: Buffer, name: string, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const { rgba, format } = await decodeRgba(bytes, name);
  const gray = rgbaToGray(rgba, opts);
  return { image: gray.image, sourceWidth: rgba.width, sourceHeight: rgba.height, format, fromAlpha: gray.fromAlpha };
}

/** Reads a file's bytes; errors name the file and say why. */
export async function readImageBytes(path: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(err);
    throw new Error(`${path}: cannot read the file (${why})`);
  }
}

/** Reads and decodes an image file to gray (see `decodeImage`); errors name the file. */
export async function readImageFile(path: string, opts: DecodeOptions = {}): Promise<DecodedImage> {
  return decodeImage(await readImageBytes(path), path, opts);
}

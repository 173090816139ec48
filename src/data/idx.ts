/**
 * Strict reader for IDX files (the MNIST/EMNIST container format), raw or gzip-compressed.
 *
 * Layout: a 4-byte magic (0x00 0x00 <type> <ndims>), one big-endian uint32 per dimension, then the
 * uint8 data. Anything that does not match exactly (magic, dims, length) is an error naming the file:
 * a silently partial dataset is worse than no dataset.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';

/** Magic of a uint8 IDX file with 3 dims [n, rows, cols] (images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic of a uint8 IDX file with 1 dim [n] (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** Decoded IDX images: row-major uint8 pixels [count, height, width]. */
export interface IdxImages {
  count: number;
  height: number;
  width: number;
  pixels: Uint8Array;
}

/** Options for reading images: the image size we insist on (default 28 x 28). */
export interface IdxImageOptions {
  height?: number;
  width?: number;
}

/** Decoded images and labels of one IDX pair, checked to have the same count. */
export interface IdxPair extends IdxImages {
  labels: Uint8Array;
}

/** True when the bytes start with the gzip magic 1f 8b (we never trust file extensions). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The file's bytes, gunzipped when they are gzip; errors name the file. */
export function readIdxBytes(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`IDX file ${file}: cannot read it (${(e as Error).message})`);
  }
  if (!isGzip(raw)) return raw;
  // The gzip trailer holds the uncompressed size (mod 2^32). One output chunk of that size spares
  // zlib growing and concatenating 16 KiB chunks: faster, and half the peak memory. Capped by
  // deflate's maximum ratio (~1032:1) so a damaged trailer cannot ask for a huge buffer.
  const isize = raw.length >= 18 ? raw.readUInt32LE(raw.length - 4) : 0;
  const chunkSize = Math.max(64 * 1024, Math.min(isize + 64, raw.length * 1032, 1 << 30));
  try {
    return zlib.gunzipSync(raw, { chunkSize });
  } catch (e) {
    throw new Error(
      `IDX file ${file}: gzip data cannot be decompressed (${(e as Error).message}); ` +
        'the file is corrupt or truncated, delete it and fetch it again',
    );
  }
}

function header(bytes: Uint8Array, source: string, words: number): number[] {
  if (bytes.length < 4 * words) {
    throw new Error(`IDX file ${source}: only ${bytes.length} bytes, shorter than its header (${4 * words} bytes); the file is truncated`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4 * words);
  const out: number[] = [];
  for (let i = 0; i < words; i++) out.push(view.getUint32(4 * i, false));
  return out;
}

function checkMagic(magic: number, expected: number, source: string, what: string): void {
  if (magic !== expected) {
    const hex = (m: number) => '0x' + m.toString(16).padStart(8, '0');
    throw new Error(
      `IDX file ${source}: magic ${hex(magic)} is not ${hex(expected)} (uint8 ${what}); ` +
        'is this the right file (images vs labels), and a real IDX file?',
    );
  }
}

function checkLength(actual: number, expected: number, source: string): void {
  if (actual < expected) {
    throw new Error(`IDX file ${source}: truncated, ${actual} bytes but the header promises ${expected}`);
  }
  if (actual > expected) {
    throw new Error(`IDX file ${source}: ${actual - expected} bytes of trailing garbage after the ${expected} the header promises`);
  }
}

/** Parses decompressed IDX image bytes; `pixels` is a zero-copy view into `bytes`. */
export function parseIdxImages(bytes: Uint8Array, source: string, opts: IdxImageOptions = {}): IdxImages {
  const wantH = opts.height ?? 28;
  const wantW = opts.width ?? 28;
  checkMagic(header(bytes, source, 1)[0], IDX_IMAGES_MAGIC, source, 'images, 3 dims');
  const [, count, height, width] = header(bytes, source, 4);
  if (height !== wantH || width !== wantW) {
    throw new Error(`IDX file ${source}: images are ${height} x ${width}, expected ${wantH} x ${wantW}`);
  }
  const size = count * height * width;
  checkLength(bytes.length, 16 + size, source);
  return { count, height, width, pixels: new Uint8Array(bytes.buffer, bytes.byteOffset + 16, size) };
}

/** Parses decompressed IDX label bytes; the result is a zero-copy view into `bytes`. */
export function parseIdxLabels(bytes: Uint8Array, source: string): Uint8Array {
  checkMagic(header(bytes, source, 1)[0], IDX_LABELS_MAGIC, source, 'labels, 1 dim');
  const [, count] = header(bytes, source, 2);
  checkLength(bytes.length, 8 + count, source);
  return new Uint8Array(bytes.buffer, bytes.byteOffset + 8, count);
}

/** Reads an IDX images file (raw or gzip): [count, height, width] uint8. */
export function readIdxImages(file: string, opts: IdxImageOptions = {}): IdxImages {
  return parseIdxImages(readIdxBytes(file), file, opts);
}

/** Reads an IDX labels file (raw or gzip): [count] uint8. */
export function readIdxLabels(file: string): Uint8Array {
  return parseIdxLabels(readIdxBytes(file), file);
}

/** Reads an images file and its labels file and checks that the counts agree. */
export function readIdxPair(imagesFile: string, labelsFile: string, opts: IdxImageOptions = {}): IdxPair {
  const images = readIdxImages(imagesFile, opts);
  const labels = readIdxLabels(labelsFile);
  if (labels.length !== images.count) {
    throw new Error(
      `IDX pair mismatch: ${imagesFile} has ${images.count} images but ${labelsFile} has ${labels.length} labels`,
    );
  }
  return { ...images, labels };
}

/**
 * PNG chunk surgery for the benchmark images: sharp writes raw pixels with a pHYs chunk claiming
 * 1 pixel per millimetre (25.4 dpi), which Tesseract takes as the image's resolution ("Invalid
 * resolution 25 dpi. Using 70 instead"). A photo's pixels say nothing about dpi, so the bench drops
 * the chunk and leaves Tesseract to estimate, as it does for any image without one.
 */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The PNG without its chunks of the given types (e.g. ['pHYs']). Other chunks are copied byte for
 * byte: each carries its own CRC, so nothing else changes. Throws on bytes that are not a PNG.
 */
export function dropPngChunks(png: Uint8Array, types: readonly string[], name = 'PNG'): Buffer {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 8 || PNG_SIGNATURE.some((b, i) => buf[i] !== b)) throw new Error(`${name}: not a PNG (no PNG signature)`);
  const kept: Buffer[] = [buf.subarray(0, 8)];
  let at = 8;
  while (at < buf.length) {
    if (at + 12 > buf.length) throw new Error(`${name}: truncated PNG chunk at byte ${at}`);
    // Chunk: length (4, big-endian), type (4), data (length), CRC (4).
    const end = at + 12 + buf.readUInt32BE(at);
    if (end > buf.length) throw new Error(`${name}: truncated PNG chunk at byte ${at}`);
    if (!types.includes(buf.toString('latin1', at + 4, at + 8))) kept.push(buf.subarray(at, end));
    at = end;
  }
  return Buffer.concat(kept);
}

/** Node only: image bytes or files -> model input, by decoding with sharp (decode.ts) and the pure recipe (preprocess.ts). */
import { decodeRgba, readImageBytes } from './decode';
import { PreprocessOptions, PreprocessedImage, preprocessRgba } from './preprocess';

/** Decodes image bytes (PNG, JPEG, WebP) and preprocesses them; `name` (e.g. the path) is used in errors. */
export async function preprocessBuffer(bytes: Buffer, name: string, opts: PreprocessOptions = {}): Promise<PreprocessedImage> {
  const { rgba } = await decodeRgba(bytes, name);
  return preprocessRgba(rgba, opts, name);
}

/** Reads an image file and preprocesses it; errors name the file and say what to do. */
export async function preprocessFile(path: string, opts: PreprocessOptions = {}): Promise<PreprocessedImage> {
  return preprocessBuffer(await readImageBytes(path), path, opts);
}

/**
 * RGBA pixels -> one gray image: the first step of preprocessing, shared by Node (pixels decoded by
 * sharp) and the browser (pixels from a canvas). Pure TypeScript, no decoder, no DOM.
 */
import { FloatImage, createImage, quantiles } from './gray';
import { resampleWeights, resizeImage, shrunkSize } from './geometry';

/**
 * An RGBA image as a canvas `ImageData` or a decoder gives it: 4 bytes per pixel (R, G, B, A),
 * row-major, straight (not premultiplied) alpha.
 */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** Options for `rgbaToGray`. */
export interface RgbaToGrayOptions {
  /** Images larger than this on their longest side are shrunk (area average; a character needs no more). Default 512. */
  maxSide?: number;
}

/** A gray image made from RGBA, and how its transparency was read. */
export interface GrayFromRgba {
  /** Luminance 0..1 (dark ink on light paper stays dark on light), at most `maxSide` on its longest side. */
  image: FloatImage;
  /** True when the ink was taken from the alpha channel (a transparent drawing). */
  fromAlpha: boolean;
}

/** Rec. 601 luma, the weights MNIST-era grayscale conversions used. */
const LUMA: readonly [number, number, number] = [0.299, 0.587, 0.114];

/**
 * RGBA -> gray: Rec. 601 luma, shrunk to `maxSide` by area averaging (on alpha-premultiplied
 * values, so transparent pixels' hidden colour does not bleed into the edges), then transparency
 * resolved (see `resolveAlpha`). The same bytes give the same floats in Node and in a browser.
 */
export function rgbaToGray(rgba: RgbaImage, opts: RgbaToGrayOptions = {}): GrayFromRgba {
  const { width, height, data } = rgba;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`RGBA image size must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height * 4) {
    throw new Error(`RGBA image data has ${data.length} bytes, expected ${width}x${height}x4=${width * height * 4}`);
  }
  const target = shrunkSize(width, height, opts.maxSide ?? 512);
  if (target.width === width && target.height === height) {
    const opaque = opaqueGray(rgba);
    if (opaque) return { image: opaque, fromAlpha: false };
  }
  const { mix: luma, alpha } = weightedAlphaPlanes(rgba, target.width, LUMA);
  if (target.height === height) return resolveAlpha(luma, alpha);
  // The horizontal pass is done; resizeImage's own horizontal pass is then the identity.
  return resolveAlpha(resizeImage(luma, target.width, target.height), resizeImage(alpha, target.width, target.height));
}

/**
 * A gray image of another mix than luma: `weights` . (R, G, B) (each channel 0..1) at `width` x
 * `height`, shrunk by area averaging as `rgbaToGray` shrinks (transparent pixels count
 * as white), so that at `rgbaToGray`'s size it lies pixel on pixel with the gray image: image/sheet.ts
 * finds a sheet in such a mix and cuts it out of the gray image.
 */
export function rgbaMix(rgba: RgbaImage, weights: readonly [number, number, number], width: number, height: number): FloatImage {
  const { mix, alpha } = weightedAlphaPlanes(rgba, width, weights);
  const [m, a] = height === rgba.height ? [mix, alpha] : [resizeImage(mix, width, height), resizeImage(alpha, width, height)];
  const white = weights[0] + weights[1] + weights[2];
  const out = createImage(width, height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = m.data[i] + (1 - a.data[i]) * white;
  return out;
}

const PER_BYTE = 1 / 255;

/**
 * The gray image of a fully opaque RGBA image at its own size (a photo, a scan), in one pass:
 * what the planes and `resolveAlpha` make of it (luma x 1, plus 1 - 1 of white; the division by
 * 255 a multiplication, so the last bit may differ). Null at the first pixel that is not opaque.
 */
function opaqueGray(rgba: RgbaImage): FloatImage | null {
  const { width, height, data } = rgba;
  const image = createImage(width, height);
  const out = image.data;
  for (let i = 0, p = 0; i < out.length; i++, p += 4) {
    if (data[p + 3] !== 255) return null;
    out[i] = (0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2]) * PER_BYTE;
  }
  return image;
}

/**
 * Premultiplied weighted sum of the channels (sum x alpha, each channel 0..1) and alpha planes,
 * resampled horizontally to `width` one source row at a time, so a 12-megapixel photo never becomes
 * full-size float planes.
 */
function weightedAlphaPlanes(rgba: RgbaImage, width: number, weights: readonly [number, number, number]): { mix: FloatImage; alpha: FloatImage } {
  const { width: srcWidth, height, data } = rgba;
  const mix = createImage(width, height);
  const alpha = createImage(width, height);
  const taps = width === srcWidth ? null : resampleWeights(srcWidth, width);
  const rowMix = new Float32Array(srcWidth);
  const rowAlpha = new Float32Array(srcWidth);
  const [wr, wg, wb] = weights;
  for (let y = 0; y < height; y++) {
    for (let x = 0, p = y * srcWidth * 4; x < srcWidth; x++, p += 4) {
      const a = data[p + 3] / 255;
      rowMix[x] = ((wr * data[p] + wg * data[p + 1] + wb * data[p + 2]) / 255) * a;
      rowAlpha[x] = a;
    }
    const out = y * width;
    if (!taps) {
      mix.data.set(rowMix, out);
      alpha.data.set(rowAlpha, out);
      continue;
    }
    for (let x = 0; x < width; x++) {
      let l = 0;
      let a = 0;
      for (const [i, w] of taps[x]) {
        l += rowMix[i] * w;
        a += rowAlpha[i] * w;
      }
      mix.data[out + x] = l;
      alpha.data[out + x] = a;
    }
  }
  return { mix, alpha };
}

/**
 * Turns premultiplied luminance (luma x alpha) + alpha into one gray image. A drawing on a
 * transparent background (a noticeable share of transparent pixels, strokes of one colour) is its
 * alpha channel: ink wherever it is opaque, as dark ink on white, whatever the stroke colour (black
 * strokes, white chalk). Anything else is composited onto white paper.
 */
export function resolveAlpha(luminance: FloatImage, alpha: FloatImage): GrayFromRgba {
  const n = alpha.data.length;
  let transparent = 0;
  for (let i = 0; i < n; i++) if (alpha.data[i] < 0.5) transparent++;
  const image = createImage(luminance.width, luminance.height);
  if (transparent > 0.01 * n && uniformOpaqueLuma(luminance, alpha)) {
    for (let i = 0; i < n; i++) image.data[i] = 1 - alpha.data[i];
    return { image, fromAlpha: true };
  }
  for (let i = 0; i < n; i++) image.data[i] = luminance.data[i] + (1 - alpha.data[i]);
  return { image, fromAlpha: false };
}

/** True when the opaque pixels share one colour (their luma spans less than 0.25 between the 5th and 95th percentiles). */
function uniformOpaqueLuma(luminance: FloatImage, alpha: FloatImage): boolean {
  const opaque: number[] = [];
  for (let i = 0; i < alpha.data.length; i++) if (alpha.data[i] >= 0.5) opaque.push(luminance.data[i] / alpha.data[i]);
  if (opaque.length === 0) return false;
  const [lo, hi] = quantiles(opaque, [0.05, 0.95]);
  return hi - lo < 0.25;
}

/**
 * The preprocessing recipe (gray or RGBA pixels -> MNIST- or EMNIST-like input). Pure TypeScript:
 * the browser app imports this module as it is; Node adds only decoding (preprocess_file.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { centreByBox, centreByMass, fitInBox, resizeImage, shrunkSize } from './geometry';
import { PixelBox, FloatImage, GrayImage, cropImage, createImage, quantiles, toFloat, toUint8 } from './gray';
import { InkMapOptions, toInkMap } from './lighting';
import { RgbaImage, RgbaToGrayOptions, rgbaToGray } from './rgba';
import { Mask, maskBoundingBox, otsuThreshold, removeSpecks, thresholdMask } from './threshold';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { max, min } = Math;


/** Options for turning a real image into MNIST-like input; every field has a default. */
export interface PreprocessOptions extends InkMapOptions, RgbaToGrayOptions {
  /** Longest side of the character after scaling. Default 20 (MNIST); EMNIST used 24. */
  box?: number;
  /** Where the character goes in the canvas: centre of mass at the middle (MNIST, default) or bounding box in the middle (EMNIST). */
  centring?: 'mass' | 'box';
  /** Output canvas side (MNIST: 28). */
  size?: number;
  /** Ink regions smaller than this share of the largest region are specks. Default 0.03. */
  minSpeckFraction?: number;
  /** Weakest ink-to-background difference (0..1) that counts as ink; below it the image is blank. Default 0.15. */
  minContrast?: number;
}

/** The MNIST recipe (the defaults): longest side 20 px, centred by mass in 28x28. */
export const MNIST_GEOMETRY: PreprocessOptions = { box: 20, centring: 'mass' };

/**
 * The EMNIST recipe: longest side 24 px (2 px padding), centred by bounding box (measured on
 * emnist-dev47: mean box 21x24, box centre 13.5). Use it for models trained on EMNIST.
 */
export const EMNIST_GEOMETRY: PreprocessOptions = { box: 24, centring: 'box' };

/** The geometry a model trained on `dataset` expects: EMNIST's recipe for 'emnist*', else MNIST's. */
export function geometryForDataset(dataset: string): PreprocessOptions {
  return dataset.startsWith('emnist') ? EMNIST_GEOMETRY : MNIST_GEOMETRY;
}

/** A preprocessed character, as a model sees it. */
export interface PreprocessedImage {
  /** [size * size] floats 0..1, white ink on black, centred by mass (row-major). */
  pixels: Float32Array;
  /** The same pixels as 0..255, for display or PNG export. */
  uint8: Uint8Array;
  size: number;
  /** True if the ink was darker than the paper and got inverted. */
  inverted: boolean;
  /** The ink's bounding box in the working image (the image after shrinking to `maxSide`). */
  inkBox: PixelBox;
  /** The working image size. */
  workWidth: number;
  workHeight: number;
}

/** Every intermediate image of `preprocessGray`, for notebooks and tests that look at one step. */
export interface PreprocessSteps {
  /** The input as floats, shrunk to `maxSide`. */
  work: FloatImage;
  /** Background removed, ink white on black (see `toInkMap`). */
  ink: FloatImage;
  /** Thresholded ink without specks. */
  mask: Mask;
  /** Ink scaled so strokes are ~1, zero away from the mask. */
  soft: FloatImage;
  /** `soft` cropped to the ink. */
  cropped: FloatImage;
  /** `cropped` with its longest side scaled to `box`. */
  fitted: FloatImage;
  /** Final size x size image. */
  centred: FloatImage;
  /** The ink threshold used. */
  level: number;
}

/**
 * The MNIST recipe for any gray image (pure, synchronous): remove uneven lighting, make the ink white
 * on black, threshold (Otsu) and drop specks, crop to the ink, fit the longest side into `box` pixels
 * keeping the aspect ratio, and centre by mass in a `size` x `size` canvas. `name` is used in errors.
 */
export function preprocessGray(input: GrayImage, opts: PreprocessOptions = {}, name = 'image'): PreprocessedImage {
  return preprocessGraySteps(input, opts, name).result;
}

/** `preprocessGray`, also returning every intermediate image. */
export function preprocessGraySteps(
  input: GrayImage,
  opts: PreprocessOptions = {},
  name = 'image',
): { result: PreprocessedImage; steps: PreprocessSteps } {
  const maxSide = opts.maxSide ?? 512;
  const box = opts.box ?? 20;
  const size = opts.size ?? 28;
  const minContrast = opts.minContrast ?? 0.15;
  let work = toFloat(input);
  const shrunk = shrunkSize(work.width, work.height, maxSide);
  if (shrunk.width !== work.width || shrunk.height !== work.height) work = resizeImage(work, shrunk.width, shrunk.height);
  // Shadows on by default: a character photo is often a crop of a page with a phone's shadow across it.
  const ink = toInkMap(work, { shadows: true, ...opts });
  // Otsu alone would split pure paper noise in two; the floor keeps noise out of the ink.
  const level = max(otsuThreshold(ink.image), 4 * ink.sigma, minContrast / 2);
  const mask = removeSpecks(thresholdMask(ink.image, level), opts.minSpeckFraction ?? 0.03);
  const inkValues = ink.image.data.filter((_, i) => mask.data[i] === 1);
  const [inkMedian, inkHigh] = quantiles(inkValues, [0.5, 0.9]);
  if (inkValues.length === 0 || inkHigh < minContrast) {
    throw new Error(
      `${name}: no ink found (the image looks blank or too faint); use darker ink, more contrast, or crop closer to the character`,
    );
  }
  const soft = normaliseInk(ink.image, mask, inkMedian, min(2 * ink.sigma, level / 2));
  const inkBox = maskBoundingBox(thresholdMask(soft, 0.05)) ?? (maskBoundingBox(mask) as PixelBox);
  const cropped = cropImage(soft, inkBox);
  const fitted = fitInBox(cropped, box);
  const centred = opts.centring === 'box' ? centreByBox(fitted, size) : centreByMass(fitted, size);
  const result: PreprocessedImage = {
    pixels: centred.data,
    uint8: toUint8(centred),
    size,
    inverted: ink.inverted,
    inkBox,
    workWidth: work.width,
    workHeight: work.height,
  };
  return { result, steps: { work, ink: ink.image, mask, soft, cropped, fitted, centred, level } };
}

/**
 * Stroke intensities scaled so a typical stroke pixel is 1 (MNIST strokes are saturated), kept only
 * on and around the accepted ink so the antialiased rim survives and specks do not.
 */
export function normaliseInk(ink: FloatImage, mask: Mask, strokeLevel: number, floor: number): FloatImage {
  const { width: W, height: H } = ink;
  const m = mask.data;
  // The mask grown by a pixel (a 3 x 3 square): along the rows here, across them below.
  const rows = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) {
    if (!m[i]) continue;
    const x = i % W;
    rows[i] = 1;
    if (x > 0) rows[i - 1] = 1;
    if (x + 1 < W) rows[i + 1] = 1;
  }
  const out = createImage(W, H);
  const o = out.data;
  const src = ink.data;
  const perLevel = 1 / max(1e-6, strokeLevel - floor);
  for (let y = 0; y < H; y++) {
    for (let x = 0, i = y * W; x < W; x++, i++) {
      if (!rows[i] && !(y > 0 && rows[i - W]) && !(y + 1 < H && rows[i + W])) continue;
      const v = (src[i] - floor) * perLevel;
      o[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

/**
 * The whole recipe from RGBA pixels (a canvas's `ImageData`, or a file decoded by sharp): gray and
 * transparency (`rgbaToGray`), then `preprocessGray`. What the browser app and `hwr predict` both run.
 */
export function preprocessRgba(rgba: RgbaImage, opts: PreprocessOptions = {}, name = 'image'): PreprocessedImage {
  return preprocessGray(rgbaToGray(rgba, opts).image, opts, name);
}

/** Stacks preprocessed images (or raw [28*28] float arrays) into a model input tensor. */
export function toModelInput(images: Array<PreprocessedImage | Float32Array>, size = 28): tf.Tensor4D {
  const n = images.length;
  const data = new Float32Array(n * size * size);
  images.forEach((im, i) => {
    const px = im instanceof Float32Array ? im : im.pixels;
    if (px.length !== size * size) {
      throw new Error(`toModelInput: image ${i} has ${px.length} pixels, expected ${size}x${size}=${size * size}`);
    }
    data.set(px, i * size * size);
  });
  return tf.tensor4d(data, [n, size, size, 1]); // [n, 28, 28, 1]
}

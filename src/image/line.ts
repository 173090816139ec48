/**
 * Line preprocessing: a photo, scan or canvas drawing of a word or a line of handwriting -> the input
 * of a line model, white ink on black at the model's height, as wide as the writing needs. Reuses the
 * character recipe's pure steps (gray and transparency, lighting and polarity, Otsu threshold and
 * specks, stroke normalisation) and replaces its last steps: instead of fitting one character into a
 * square, the ink is cropped, scaled so its characters are as tall as in the synthetic training
 * lines (src/data/lines.ts), and padded. Pure TypeScript, like preprocess.ts.
 */
import { FloatImage, GrayImage, PixelBox, createImage, cropImage, quantile, toFloat, toUint8 } from './gray';
import { resizeImage, shrunkSize } from './geometry';
import { InkMapOptions, toInkMap } from './lighting';
import { normaliseInk } from './preprocess';
import { RgbaImage, RgbaToGrayOptions, rgbaToGray } from './rgba';
import { Mask, connectedComponents, maskBoundingBox, otsuThreshold, removeSpecks, thresholdMask } from './threshold';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { floor, max, min, round } = Math;

/** Options of the line recipe; every field has a default. */
export interface LinePreprocessOptions extends InkMapOptions, RgbaToGrayOptions {
  /** Output height in pixels: the line model's input height. Default 28. */
  height?: number;
  /**
   * Height the median character is scaled to. Default 21/28 of `height`: the median glyph height
   * of synthetic lines at height 28 (measured on dev47 training lines: glyphs 17-24 px, 10th-90th
   * percentile, median 21; the whole ink band 24-28, median 26).
   */
  charHeight?: number;
  /** Black columns left and right of the ink. Default 2/28 of `height` (synthetic lines: 1-4 px margins). */
  margin?: number;
  /** A line wider than this after scaling is an error (see `LineTooWideError`). Default 4096. */
  maxWidth?: number;
  /** Ink regions smaller than this share of the largest region are specks. Default 0.02. */
  minSpeckFraction?: number;
  /** Weakest ink-to-background difference (0..1) that counts as ink; below it the image is blank. Default 0.15. */
  minContrast?: number;
}

/** A preprocessed line, as a line model sees it, and what was done to get there. */
export interface PreprocessedLine {
  /** [height * width] floats 0..1, white ink on black (row-major). */
  pixels: Float32Array;
  /** The same pixels as 0..255: the [height, width] uint8 image line readers take. */
  uint8: Uint8Array;
  width: number;
  height: number;
  /** Columns >= inkEnd are the right margin: the ink's extent counted from column 0, as synthetic lines' `width`. */
  inkEnd: number;
  /** True when no ink was found: `pixels` is then an all-black strip 2 x `margin` columns wide. */
  empty: boolean;
  /** Things the caller should tell the user (no ink, several lines of text, ...). */
  notes: string[];
  /** True if the ink was darker than the paper and got inverted. */
  inverted: boolean;
  /** The ink's bounding box in the working image (the input shrunk to `maxSide`); null when empty. */
  inkBox: PixelBox | null;
  workWidth: number;
  workHeight: number;
  /** Working-image pixels -> output pixels. */
  scale: number;
  /** Median character height found in the working image, pixels (0 when empty). */
  foundCharHeight: number;
}

/** Thrown when a line would be wider than `maxWidth`: a clear, per-file message. */
export class LineTooWideError extends Error {}

/** How many separate bands of text rows the mask holds (a band at least 30% as tall as the tallest). */
export function countTextBands(mask: Mask, box: PixelBox): number {
  const rows: number[] = [];
  for (let y = box.y; y < box.y + box.height; y++) {
    let n = 0;
    for (let x = box.x; x < box.x + box.width; x++) n += mask.data[y * mask.width + x];
    rows.push(n);
  }
  // A band ends at a run of empty rows; small gaps inside a line (between a dot and its stem) are
  // bridged by requiring the gap to be at least 10% of the box height.
  const minGap = max(2, round(0.1 * box.height));
  const bands: number[] = [];
  let start = -1;
  let empty = 0;
  for (let y = 0; y <= rows.length; y++) {
    const ink = y < rows.length && rows[y] > 0;
    if (ink) {
      if (start < 0) start = y;
      empty = 0;
    } else if (start >= 0 && (++empty >= minGap || y === rows.length)) {
      bands.push(y - empty + 1 - start);
      start = -1;
      empty = 0;
    }
  }
  const tallest = max(0, ...bands);
  return bands.filter((b) => b >= 0.3 * tallest).length;
}

/** Median height of the ink components at least half as tall as the tallest (dots and dashes do not count). */
export function medianCharHeight(mask: Mask): number {
  const { labels, areas } = connectedComponents(mask);
  const top = new Int32Array(areas.length).fill(mask.height);
  const bottom = new Int32Array(areas.length).fill(-1);
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      const id = labels[y * mask.width + x];
      if (id === 0) continue;
      if (y < top[id]) top[id] = y;
      if (y > bottom[id]) bottom[id] = y;
    }
  }
  const heights: number[] = [];
  for (let id = 1; id < areas.length; id++) heights.push(bottom[id] - top[id] + 1);
  if (heights.length === 0) return 0;
  const tallest = max(...heights);
  const tall = heights.filter((h) => h >= 0.5 * tallest).sort((a, b) => a - b);
  return tall[(tall.length - 1) >> 1];
}

/**
 * The line recipe for any gray image (pure, synchronous): shrink to `maxSide`, remove uneven
 * lighting and make the ink white on black, threshold (Otsu) and drop specks, crop to the ink,
 * scale so the median character is `charHeight` tall (but the whole ink band fits `height` - 2),
 * keeping the aspect ratio, and pad with `margin` black columns each side. An image without ink
 * gives `empty: true` and a note, not an error; a line wider than `maxWidth` throws
 * `LineTooWideError`. `name` is used in messages.
 */
export function preprocessLineGray(input: GrayImage, opts: LinePreprocessOptions = {}, name = 'image'): PreprocessedLine {
  const H = opts.height ?? 28;
  if (!(Number.isInteger(H) && H >= 8)) throw new Error(`preprocessLine: height must be an integer >= 8, got ${H}`);
  const charHeight = opts.charHeight ?? (21 / 28) * H;
  const margin = opts.margin ?? round((2 / 28) * H);
  const maxWidth = opts.maxWidth ?? 4096;
  const minContrast = opts.minContrast ?? 0.15;
  let work = toFloat(input);
  const shrunk = shrunkSize(work.width, work.height, opts.maxSide ?? 2048);
  if (shrunk.width !== work.width || shrunk.height !== work.height) work = resizeImage(work, shrunk.width, shrunk.height);
  const ink = toInkMap(work, opts);
  const level = max(otsuThreshold(ink.image), 4 * ink.sigma, minContrast / 2);
  const mask = removeSpecks(thresholdMask(ink.image, level), opts.minSpeckFraction ?? 0.02);
  const inkValues = ink.image.data.filter((_, i) => mask.data[i] === 1);
  const base = { height: H, inverted: ink.inverted, workWidth: work.width, workHeight: work.height };
  if (inkValues.length === 0 || quantile(inkValues, 0.9) < minContrast) {
    const width = max(1, 2 * margin);
    return {
      ...base,
      pixels: new Float32Array(H * width),
      uint8: new Uint8Array(H * width),
      width,
      inkEnd: margin,
      empty: true,
      notes: [`${name}: no ink found (the image looks blank or too faint); nothing to read`],
      inkBox: null,
      scale: 0,
      foundCharHeight: 0,
    };
  }
  const soft = normaliseInk(ink.image, mask, quantile(inkValues, 0.5), min(2 * ink.sigma, level / 2));
  const inkBox = maskBoundingBox(thresholdMask(soft, 0.05)) ?? (maskBoundingBox(mask) as PixelBox);
  const notes: string[] = [];
  const bands = countTextBands(mask, inkBox);
  if (bands > 1) {
    notes.push(`${name}: the ink looks like ${bands} lines of text; one line per image is read, so crop the image to one line`);
  }
  const found = medianCharHeight(mask);
  // The characters' size decides the scale; the band (ascenders to descenders) must still fit.
  const scale = min(charHeight / max(1, found), (H - 2) / inkBox.height);
  const outW = max(1, round(inkBox.width * scale));
  const outH = max(1, min(H, round(inkBox.height * scale)));
  const width = outW + 2 * margin;
  if (width > maxWidth) {
    throw new LineTooWideError(
      `${name}: the writing is ${width} px wide at the model's height of ${H} px (${(width / H).toFixed(0)}:1), ` +
        `more than the ${maxWidth} px a line may be; crop the image to one line of text, or split a long line into parts`,
    );
  }
  const scaled = resizeImage(cropImage(soft, inkBox), outW, outH);
  const out: FloatImage = createImage(width, H);
  const top = floor((H - outH) / 2);
  for (let y = 0; y < outH; y++) {
    const row = scaled.data.subarray(y * outW, (y + 1) * outW);
    for (let x = 0; x < outW; x++) out.data[(top + y) * width + margin + x] = min(1, max(0, row[x]));
  }
  return { ...base, pixels: out.data, uint8: toUint8(out), width, inkEnd: margin + outW, empty: false, notes, inkBox, scale, foundCharHeight: found };
}

/**
 * The line recipe from RGBA pixels (a canvas's `ImageData`, or a file decoded by sharp): gray and
 * transparency (`rgbaToGray`, shrunk to `maxSide`, default 2048 for lines), then `preprocessLineGray`.
 */
export function preprocessLineRgba(rgba: RgbaImage, opts: LinePreprocessOptions = {}, name = 'image'): PreprocessedLine {
  return preprocessLineGray(rgbaToGray(rgba, { ...opts, maxSide: opts.maxSide ?? 2048 }).image, opts, name);
}

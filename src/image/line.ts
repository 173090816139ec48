/**
 * Line preprocessing: a photo, scan or canvas drawing of a word or a line of handwriting -> the input
 * of a line model, white ink on black at the model's height, as wide as the writing needs. Real and
 * synthetic lines both come in here, so this recipe defines what a line model sees. Reuses the
 * character recipe's pure steps (gray and transparency, lighting and polarity, Otsu threshold and
 * specks, stroke normalisation), takes out ruled lines (rules.ts), and replaces the last steps:
 * instead of fitting one character into a square, the ink is scaled and padded to a strip.
 *
 * Two scalings. With `bodyHeight` and `baselineRow` (line models that carry `body` metadata), the
 * line is deskewed (skew.ts), its body band (x-height, or cap height for capitals) is found from
 * the ink's row profile (`estimateBody`) and scaled to `bodyHeight` with its baseline on
 * `baselineRow`; ascenders and descenders beyond the strip are cut, never squeezed in. Without them,
 * the older recipe the committed line model was trained with: the median ink component is scaled
 * to `charHeight` and the whole ink band fitted into the height. Pure TypeScript, like preprocess.ts.
 */
import { gaussianBlur } from './blur';
import { FloatImage, GrayImage, PixelBox, asFloat, checkSize, createImage, cropImage, quantile, quantilesInPlace, toUint8 } from './gray';
import { resizeImage, shrunkSize } from './geometry';
import { InkMap, InkMapOptions, toInkMap, unevenLight } from './lighting';
import { normaliseInk } from './preprocess';
import { RgbaImage, RgbaToGrayOptions, rgbaToGray } from './rgba';
import { eraseRuledInk, removeRuledLines } from './rules';
import { estimateSkew, rotateImage } from './skew';
import { SlantRange, estimateSlant, shearImage, slantCorrection } from './slant';
import { SpeckOptions, dropSpecks, findSpecks } from './specks';
import { Mask, boundingBoxAbove, connectedComponents, maskBoundingBox, otsuThreshold, thresholdMask } from './threshold';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { ceil, floor, max, min, round } = Math;

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
  /**
   * Ink regions smaller than a pen's dot are specks (specks.ts): under `speckDotShare` of the
   * stroke width squared (the width measured on the mask), or under `minSpeckArea` pixels. Full
   * stops, commas, apostrophes and i-dots are kept however large the joined words around them.
   * Defaults 0.25 and 3 with `bodyHeight`; without it (the older scaling) the older rule is the
   * default: 0, 0 and `minSpeckFraction` 0.02.
   */
  speckDotShare?: number;
  /** See `speckDotShare`. Default 3 (single pixels and pairs are always specks). */
  minSpeckArea?: number;
  /**
   * Also specks: regions smaller than this share of the largest region. Default 0 (off) with
   * `bodyHeight`, 0.02 without: the older rule, which erased the punctuation of joined hands.
   */
  minSpeckFraction?: number;
  /** Weakest ink-to-background difference (0..1) that counts as ink; below it the image is blank. Default `MIN_INK_CONTRAST`. */
  minContrast?: number;
  /**
   * Height of the writing's body band (x-height; cap height for capitals only) in the output,
   * pixels, e.g. 14 at height 40. Give it with `baselineRow` to scale by the body instead of by
   * the median character (see the module comment).
   */
  bodyHeight?: number;
  /**
   * Where the baseline (the body band's lower edge) lands in the output, in pixels from the top
   * edge of row 0: the body then covers rows baselineRow - bodyHeight .. baselineRow (e.g. 26 at
   * height 40 leaves 12 rows for ascenders and 14 for descenders).
   */
  baselineRow?: number;
  /** Turn the line level before measuring it. Default: on with `bodyHeight`, off without (the older recipe never did). */
  deskew?: boolean;
  /** Largest skew of one line corrected, degrees. Default 10. */
  maxSkewDegrees?: number;
  /**
   * Writing that leans outside this range (slant.ts) is sheared to lean less before its ink is
   * measured (the slant taken on the whole image's ink, as the range was). Default null (never): the training lines are made without it; readers of a line model whose
   * training slants are known pass `TRAINING_SLANTS` (`linePreprocessOptionsFor`).
   */
  slantRange?: SlantRange | null;
  /** Say so in `notes` when the ink looks like several lines of text. Default true; page reading, which splits lines itself, turns it off. */
  multiLineNote?: boolean;
  /**
   * With `bodyHeight`: writing whose body is smaller than this, pixels, is enlarged (up to 4x, to at
   * most 4096 px a side) and its ink found again, since thresholds, specks, deskew and the body
   * estimate work in whole pixels. Default 16; 0 turns it off.
   */
  minBodyPixels?: number;
}

/** The body (core) band of a line of writing: x-height for lower case, cap height for capitals. */
export interface BodyBand {
  /** Upper edge of the band, in pixels from the image's top edge (row `top` is the band's first row). */
  top: number;
  /** Lower edge of the band (the baseline): row `baseline - 1` is the band's last row. */
  baseline: number;
  /** baseline - top, pixels. */
  bodyHeight: number;
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
  /**
   * The ink's bounding box in the working image (the input shrunk to `maxSide`, or enlarged by
   * `enlarged` when the writing is small, see `minBodyPixels`); null when empty.
   */
  inkBox: PixelBox | null;
  workWidth: number;
  workHeight: number;
  /** How much the input was enlarged to make the working image (1: not; see `minBodyPixels`). */
  enlarged: number;
  /** Working-image pixels -> output pixels. */
  scale: number;
  /**
   * The size the scale came from, working-image pixels (0 when empty): the body height with
   * `bodyHeight`, else the median character height.
   */
  foundCharHeight: number;
  /** The body band found in the working image (after deskew); null when empty. */
  body: BodyBand | null;
  /** The line was turned by -skewDegrees before measuring (0 when not deskewed). */
  skewDegrees: number;
  /** The image was first sheared so that strokes leaning this many degrees stand upright (0: not sheared; see `slantRange`). */
  slantDegrees: number;
  /** Ruled lines taken out of the ink. */
  ruledLines: number;
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

/** Options of `estimateBody`. */
export interface BodyOptions {
  /** Rows whose (smoothed) ink is above this share of the robust peak belong to the body. Default 0.5. */
  fraction?: number;
}

/**
 * The body band of one line of writing, from its horizontal ink profile (a mask, or an ink image
 * white on black), each column filled between its first and last ink (`filledProfile`). The
 * profile is smoothed over ~1/24 of the ink's height; the body is the run of rows that best stays
 * above `fraction` of the robust peak (the 90th percentile of the inked rows, so one long stroke
 * does not set it), found as the maximum-sum run of profile minus threshold: ascenders,
 * descenders, i-dots and punctuation add few columns and stay outside. Each edge is then placed a
 * quarter of the way into the unsmoothed profile's rise (top) or fall (baseline) near the run's
 * end. Capitals only: the cap height is the body. Null when there is no ink.
 */
export function estimateBody(img: GrayImage, opts: BodyOptions = {}): BodyBand | null {
  return bodyFromProfile(filledProfile(img, 0, img.height), opts);
}

/**
 * The row profile of rows y0..y1-1 with each column filled from its first to its last ink in
 * those rows: round letters count as much in the middle of the band as at its top and bottom,
 * while an ascender adds only its own stroke's columns. Returns [y1 - y0 + 2]: a zero row either side.
 */
export function filledProfile(img: GrayImage, y0: number, y1: number): Float64Array {
  const { width, data } = img;
  // Each column's first and last ink in one pass down the rows, then its span added as +1 at the
  // first row and -1 after the last, summed down the profile.
  const first = new Int32Array(width).fill(-1);
  const last = new Int32Array(width);
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (data[row + x] <= 0) continue;
      if (first[x] < 0) first[x] = y;
      last[x] = y;
    }
  }
  const p = new Float64Array(y1 - y0 + 2);
  for (let x = 0; x < width; x++) {
    if (first[x] < 0) continue;
    p[first[x] - y0 + 1]++;
    p[last[x] - y0 + 2]--;
  }
  for (let i = 1; i < p.length; i++) p[i] += p[i - 1];
  return p;
}

/**
 * `estimateBody` on a row profile: p[y + 1] is row y's ink, p[0] and the last entry are zero
 * (see `filledProfile`). Rows are counted from the profile's first row.
 */
export function bodyFromProfile(p: Float64Array, opts: BodyOptions = {}): BodyBand | null {
  const fraction = opts.fraction ?? 0.5;
  const height = p.length - 2;
  let y0 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    if (p[y + 1] <= 0) continue;
    if (y0 < 0) y0 = y;
    y1 = y;
  }
  if (y0 < 0) return null;
  const r = max(1, round((y1 - y0 + 1) / 24));
  const s = new Float64Array(height);
  for (let y = y0; y <= y1; y++) {
    let sum = 0;
    for (let k = max(0, y - r); k <= min(height - 1, y + r); k++) sum += p[k + 1];
    s[y] = sum / (2 * r + 1);
  }
  const tau = fraction * quantile(s.subarray(y0, y1 + 1), 0.9);
  // Maximum-sum run of s - tau (Kadane).
  let best = -Infinity;
  let a = y0;
  let b = y0;
  let run = 0;
  let start = y0;
  for (let y = y0; y <= y1; y++) {
    if (run <= 0) {
      run = 0;
      start = y;
    }
    run += s[y] - tau;
    if (run > best) {
      best = run;
      a = start;
      b = y;
    }
  }
  // Each edge where a quarter of the profile's rise (fall) near the run's end is done, counted from
  // outside: close to the ink's extent, as a glyph's x-height is measured, yet not set by one
  // letter that overshoots. (On 16 words x 63 handwriting fonts, against each font's median
  // x-height / cap height: 84% within 10%, none of the ambiguous all-ascender words counted; the
  // rise's centre gave 78% and a 9% smaller body.)
  const reach = 2 * r + 1;
  const q = 0.25;
  const rises: Array<[number, number]> = []; // [edge position, rise], from outside (above) inwards
  for (let y = max(y0, a - reach); y <= min(b, a + reach); y++) rises.push([y, p[y + 1] - p[y]]);
  const top = edgeAt(rises, q, a, 1);
  const falls: Array<[number, number]> = []; // from outside (below) inwards
  for (let y = min(y1 + 1, b + 1 + reach); y >= max(a + 1, b + 1 - reach); y--) falls.push([y, p[y] - p[y + 1]]);
  let baseline = edgeAt(falls, q, b + 1, -1);
  if (baseline - top < 1) baseline = top + 1;
  return { top, baseline, bodyHeight: baseline - top };
}

/**
 * Where the steps (edge position, size), listed from outside the band inwards, have done share `q`
 * of their positive sum, each step spread over the pixel around its position; `dir` is +1 when
 * inwards is down, -1 when up. `fallback` when nothing rises.
 */
function edgeAt(steps: Array<[number, number]>, q: number, fallback: number, dir: 1 | -1): number {
  let total = 0;
  for (const [, v] of steps) if (v > 0) total += v;
  if (total <= 0) return fallback;
  let acc = 0;
  for (const [y, v] of steps) {
    if (v <= 0) continue;
    if (acc + v >= q * total) return y + dir * ((q * total - acc) / v - 0.5);
    acc += v;
  }
  return fallback;
}

/**
 * `minContrast`'s default for the line recipe and page layout: the strongest tenth of the ink must
 * take at least this share of the paper's light. Faint pencil photographed in poor light reads well
 * once found (the recipe scales the ink to full strength), and the threshold also stays above 4
 * sigma of the paper's noise: held-out-font photos with their contrast cut to 0.3 read at 7.9% CER
 * with 0.08 against 24.9% with 0.15, which took 11 of 60 for blank (docs/LINES.md, leaving the
 * training range: the bench's figures).
 * Lower again (0.05) reads fainter writing still but finds more "ink" in the texture of blank paper.
 */
export const MIN_INK_CONTRAST = 0.08;

/** What both the line recipe and page layout make of a working image first: its ink and mask. */
export interface LineInk {
  ink: InkMap;
  /** The ink threshold. */
  level: number;
  /** Ink above `level`, specks dropped. */
  mask: Mask;
  /** The median ink value under the mask: a stroke's full strength. */
  strokeLevel: number;
  /** True when there is no ink (blank, or too faint to trust). */
  blank: boolean;
  /** The writing's stroke width, pixels, as the speck rule measured it (0 with `keepSpecks`). */
  strokeWidth: number;
  /** The mask's bounding box; null when it is empty. */
  box: PixelBox | null;
}

/** Options of `findLineInk`. */
export interface LineInkOptions extends InkMapOptions, LineSpeckOptions {
  /** See `LinePreprocessOptions.minContrast`. Default `MIN_INK_CONTRAST`. */
  minContrast?: number;
  /** Keep every region, specks too (page layout, which judges its marks itself). Default false. */
  keepSpecks?: boolean;
  /** Look again through a blur where the noise left only the strokes' crests (`NOISY_INK_BLUR`). Default true. */
  denoise?: boolean;
}

/**
 * Faint writing blurred by the camera, under the noise of a dim photo: the paper's noise sets the
 * threshold (4 sigma above Otsu's level) and the ink's median under the mask is under
 * `NOISY_STROKE` times that threshold, so the mask holds only the strokes' crests, in fragments.
 * Then the ink is looked for again in the image blurred by a Gaussian of `NOISY_INK_BLUR` pixels
 * (soft strokes a few pixels wide keep their strength, each pixel's noise does not), and that mask
 * is kept when it holds at least `NOISY_GAIN` times the pixels: crisp thin strokes, faded, lose to
 * the blur as much as the noise does and gain little, and stay as they were found. Chosen on
 * bench:read photos of seeds 7 and 11 and faded ink (`--contrast 0.3`), checked on seed 13
 * (docs/LINES.md, leaving the training range).
 */
export const NOISY_INK_BLUR = 1;
export const NOISY_STROKE = 1.25;
export const NOISY_GAIN = 2;

/** The speck options of the line recipe (see `LinePreprocessOptions.speckDotShare`). */
export type LineSpeckOptions = Pick<LinePreprocessOptions, 'speckDotShare' | 'minSpeckArea' | 'minSpeckFraction'>;

/**
 * Lighting and polarity (`toInkMap`), then the threshold: Otsu's level, but never below 4 sigma of
 * the paper's noise or half of `minContrast`; specks smaller than a pen's dot are dropped (see
 * `LinePreprocessOptions.speckDotShare`). Blank when no ink is left or its strongest tenth is
 * fainter than `minContrast`. Where the noise left only the strokes' crests, the ink is looked for
 * again through a blur (`NOISY_INK_BLUR`).
 */
export function findLineInk(work: FloatImage, opts: LineInkOptions = {}): LineInk {
  const sharp = inkAbove(toInkMap(work, opts), opts);
  const crestsOnly = sharp.noiseBound && (sharp.blank || sharp.strokeLevel < NOISY_STROKE * sharp.level);
  if (opts.denoise === false || !crestsOnly) return sharp;
  const blurred = { width: work.width, height: work.height, data: gaussianBlur(work.data, work.width, work.height, NOISY_INK_BLUR) };
  const smooth = inkAbove(toInkMap(blurred, opts), opts);
  return smooth.blank || (!sharp.blank && smooth.count < NOISY_GAIN * sharp.count) ? sharp : smooth;
}

/** `findLineInk` on one ink map: the threshold, specks out, the mask, its values and box. */
function inkAbove(ink: InkMap, opts: LineInkOptions): LineInk & { noiseBound: boolean; count: number } {
  const minContrast = opts.minContrast ?? MIN_INK_CONTRAST;
  const otsu = otsuThreshold(ink.image, ink.peak);
  const level = max(otsu, 4 * ink.sigma, minContrast / 2);
  const raw = thresholdMask(ink.image, level);
  const specks = opts.keepSpecks ? null : findSpecks(raw, speckOptions(opts));
  // The mask and the ink values under it in one pass.
  const n = raw.data.length;
  const img = ink.image.data;
  const { width: W, height: H } = raw;
  let count = 0;
  const data = specks ? new Uint8Array(n) : raw.data;
  if (specks) {
    for (let id = 1; id < specks.areas.length; id++) if (specks.keep[id]) count += specks.areas[id];
  } else {
    for (let i = 0; i < n; i++) count += raw.data[i];
  }
  const values = new Float32Array(count);
  // The mask's box on the way.
  let [x0, y0, x1, y1] = [W, -1, -1, -1];
  for (let y = 0, k = 0; y < H; y++) {
    for (let x = 0, i = y * W; x < W; x++, i++) {
      if (!raw.data[i] || (specks && !specks.keep[specks.labels[i]])) continue;
      data[i] = 1;
      values[k++] = img[i];
      if (y0 < 0) y0 = y;
      y1 = y;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
    }
  }
  const mask = specks ? { width: W, height: H, data } : raw;
  const box = y0 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  const [high, strokeLevel] = quantilesInPlace(values, count, [0.9, 0.5]);
  const blank = Number.isNaN(high) || high < minContrast;
  return {
    ink, level, mask, strokeLevel: blank ? 0 : strokeLevel, blank, strokeWidth: specks?.strokeWidth ?? 0, box,
    noiseBound: 4 * ink.sigma > otsu, count,
  };
}

/**
 * `minBodyPixels`' default. Held-out-font lines under paper and camera shrunk to a third (a body of
 * ~7 px; `bench:read --shrink 0.33`) read at 25.0% CER without enlarging, 17.5% with it; EMNIST
 * lines 19.0% -> 9.4% (docs/LINES.md). 24 read a little better still, but it enlarges most
 * training photos too and nearly doubles the time a synthetic line takes to make.
 */
const MIN_BODY_PIXELS = 16;
/** The most small writing is enlarged, and the largest side it is enlarged to. */
const MAX_ENLARGE = 4;
const MAX_ENLARGED_SIDE = 4096;

/** The speck rule before issue 16, still the default of the older scaling (no `bodyHeight`). */
const OLDER_SPECK_RULE: LineSpeckOptions = { minSpeckFraction: 0.02, minSpeckArea: 0, speckDotShare: 0 };

/** The speck rule of the line recipe's options. */
function speckOptions(opts: LineSpeckOptions): SpeckOptions {
  return { minFraction: opts.minSpeckFraction ?? 0, minArea: opts.minSpeckArea ?? 3, dotShare: opts.speckDotShare ?? 0.25 };
}

/** Ink at least this many times as wide as tall is deskewed (see `cleanLine`); page layout keeps the same rule. */
export const MIN_DESKEW_ASPECT = 3;

/**
 * A line's ink after ruled lines are taken out and (optionally) the skew is turned out, cut to
 * the writing and a rim around it: pixel (x, y) of `ink` and `mask` is pixel (x + offset.x,
 * y + offset.y) of the (turned) working image, which is canvasWidth x canvasHeight.
 */
interface CleanLine {
  /** Null when nothing but ruled lines was found. */
  ink: FloatImage | null;
  mask: Mask | null;
  offset: { x: number; y: number };
  canvasWidth: number;
  canvasHeight: number;
  skewDegrees: number;
  ruledLines: number;
}

/** Pixels kept around the writing's box: more than the bilinear blur of a turn plus normaliseInk's one-pixel dilation. */
const RIM = 3;

/**
 * Ruled lines out (followed along the skew the whole ink shows, ruled lines included), then, with
 * `deskew`, the skew of the writing alone measured and turned out: the ink image is rotated and
 * thresholded again at the same level. Past the ruled lines only the writing's box and a rim are
 * worked on: beyond them the ink is below the threshold or specks already dropped.
 */
function cleanLine(
  ink: FloatImage, mask: Mask, inkBox: PixelBox | null, level: number, strokeWidth: number,
  opts: LineSpeckOptions & { deskew: boolean; maxSkewDegrees: number },
): CleanLine {
  // The mask's ink lies in inkBox: nothing outside it need be scanned.
  const within = inkBox ?? undefined;
  const paperSkew = estimateSkew(mask, { maxDegrees: opts.maxSkewDegrees, inkBox: within });
  const rules = removeRuledLines(mask, {
    skewDegrees: paperSkew,
    size: (writing) => estimateBody(writing)?.bodyHeight ?? 0,
    inkRows: within && [within.y, within.y + within.height],
  });
  const specks: SpeckOptions = { ...speckOptions(opts), strokeWidth };
  let cleanInk = ink;
  let cleanMask = mask;
  if (rules.count > 0) {
    cleanInk = eraseRuledInk(ink, mask, rules);
    cleanMask = dropSpecks(rules.mask, specks).mask;
  }
  const base = { canvasWidth: ink.width, canvasHeight: ink.height, skewDegrees: 0, ruledLines: rules.count };
  const box = rules.count > 0 ? maskBoundingBox(cleanMask) : inkBox;
  if (!box) return { ...base, ink: null, mask: null, offset: { x: 0, y: 0 } };
  const rimmed = (b: PixelBox, w: number, h: number): PixelBox => {
    const x = max(0, b.x - RIM);
    const y = max(0, b.y - RIM);
    return { x, y, width: min(w, b.x + b.width + RIM) - x, height: min(h, b.y + b.height + RIM) - y };
  };
  // A short word has no rows to line up: its profile is sharpest at a guess. On words in 63
  // handwriting fonts turned by 6 degrees, the estimate missed by > 1.5 degrees for half of the
  // words under 2:1, a sixth of those 2-3:1, 3% at 3-4:1 and none wider; so shorter ones stay as they are.
  const deskew = opts.deskew && box.width >= MIN_DESKEW_ASPECT * box.height;
  // Without ruled lines the writing's skew is the one just measured.
  const skew = !deskew ? 0 : rules.count > 0 ? estimateSkew(cleanMask, { maxDegrees: opts.maxSkewDegrees, inkBox: box }) : paperSkew;
  if (skew === 0) {
    const crop = rimmed(box, ink.width, ink.height);
    return { ...base, ink: cropImage(cleanInk, crop), mask: cropMask(cleanMask, crop), offset: { x: crop.x, y: crop.y } };
  }
  const turned = rotateImage(cleanInk, -skew, { fill: 0, window: rimmed(box, ink.width, ink.height), crop: true });
  const { x, y } = turned.box;
  return {
    ...base,
    canvasWidth: turned.rotation.width,
    canvasHeight: turned.rotation.height,
    skewDegrees: skew,
    ink: turned.image,
    mask: dropSpecks(thresholdMask(turned.image, level), specks).mask,
    offset: { x, y },
  };
}

/**
 * How much to enlarge a width x height image whose writing's body measures `size` pixels so that
 * it measures `minSize`: 1 (none) when it already does, when nothing was measured, or when the
 * gain would be under a quarter; at most MAX_ENLARGE, and no side past MAX_ENLARGED_SIDE.
 */
function enlargementFor(size: number, minSize: number, width: number, height: number): number {
  if (size <= 0 || size >= minSize) return 1;
  const k = min(MAX_ENLARGE, minSize / size, MAX_ENLARGED_SIDE / max(width, height));
  return k >= 1.25 ? k : 1;
}

/** The rectangle `box` of a mask. */
function cropMask(mask: Mask, box: PixelBox): Mask {
  const data = new Uint8Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const row = (box.y + y) * mask.width + box.x;
    data.set(mask.data.subarray(row, row + box.width), y * box.width);
  }
  return { width: box.width, height: box.height, data };
}

/**
 * Per output index, the (source index, weight) taps of the map out = offset + scale * in
 * (continuous coordinates, pixel i spanning i..i+1): area averages when shrinking, linear
 * interpolation when enlarging; taps outside the source are left out (they hold no ink).
 * Flat: output i's taps are index[start[i] .. start[i + 1] - 1] with their weights.
 */
function affineWeights(srcLen: number, dstLen: number, scale: number, offset: number): { start: Int32Array; index: Int32Array; weight: Float64Array } {
  const index: number[] = [];
  const weight: number[] = [];
  const start = new Int32Array(dstLen + 1);
  for (let i = 0; i < dstLen; i++) {
    start[i] = index.length;
    if (scale <= 1) {
      const a = (i - offset) / scale;
      const b = (i + 1 - offset) / scale;
      for (let j = max(0, floor(a)); j < min(srcLen, ceil(b)); j++) {
        const overlap = min(b, j + 1) - max(a, j);
        if (overlap > 0) {
          index.push(j);
          weight.push(overlap * scale);
        }
      }
    } else {
      const pos = (i + 0.5 - offset) / scale - 0.5;
      const j = floor(pos);
      const f = pos - j;
      if (j >= 0 && j < srcLen) {
        index.push(j);
        weight.push(1 - f);
      }
      if (f > 0 && j + 1 >= 0 && j + 1 < srcLen) {
        index.push(j + 1);
        weight.push(f);
      }
    }
  }
  start[dstLen] = index.length;
  return { start, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}

/** `img` resampled into a new width x height image by out = offset + scale * in on each axis. */
function resampleAffine(img: FloatImage, width: number, height: number, scale: number, offsetX: number, offsetY: number): FloatImage {
  const xs = affineWeights(img.width, width, scale, offsetX);
  const ys = affineWeights(img.height, height, scale, offsetY);
  const out = createImage(width, height);
  const row = new Float32Array(width);
  const src = img.data;
  // Each source row's horizontal pass once (neighbouring output rows share source rows), in float64
  // as it is summed into the output row.
  const across = new Map<number, Float64Array>();
  const zeros = new Float64Array(width);
  const horizontal = (sy: number): Float64Array => {
    let h = across.get(sy);
    if (h) return h;
    const base = sy * img.width;
    // Rows without ink (above and below the writing) give zeros.
    let inked = false;
    for (let x = 0; x < img.width && !inked; x++) inked = src[base + x] !== 0;
    if (!inked) {
      across.set(sy, zeros);
      return zeros;
    }
    h = new Float64Array(width);
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let k = xs.start[x]; k < xs.start[x + 1]; k++) v += src[base + xs.index[k]] * xs.weight[k];
      h[x] = v;
    }
    across.set(sy, h);
    return h;
  };
  for (let y = 0; y < height; y++) {
    if (ys.start[y] === ys.start[y + 1]) continue;
    row.fill(0);
    for (let t = ys.start[y]; t < ys.start[y + 1]; t++) {
      const h = horizontal(ys.index[t]);
      const wy = ys.weight[t];
      for (let x = 0; x < width; x++) row[x] += h[x] * wy;
    }
    for (let x = 0; x < width; x++) out.data[y * width + x] = min(1, max(0, row[x]));
  }
  return out;
}

/** Checks `bodyHeight` / `baselineRow` against the height; null when the older scaling is asked for. */
function bodyTarget(opts: LinePreprocessOptions, H: number): { bodyHeight: number; baselineRow: number } | null {
  const { bodyHeight, baselineRow } = opts;
  if (bodyHeight === undefined && baselineRow === undefined) return null;
  if (bodyHeight === undefined || baselineRow === undefined) {
    throw new Error(`preprocessLine: give bodyHeight and baselineRow together (got bodyHeight ${bodyHeight}, baselineRow ${baselineRow})`);
  }
  if (!(bodyHeight > 0 && bodyHeight < H && baselineRow >= bodyHeight && baselineRow <= H)) {
    throw new Error(`preprocessLine: bodyHeight ${bodyHeight} and baselineRow ${baselineRow} must satisfy 0 < bodyHeight <= baselineRow <= height (${H})`);
  }
  return { bodyHeight, baselineRow };
}

/**
 * The recipe with the lighting a line photo is read in: 'local' where a smooth surface cannot
 * describe its light (`unevenLight`: a shadow's sharp edge across the line, whose smooth fit takes
 * the shadow for ink or lifts the threshold above faint writing), else `opts` as given. Shared by
 * the photo reader (read/page.ts) and the line generator, so training lines are read as photos are.
 */
export function withLineLighting(img: GrayImage, opts: LinePreprocessOptions = {}): LinePreprocessOptions {
  return opts.lighting !== undefined || !unevenLight(asFloat(img)) ? opts : { ...opts, lighting: 'local' };
}

/**
 * The line recipe for any gray image (pure, synchronous): shrink to `maxSide`, remove uneven
 * lighting and make the ink white on black, threshold (Otsu) and drop specks, take out ruled lines,
 * then scale and pad to a strip `height` tall with `margin` black columns each side:
 * - with `bodyHeight` / `baselineRow`: deskew, find the body band (`estimateBody`), scale it to
 *   `bodyHeight` with the baseline on `baselineRow`; ink beyond the strip is cut off;
 * - without: crop to the ink, scale so the median character is `charHeight` tall (but the whole ink
 *   band fits `height` - 2), centred vertically.
 * An image without ink gives `empty: true` and a note, not an error; a line wider than `maxWidth`
 * throws `LineTooWideError`. `name` is used in messages.
 */
export function preprocessLineGray(input: GrayImage, opts: LinePreprocessOptions = {}, name = 'image'): PreprocessedLine {
  const H = opts.height ?? 28;
  if (!(Number.isInteger(H) && H >= 8)) throw new Error(`preprocessLine: height must be an integer >= 8, got ${H}`);
  const target = bodyTarget(opts, H);
  const charHeight = opts.charHeight ?? (21 / 28) * H;
  const margin = opts.margin ?? round((2 / 28) * H);
  const maxWidth = opts.maxWidth ?? 4096;
  // A float input is only read, never written: no copy.
  checkSize(input);
  let work: FloatImage = asFloat(input);
  const shrunk = shrunkSize(work.width, work.height, opts.maxSide ?? 2048);
  if (shrunk.width !== work.width || shrunk.height !== work.height) work = resizeImage(work, shrunk.width, shrunk.height);
  // The older scaling keeps the older speck rule: its committed models were made with it.
  const speckDefaults: LineSpeckOptions = target ? {} : OLDER_SPECK_RULE;
  const cleanOptions = { ...speckDefaults, ...opts, deskew: opts.deskew ?? target !== null, maxSkewDegrees: opts.maxSkewDegrees ?? 10 };
  const inkOf = (img: FloatImage): { found: LineInk; clean: CleanLine | null } => {
    const found = findLineInk(img, { ...speckDefaults, ...opts });
    return { found, clean: found.blank ? null : cleanLine(found.ink.image, found.mask, found.box, found.level, found.strokeWidth, cleanOptions) };
  };
  let { found, clean: cleaned } = inkOf(work);
  // Writing that leans further than the model's training lines is sheared upright (slant.ts) and
  // its ink found again; the slant is measured on the whole image's ink, as the range was.
  const slant = opts.slantRange && !found.blank ? slantCorrection(estimateSlant(found.mask), opts.slantRange) : 0;
  if (slant !== 0) {
    work = shearImage(work, slant, 'edge').image;
    ({ found, clean: cleaned } = inkOf(work));
  }
  // Small writing is enlarged and its ink found again: the threshold, the specks, the deskew and
  // the body estimate work in whole pixels, and lose much of a 7-pixel body's letters.
  // The body measured here is the one used below unless the image is enlarged (then measured again).
  let measured = target && cleaned?.mask ? estimateBody(cleaned.mask) : null;
  const enlarge = enlargementFor(measured?.bodyHeight ?? 0, opts.minBodyPixels ?? MIN_BODY_PIXELS, work.width, work.height);
  if (enlarge > 1) {
    work = resizeImage(work, round(work.width * enlarge), round(work.height * enlarge));
    ({ found, clean: cleaned } = inkOf(work));
    measured = null;
  }
  const { ink, level } = found;
  const base = { height: H, inverted: ink.inverted };
  const empty = (note: string): PreprocessedLine => {
    const width = max(1, 2 * margin);
    return {
      ...base,
      workWidth: work.width,
      workHeight: work.height,
      enlarged: enlarge,
      pixels: new Float32Array(H * width),
      uint8: new Uint8Array(H * width),
      width,
      inkEnd: margin,
      empty: true,
      notes: [note],
      inkBox: null,
      scale: 0,
      foundCharHeight: 0,
      body: null,
      skewDegrees: 0,
      slantDegrees: 0,
      ruledLines: 0,
    };
  };
  if (found.blank || !cleaned) return empty(`${name}: no ink found (the image looks blank or too faint); nothing to read`);
  const clean = cleaned;
  const { mask, offset } = clean;
  if (!clean.ink || !mask) return { ...empty(`${name}: no writing found, only ruled lines; nothing to read`), ruledLines: clean.ruledLines };
  // From here on, coordinates are the cut-out's; the reported box and body are the turned working image's.
  const soft = normaliseInk(clean.ink, mask, found.strokeLevel, min(2 * ink.sigma, level / 2));
  const inkBox = boundingBoxAbove(soft, 0.05) ?? maskBoundingBox(mask) ?? { x: 0, y: 0, width: soft.width, height: soft.height };
  const notes: string[] = [];
  const bands = opts.multiLineNote === false ? 1 : countTextBands(mask, inkBox);
  if (bands > 1) {
    notes.push(`${name}: the ink looks like ${bands} lines of text; one line per image is read, so crop the image to one line`);
  }
  const body = measured ?? estimateBody(mask) ?? { top: inkBox.y, baseline: inkBox.y + inkBox.height, bodyHeight: inkBox.height };
  const common = {
    ...base, workWidth: clean.canvasWidth, workHeight: clean.canvasHeight, enlarged: enlarge, empty: false, notes,
    inkBox: { ...inkBox, x: inkBox.x + offset.x, y: inkBox.y + offset.y },
    body: { top: body.top + offset.y, baseline: body.baseline + offset.y, bodyHeight: body.bodyHeight },
    skewDegrees: clean.skewDegrees, slantDegrees: slant, ruledLines: clean.ruledLines,
  };
  const tooWide = (width: number) => new LineTooWideError(
    `${name}: the writing is ${width} px wide at the model's height of ${H} px (${(width / H).toFixed(0)}:1), ` +
      `more than the ${maxWidth} px a line may be; crop the image to one line of text, or split a long line into parts`,
  );
  if (target) {
    const scale = target.bodyHeight / max(1, body.bodyHeight);
    const outW = max(1, round(inkBox.width * scale));
    const width = outW + 2 * margin;
    if (width > maxWidth) throw tooWide(width);
    // out = offset + scale * in: the ink box's left edge on column `margin`, the baseline on `baselineRow`.
    const out = resampleAffine(soft, width, H, scale, margin - inkBox.x * scale, target.baselineRow - body.baseline * scale);
    for (let y = 0; y < H; y++) {
      // The margins stay black, as in the older recipe (faint soft ink just outside the box is not writing).
      out.data.fill(0, y * width, y * width + margin);
      out.data.fill(0, y * width + margin + outW, (y + 1) * width);
    }
    return { ...common, pixels: out.data, uint8: toUint8(out), width, inkEnd: margin + outW, scale, foundCharHeight: body.bodyHeight };
  }
  const charFound = medianCharHeight(mask);
  // The characters' size decides the scale; the band (ascenders to descenders) must still fit.
  const scale = min(charHeight / max(1, charFound), (H - 2) / inkBox.height);
  const outW = max(1, round(inkBox.width * scale));
  const outH = max(1, min(H, round(inkBox.height * scale)));
  const width = outW + 2 * margin;
  if (width > maxWidth) throw tooWide(width);
  const scaled = resizeImage(cropImage(soft, inkBox), outW, outH);
  const out: FloatImage = createImage(width, H);
  const top = floor((H - outH) / 2);
  for (let y = 0; y < outH; y++) {
    const row = scaled.data.subarray(y * outW, (y + 1) * outW);
    for (let x = 0; x < outW; x++) out.data[(top + y) * width + margin + x] = min(1, max(0, row[x]));
  }
  return { ...common, pixels: out.data, uint8: toUint8(out), width, inkEnd: margin + outW, scale, foundCharHeight: charFound };
}

/**
 * The line recipe from RGBA pixels (a canvas's `ImageData`, or a file decoded by sharp): gray and
 * transparency (`rgbaToGray`, shrunk to `maxSide`, default 2048 for lines), then `preprocessLineGray`.
 */
export function preprocessLineRgba(rgba: RgbaImage, opts: LinePreprocessOptions = {}, name = 'image'): PreprocessedLine {
  return preprocessLineGray(rgbaToGray(rgba, { ...opts, maxSide: opts.maxSide ?? 2048 }).image, opts, name);
}

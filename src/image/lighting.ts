/**
 * Lighting and polarity: the paper's (or canvas's) background fitted as a smooth surface that the
 * ink does not pull (`fitBackground`), which side of it the ink is on (`decidePolarity`), and the
 * ink map, white ink on black with the lighting taken out (`toInkMap`). Pure TypeScript, shared by
 * the character recipe (preprocess.ts), the line recipe (line.ts) and page layout (page.ts).
 */
import { FloatImage, createImage, quantilesInPlace } from './gray';
import { closing, opening } from './morphology';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { abs, ceil, floor: floorOf, fround, max, min, round } = Math;

/**
 * How the paper/canvas background is modelled: a smooth quadratic surface (uneven lighting), a
 * constant, or 'local': followed pixel by pixel (`localInkMap`), so the sharp edge of a shadow or a
 * bright patch of any size is background too. Page layout uses 'local' where the light is uneven.
 */
export type LightingModel = 'quadratic' | 'flat' | 'local';

/** Which way the ink differs from the background; 'auto' decides from the image. */
export type Polarity = 'auto' | 'dark-ink' | 'light-ink';

/** Options for `toInkMap`. */
export interface InkMapOptions {
  /** Background model; 'quadratic' follows a lighting gradient or vignette across a phone photo. Default 'quadratic'. */
  lighting?: LightingModel;
  /** Default 'auto'. */
  polarity?: Polarity;
  /**
   * Also take out shadows and bright patches with sharp edges (a phone's or a hand's shadow across
   * the paper), which a smooth surface cannot follow and which would otherwise pass for ink or flip
   * the polarity: whatever the smooth fit leaves that is wider than a square of a quarter of the
   * image's shorter side is background too. Strokes are thinner than that. Default false.
   */
  shadows?: boolean;
  /**
   * 'local' lighting's window, pixels: wider than the widest stroke, narrower than any shadow or
   * lit patch that should stay background. Default a quarter of the image's shorter side (a crop of
   * one word: its height); page layout sizes it by the writing (page.ts).
   */
  localWindow?: number;
}

/** A background estimate and how far pixels stray from it. */
export interface BackgroundFit {
  /** The fitted background, same size as the input. */
  background: FloatImage;
  /** Robust spread (MAD-based sigma) of background pixels around the fit: the noise level. */
  sigma: number;
}

/** The ink as white on black: background ~0, ink > 0. */
export interface InkMap {
  image: FloatImage;
  /** True when the ink was darker than its background (and so was inverted). */
  inverted: boolean;
  /** Noise level of the background, in the same units as `image`. */
  sigma: number;
  /** The largest value of `image`. */
  peak: number;
}

const GRID = 64; // background fit samples per side: plenty for a smooth surface, cheap to solve
const ITERATIONS = 4;
const CLIP = 2.5; // samples further than this many sigmas from the fit are ink, not background
const MIN_SIGMA = 0.01; // synthetic images can be perfectly flat; keep the clip band from collapsing to zero
const PAPER_FLOOR = 0.05; // dark ink is measured against the paper's brightness: a near-black "paper" would blow the ratio up

/** A fitted background surface: `terms` coefficients of 1, u, v, u^2, uv, v^2 over u, v in -1..1 across the image. */
interface Surface {
  coef: Float64Array;
  terms: number;
  sigma: number;
}

/**
 * Fits a smooth background surface, ignoring the ink: least squares on a sample grid, refit a few
 * times without the samples that stray from the fit (ink on either side), so the majority (the paper
 * or canvas) decides. A blur would be pulled towards thick strokes; this is not.
 */
export function fitBackground(img: FloatImage, model: LightingModel = 'quadratic'): BackgroundFit {
  const surface = fitSurface(img, model);
  return { background: surfaceImage(surface, img.width, img.height), sigma: surface.sigma };
}

function fitSurface(img: FloatImage, model: LightingModel): Surface {
  if (model === 'local') throw new Error("fitSurface: 'local' lighting has no surface; use toInkMap");
  const { width, height } = img;
  const { xs, ys } = gridPoints(width, height);
  // A handful of pixels cannot pin down a surface; treat tiny images as evenly lit.
  const terms = model === 'quadratic' && width >= 8 && height >= 8 ? 6 : 1;
  const n = xs.length * ys.length;
  const rows = new Float64Array(n * terms); // [n, terms]: each sample's basis
  const values = new Float64Array(n);
  const scratch = new Float32Array(n); // quantiles are taken in float32, as `quantile` does
  for (let j = 0, k = 0; j < ys.length; j++) {
    for (let i = 0; i < xs.length; i++, k++) {
      basisInto(rows, k * terms, xs[i], ys[j], width, height, terms);
      values[k] = img.data[ys[j] * width + xs[i]];
    }
  }
  // Start from the median level, not from a fit of every sample: a large blob of ink (a bold
  // drawing filling a quarter of the canvas) pulls a least-squares surface into a dip under it,
  // and clipping around that dip never finds the paper again. The median is paper while ink < half.
  const start = medianAndSigma(values, scratch);
  const level = start.median;
  let sigma = start.sigma;
  const keep = new Uint8Array(n);
  for (let k = 0; k < n; k++) keep[k] = abs(values[k] - level) <= CLIP * sigma ? 1 : 0;
  let coef = new Float64Array(terms);
  coef[0] = level;
  const residuals = new Float64Array(n);
  for (let it = 0; it < ITERATIONS; it++) {
    coef = leastSquares(rows, values, keep, terms) ?? coef;
    fitResiduals(rows, values, coef, terms, residuals);
    const spread = medianAndSigma(residuals, scratch, keep);
    const med = spread.median;
    sigma = spread.sigma;
    let changed = false;
    for (let k = 0; k < n; k++) {
      const kept = abs(residuals[k] - med) <= CLIP * sigma ? 1 : 0;
      if (kept !== keep[k]) changed = true;
      keep[k] = kept;
    }
    // The same samples give the same fit again: the remaining iterations would change nothing.
    if (!changed) break;
  }
  return { coef, terms, sigma };
}

/** The background fit's sample positions: up to GRID columns and rows spread evenly over the image. */
function gridPoints(width: number, height: number): { xs: Int32Array; ys: Int32Array } {
  const spread = (count: number, size: number) => Int32Array.from({ length: count }, (_, i) => (count === 1 ? 0 : round((i * (size - 1)) / (count - 1))));
  return { xs: spread(min(GRID, width), width), ys: spread(min(GRID, height), height) };
}

/**
 * Median and robust spread (1.4826 x the median absolute deviation, at least MIN_SIGMA) of
 * values[k], only where keep[k] when given; quantiles in float32 in `scratch` (values.length long).
 */
function medianAndSigma(values: ArrayLike<number>, scratch: Float32Array, keep?: Uint8Array): { median: number; sigma: number } {
  let m = 0;
  for (let k = 0; k < values.length; k++) if (!keep || keep[k]) scratch[m++] = values[k];
  const median = quantilesInPlace(scratch, m, [0.5])[0];
  m = 0;
  for (let k = 0; k < values.length; k++) if (!keep || keep[k]) scratch[m++] = abs(values[k] - median);
  return { median, sigma: max(MIN_SIGMA, 1.4826 * quantilesInPlace(scratch, m, [0.5])[0]) };
}

/** residuals[k] = values[k] - rows[k] . coef, the dot product summed in term order. */
function fitResiduals(rows: Float64Array, values: Float64Array, coef: Float64Array, terms: number, residuals: Float64Array): void {
  if (terms === 6) {
    const c0 = coef[0], c1 = coef[1], c2 = coef[2], c3 = coef[3], c4 = coef[4], c5 = coef[5];
    for (let k = 0, r = 0; k < values.length; k++, r += 6) {
      let fit = 0;
      fit += rows[r] * c0;
      fit += rows[r + 1] * c1;
      fit += rows[r + 2] * c2;
      fit += rows[r + 3] * c3;
      fit += rows[r + 4] * c4;
      fit += rows[r + 5] * c5;
      residuals[k] = values[k] - fit;
    }
    return;
  }
  for (let k = 0; k < values.length; k++) {
    let fit = 0;
    for (let t = 0; t < terms; t++) fit += rows[k * terms + t] * coef[t];
    residuals[k] = values[k] - fit;
  }
}

/** The surface as a width x height image. */
function surfaceImage(s: Surface, width: number, height: number): FloatImage {
  const image = createImage(width, height);
  const row = surfaceRows(s, width, height);
  for (let y = 0; y < height; y++) row(y, image.data, y * width);
  return image;
}

/**
 * The surface row by row: row(y, out, at) writes row y into out[at .. at + width - 1], each value
 * the float32 of c0 + cu u + cv v + cuu u^2 + cuv uv + cvv v^2 summed in that order.
 */
function surfaceRows(s: Surface, width: number, height: number): (y: number, out: Float32Array, at: number) => void {
  const { coef, terms } = s;
  const c0 = coef[0];
  const cu = terms > 1 ? coef[1] : 0;
  const cv = terms > 1 ? coef[2] : 0;
  const cuu = terms > 1 ? coef[3] : 0;
  const cuv = terms > 1 ? coef[4] : 0;
  const cvv = terms > 1 ? coef[5] : 0;
  // The column terms do not change from row to row.
  const a = new Float64Array(width); // c0 + cu u
  const b = new Float64Array(width); // cuu u^2
  const c = new Float64Array(width); // cuv u
  for (let x = 0; x < width; x++) {
    const u = terms > 1 ? (2 * x) / (width - 1) - 1 : 0;
    a[x] = c0 + cu * u;
    b[x] = cuu * u * u;
    c[x] = cuv * u;
  }
  return (y, out, at) => {
    const v = terms > 1 ? (2 * y) / (height - 1) - 1 : 0;
    const rv = cv * v;
    const rvv = cvv * v * v;
    for (let x = 0; x < width; x++) out[at + x] = a[x] + rv + b[x] + c[x] * v + rvv;
  };
}

/**
 * Which side of the background the ink is on: the side with more mass beyond 3 sigma. Works for any
 * ink share under half the image, unlike comparing to a fixed gray level.
 */
export function decidePolarity(residual: FloatImage, sigma: number): 'dark-ink' | 'light-ink' {
  const band = 3 * sigma;
  let dark = 0;
  let light = 0;
  const data = residual.data;
  for (let i = 0; i < data.length; i++) {
    const r = data[i];
    if (r < -band) dark += -r - band;
    else if (r > band) light += r - band;
  }
  return dark > light ? 'dark-ink' : 'light-ink';
}

/**
 * Removes the background (lighting) and turns the ink white on black. Dark ink on paper is measured
 * as the share of light it absorbs, (background - pixel) / background, so a stroke in the shadow
 * counts as much as one in full light; light ink (chalk, a drawing app's white pen) as pixel - background.
 */
export function toInkMap(img: FloatImage, opts: InkMapOptions = {}): InkMap {
  if (opts.lighting === 'local') return localInkMap(img, opts.polarity, opts.localWindow);
  const surface = fitSurface(img, opts.lighting ?? 'quadratic');
  if (opts.shadows) return inkMapOfResidual(img, shadowFreeResidual(img, surface), opts.polarity);
  const { sigma } = surface;
  const { width, height } = img;
  const src = img.data;
  const row = surfaceRows(surface, width, height);
  const out = createImage(width, height);
  const o = out.data;
  const auto = !opts.polarity || opts.polarity === 'auto';
  const band = 3 * sigma;
  const floor = PAPER_FLOOR;
  // One pass makes the background a row at a time, weighs the residual's two sides (the residual
  // as a float32 image would hold it, see `decidePolarity`) and writes the dark-ink map, the common
  // case; light ink takes a second pass.
  let dark = 0;
  let light = 0;
  let mean = 0;
  let peak = 0;
  const bg = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    row(y, bg, 0);
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const b = bg[x];
      mean += b;
      const r = fround(src[i] - b);
      if (auto) {
        if (r < -band) dark += -r - band;
        else if (r > band) light += r - band;
      }
      const q = -r / (b > floor ? b : floor);
      const v = q > 0 ? fround(q) : 0;
      o[i] = v;
      if (v > peak) peak = v;
    }
  }
  mean /= width * height;
  const polarity = auto ? (dark > light ? 'dark-ink' : 'light-ink') : opts.polarity;
  if (polarity === 'dark-ink') return { image: out, inverted: true, sigma: sigma / max(floor, mean), peak };
  peak = 0;
  for (let y = 0; y < height; y++) {
    row(y, bg, 0);
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const r = fround(src[i] - bg[x]);
      const v = r > 0 ? r : 0;
      o[i] = v;
      if (v > peak) peak = v;
    }
  }
  return { image: out, inverted: false, sigma, peak };
}

/** A background and the image's residual from it (pixel - background), both [height, width]. */
interface Residual {
  background: Float32Array;
  residual: Float32Array;
  sigma: number;
}

/**
 * The residual from the smooth surface with its wide structure taken out: the opening of each side
 * (bright patches, then shadows) over a square a quarter of the shorter side is moved into the
 * background. On evenly lit paper the opening of noise is below zero and nothing moves.
 */
function shadowFreeResidual(img: FloatImage, surface: Surface): Residual {
  const { width, height } = img;
  const n = width * height;
  const background = surfaceImage(surface, width, height).data;
  const residual = new Float32Array(n);
  for (let i = 0; i < n; i++) residual[i] = img.data[i] - background[i];
  const r = max(1, round(min(width, height) / 8)); // window 2r + 1: a quarter of the shorter side
  const bright = opening(residual, width, height, r);
  const negated = residual.map((v) => -v);
  const dark = opening(negated, width, height, r);
  for (let i = 0; i < n; i++) {
    const shift = (bright[i] > 0 ? bright[i] : 0) - (dark[i] > 0 ? dark[i] : 0);
    residual[i] -= shift;
    background[i] += shift;
  }
  // The noise level of what is left, on the fit's sample grid (as fitSurface measures it).
  const { xs, ys } = gridPoints(width, height);
  const samples = new Float32Array(xs.length * ys.length);
  for (let j = 0, k = 0; j < ys.length; j++) for (let i = 0; i < xs.length; i++, k++) samples[k] = residual[ys[j] * width + xs[i]];
  const { sigma } = medianAndSigma(samples, new Float32Array(samples.length));
  return { background, residual, sigma };
}

/** `toInkMap`'s polarity and ink from a residual and its background (the shadow-aware path). */
function inkMapOfResidual(img: FloatImage, { background, residual, sigma }: Residual, polarity: Polarity = 'auto'): InkMap {
  const { width, height } = img;
  const n = width * height;
  const floor = PAPER_FLOOR;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += background[i];
  mean /= n;
  const side = polarity === 'auto' ? decidePolarity({ width, height, data: residual }, sigma) : polarity;
  const out = createImage(width, height);
  const o = out.data;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const b = background[i];
    const v = side === 'dark-ink' ? -residual[i] / (b > floor ? b : floor) : residual[i];
    o[i] = v > 0 ? v : 0;
    if (o[i] > peak) peak = o[i];
  }
  return side === 'dark-ink'
    ? { image: out, inverted: true, sigma: sigma / max(floor, mean), peak }
    : { image: out, inverted: false, sigma, peak };
}

/** Tiles along the image's shorter side in `tilePolarity`. */
const POLARITY_TILES = 12;
/** `localInkMap`'s default window: this share of the image's shorter side. */
const LOCAL_WINDOW = 1 / 4;

/**
 * 'local' lighting: the background is the image with its ink taken away by a closing (dark ink;
 * an opening for light ink) over a square window (`localWindow`). A closing fills every dark
 * structure narrower than its window and keeps a step edge, or any monotone or concave slope of
 * light, where it is: a shadow's sharp edge, or a lit patch with writing inside it, stays
 * background however large it is. A smooth surface cannot follow that edge, and the opening of the
 * smooth fit's residual (the `shadows` option) is blocked by the writing inside the patch. What
 * else is dark and narrower than the window (a pen's shadow) becomes ink too. The polarity comes
 * first, since a closing and an opening would each find "ink" (the strokes, or the paper between
 * them): decided tile by tile (`tilePolarity`), which a shadow cannot sway, but writing so bold that
 * it fills the tiles can; hence page layout uses 'local' only where the light is uneven
 * (`unevenLight`).
 */
function localInkMap(img: FloatImage, polarity: Polarity = 'auto', window = LOCAL_WINDOW * min(img.width, img.height)): InkMap {
  if (!(window > 0)) throw new Error(`toInkMap: localWindow must be a positive number of pixels, got ${window}`);
  const r = max(1, round((window - 1) / 2));
  const dark = (polarity === 'auto' ? tilePolarity(img) : polarity) === 'dark-ink';
  const { width, height } = img;
  const n = width * height;
  // Turned so that the ink is dark: a closing then takes it away either way.
  const f = dark ? img.data : img.data.map((v) => -v);
  const closed = closing(f, width, height, r);
  const ink = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // Dark ink as the share of the background's light it takes; light ink as its difference.
    const d = closed[i] - f[i];
    ink[i] = dark ? d / (closed[i] > PAPER_FLOOR ? closed[i] : PAPER_FLOOR) : d;
  }
  // The closing lifts the paper's noise a little (a local maximum): its median (paper: ink covers
  // under half the image) is taken off, and its spread is the noise level.
  const { xs, ys } = gridPoints(width, height);
  const samples = new Float32Array(xs.length * ys.length);
  for (let j = 0, k = 0; j < ys.length; j++) for (let i = 0; i < xs.length; i++, k++) samples[k] = ink[ys[j] * width + xs[i]];
  const { median, sigma } = medianAndSigma(samples, new Float32Array(samples.length));
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const v = ink[i] - median;
    ink[i] = v > 0 ? v : 0;
    if (v > peak) peak = v;
  }
  return { image: { width, height, data: ink }, inverted: dark, sigma, peak };
}

/** `unevenLight`: a sample is off the smooth surface by CLIP sigmas of the paper's noise and at least this much (0..1 gray). */
const UNEVEN_STEP = 0.05;
/** `unevenLight`: ... over a rectangle at least this share of the shorter side each way (wider than any stroke). */
const UNEVEN_EXTENT = 1 / 4;

/**
 * True when a smooth surface cannot describe the image's light: somewhere the fit's samples are
 * off it (either way) over a rectangle at least a quarter of the shorter side each way. Strokes are
 * off it too but thinner than that, even bold ones in a tight crop of a word; a sharp-edged shadow,
 * a lit patch (its writing included: that is off too) or a dark desk around a photographed page is
 * wider. Page layout then turns to 'local' lighting.
 */
export function unevenLight(img: FloatImage): boolean {
  const { width, height, data } = img;
  const surface = fitSurface(img, 'quadratic');
  const { xs, ys } = gridPoints(width, height);
  const nx = xs.length;
  const ny = ys.length;
  // The fit's own spread grows with the very structure looked for: the noise is measured between
  // horizontal neighbours instead (sqrt(2) x the noise where both are paper).
  const diffs = new Float32Array(nx * ny);
  for (let j = 0, k = 0; j < ny; j++) for (let i = 0; i < nx; i++, k++) diffs[k] = xs[i] + 1 < width ? abs(data[ys[j] * width + xs[i] + 1] - data[ys[j] * width + xs[i]]) : 0;
  const noise = (1.4826 * quantilesInPlace(diffs, diffs.length, [0.5])[0]) / Math.SQRT2;
  const band = max(CLIP * noise, UNEVEN_STEP);
  const row = surfaceRows(surface, width, height);
  const background = new Float32Array(width);
  // Summed-area table of the off samples: (nx + 1) x (ny + 1), a zero row and column first.
  const sums = new Int32Array((nx + 1) * (ny + 1));
  for (let j = 0; j < ny; j++) {
    row(ys[j], background, 0);
    for (let i = 0; i < nx; i++) {
      const off = abs(data[ys[j] * width + xs[i]] - background[xs[i]]) > band ? 1 : 0;
      sums[(j + 1) * (nx + 1) + i + 1] = off + sums[j * (nx + 1) + i + 1] + sums[(j + 1) * (nx + 1) + i] - sums[j * (nx + 1) + i];
    }
  }
  // Samples a rectangle of the extent spans, each way: consecutive samples are a spacing apart.
  const extent = UNEVEN_EXTENT * min(width, height);
  const span = (count: number, size: number) => (count < 2 ? Infinity : ceil(extent / ((size - 1) / (count - 1))) + 1);
  const cx = span(nx, width);
  const cy = span(ny, height);
  if (cx > nx || cy > ny) return false;
  for (let j = cy; j <= ny; j++) {
    for (let i = cx; i <= nx; i++) {
      const count = sums[j * (nx + 1) + i] - sums[(j - cy) * (nx + 1) + i] - sums[j * (nx + 1) + i - cx] + sums[(j - cy) * (nx + 1) + i - cx];
      if (count === cx * cy) return true;
    }
  }
  return false;
}

/**
 * Which side of the paper the ink is on, decided tile by tile so that a shadow cannot decide it:
 * in a tile the paper is the majority, so the tile's median is paper and the ink is the long tail,
 * below it (dark ink) or above it (light ink). Tails are summed over the tiles. A tile across a
 * shadow's edge has two tails, and the tiles of the writing outnumber such tiles.
 */
function tilePolarity(img: FloatImage): 'dark-ink' | 'light-ink' {
  const { width, height, data } = img;
  const t = max(8, round(min(width, height) / POLARITY_TILES));
  const step = max(1, floorOf(t / 16)); // at most 16 x 16 samples a tile
  const scratch = new Float32Array(ceil(t / step) ** 2);
  let darkTail = 0;
  let lightTail = 0;
  for (let ty = 0; ty < height; ty += t) {
    for (let tx = 0; tx < width; tx += t) {
      let m = 0;
      for (let y = ty; y < min(ty + t, height); y += step) for (let x = tx; x < min(tx + t, width); x += step) scratch[m++] = data[y * width + x];
      const [low, mid, high] = quantilesInPlace(scratch, m, [0.02, 0.5, 0.98]);
      darkTail += mid - low;
      lightTail += high - mid;
    }
  }
  return darkTail > lightTail ? 'dark-ink' : 'light-ink';
}

function basisInto(out: Float64Array, at: number, x: number, y: number, width: number, height: number, terms: number): void {
  out[at] = 1;
  if (terms === 1) return;
  // Coordinates in -1..1 keep the normal equations well conditioned whatever the image size.
  const u = width > 1 ? (2 * x) / (width - 1) - 1 : 0;
  const v = height > 1 ? (2 * y) / (height - 1) - 1 : 0;
  out[at + 1] = u;
  out[at + 2] = v;
  out[at + 3] = u * u;
  out[at + 4] = u * v;
  out[at + 5] = v * v;
}

/** Solves the normal equations of the kept rows by Gauss-Jordan elimination; null if singular. */
function leastSquares(rows: Float64Array, values: Float64Array, keep: Uint8Array, terms: number): Float64Array | null {
  // Upper triangle and right-hand side, each accumulated in sample order; the matrix is symmetric.
  const acc = terms === 6 ? normalSums6(rows, values, keep) : normalSums(rows, values, keep, terms);
  const a: Float64Array[] = [];
  for (let i = 0; i < terms; i++) {
    const row = new Float64Array(terms + 1);
    for (let j = 0; j <= terms; j++) row[j] = j < i ? acc[j * (terms + 1) + i] : acc[i * (terms + 1) + j];
    a.push(row);
  }
  for (let col = 0; col < terms; col++) {
    let pivot = col;
    for (let i = col + 1; i < terms; i++) if (abs(a[i][col]) > abs(a[pivot][col])) pivot = i;
    if (abs(a[pivot][col]) < 1e-9) return null;
    const t = a[col];
    a[col] = a[pivot];
    a[pivot] = t;
    for (let i = 0; i < terms; i++) {
      if (i === col) continue;
      const f = a[i][col] / a[col][col];
      for (let j = col; j <= terms; j++) a[i][j] -= f * a[col][j];
    }
  }
  const coef = new Float64Array(terms);
  for (let i = 0; i < terms; i++) coef[i] = a[i][terms] / a[i][i];
  return coef;
}

/** `normalSums` for any number of terms: [terms, terms + 1], upper triangle and right-hand side. */
function normalSums(rows: Float64Array, values: Float64Array, keep: Uint8Array, terms: number): Float64Array {
  const acc = new Float64Array(terms * (terms + 1));
  for (let k = 0; k < values.length; k++) {
    if (!keep[k]) continue;
    const r = k * terms;
    for (let i = 0; i < terms; i++) {
      const ri = rows[r + i];
      for (let j = i; j < terms; j++) acc[i * (terms + 1) + j] += ri * rows[r + j];
      acc[i * (terms + 1) + terms] += ri * values[k];
    }
  }
  return acc;
}

/** `normalSums` for the quadratic surface, the 27 sums in locals (registers, not memory): the fit's hot loop. */
function normalSums6(rows: Float64Array, values: Float64Array, keep: Uint8Array): Float64Array {
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s04 = 0, s05 = 0, s0y = 0;
  let s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0, s1y = 0;
  let s22 = 0, s23 = 0, s24 = 0, s25 = 0, s2y = 0;
  let s33 = 0, s34 = 0, s35 = 0, s3y = 0;
  let s44 = 0, s45 = 0, s4y = 0;
  let s55 = 0, s5y = 0;
  for (let k = 0; k < values.length; k++) {
    if (!keep[k]) continue;
    const r = k * 6;
    const a0 = rows[r], a1 = rows[r + 1], a2 = rows[r + 2], a3 = rows[r + 3], a4 = rows[r + 4], a5 = rows[r + 5];
    const y = values[k];
    s00 += a0 * a0; s01 += a0 * a1; s02 += a0 * a2; s03 += a0 * a3; s04 += a0 * a4; s05 += a0 * a5; s0y += a0 * y;
    s11 += a1 * a1; s12 += a1 * a2; s13 += a1 * a3; s14 += a1 * a4; s15 += a1 * a5; s1y += a1 * y;
    s22 += a2 * a2; s23 += a2 * a3; s24 += a2 * a4; s25 += a2 * a5; s2y += a2 * y;
    s33 += a3 * a3; s34 += a3 * a4; s35 += a3 * a5; s3y += a3 * y;
    s44 += a4 * a4; s45 += a4 * a5; s4y += a4 * y;
    s55 += a5 * a5; s5y += a5 * y;
  }
  return Float64Array.of(
    s00, s01, s02, s03, s04, s05, s0y,
    0, s11, s12, s13, s14, s15, s1y,
    0, 0, s22, s23, s24, s25, s2y,
    0, 0, 0, s33, s34, s35, s3y,
    0, 0, 0, 0, s44, s45, s4y,
    0, 0, 0, 0, 0, s55, s5y,
  );
}

import { FloatImage, createImage, quantile } from './gray';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { abs, max, min, round } = Math;


/** How the paper/canvas background is modelled: a smooth quadratic surface (uneven lighting) or a constant. */
export type LightingModel = 'quadratic' | 'flat';

/** Which way the ink differs from the background; 'auto' decides from the image. */
export type Polarity = 'auto' | 'dark-ink' | 'light-ink';

/** Options for `toInkMap`. */
export interface InkMapOptions {
  /** Background model; 'quadratic' follows a lighting gradient or vignette across a phone photo. Default 'quadratic'. */
  lighting?: LightingModel;
  /** Default 'auto'. */
  polarity?: Polarity;
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
}

const GRID = 64; // background fit samples per side: plenty for a smooth surface, cheap to solve
const ITERATIONS = 4;
const CLIP = 2.5; // samples further than this many sigmas from the fit are ink, not background
const MIN_SIGMA = 0.01; // synthetic images can be perfectly flat; keep the clip band from collapsing to zero

/**
 * Fits a smooth background surface, ignoring the ink: least squares on a sample grid, refit a few
 * times without the samples that stray from the fit (ink on either side), so the majority (the paper
 * or canvas) decides. A blur would be pulled towards thick strokes; this is not.
 */
export function fitBackground(img: FloatImage, model: LightingModel = 'quadratic'): BackgroundFit {
  const { width, height } = img;
  const nx = min(GRID, width);
  const ny = min(GRID, height);
  // A handful of pixels cannot pin down a surface; treat tiny images as evenly lit.
  const terms = model === 'quadratic' && width >= 8 && height >= 8 ? 6 : 1;
  const rows: number[][] = [];
  const values: number[] = [];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const x = nx === 1 ? 0 : round((i * (width - 1)) / (nx - 1));
      const y = ny === 1 ? 0 : round((j * (height - 1)) / (ny - 1));
      rows.push(basis(x, y, width, height, terms));
      values.push(img.data[y * width + x]);
    }
  }
  // Start from the median level, not from a fit of every sample: a large blob of ink (a bold
  // drawing filling a quarter of the canvas) pulls a least-squares surface into a dip under it,
  // and clipping around that dip never finds the paper again. The median is paper while ink < half.
  const level = quantile(values, 0.5);
  const spread = values.map((v) => abs(v - level));
  let sigma = max(MIN_SIGMA, 1.4826 * quantile(spread, 0.5));
  let keep = spread.map((d) => d <= CLIP * sigma);
  let coef = [level, 0, 0, 0, 0, 0].slice(0, terms);
  for (let it = 0; it < ITERATIONS; it++) {
    coef = leastSquares(rows, values, keep, terms) ?? coef;
    const residuals = values.map((v, k) => v - dot(rows[k], coef));
    const kept = residuals.filter((_, k) => keep[k]);
    const med = quantile(kept, 0.5);
    sigma = max(MIN_SIGMA, 1.4826 * quantile(kept.map((r) => abs(r - med)), 0.5));
    keep = residuals.map((r) => abs(r - med) <= CLIP * sigma);
  }
  const background = createImage(width, height);
  const [c0, cu = 0, cv = 0, cuu = 0, cuv = 0, cvv = 0] = coef;
  for (let y = 0; y < height; y++) {
    const v = terms > 1 ? (2 * y) / (height - 1) - 1 : 0;
    for (let x = 0; x < width; x++) {
      const u = terms > 1 ? (2 * x) / (width - 1) - 1 : 0;
      background.data[y * width + x] = c0 + cu * u + cv * v + cuu * u * u + cuv * u * v + cvv * v * v; // = basis . coef
    }
  }
  return { background, sigma };
}

/**
 * Which side of the background the ink is on: the side with more mass beyond 3 sigma. Works for any
 * ink share under half the image, unlike comparing to a fixed gray level.
 */
export function decidePolarity(residual: FloatImage, sigma: number): 'dark-ink' | 'light-ink' {
  const band = 3 * sigma;
  let dark = 0;
  let light = 0;
  for (let i = 0; i < residual.data.length; i++) {
    const r = residual.data[i];
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
  const { background, sigma } = fitBackground(img, opts.lighting ?? 'quadratic');
  const residual = createImage(img.width, img.height);
  for (let i = 0; i < residual.data.length; i++) residual.data[i] = img.data[i] - background.data[i];
  const polarity = !opts.polarity || opts.polarity === 'auto' ? decidePolarity(residual, sigma) : opts.polarity;
  const inverted = polarity === 'dark-ink';
  if (!inverted) {
    for (let i = 0; i < residual.data.length; i++) residual.data[i] = max(0, residual.data[i]);
    return { image: residual, inverted, sigma };
  }
  const floor = 0.05; // a near-black "paper" would blow the ratio up
  for (let i = 0; i < residual.data.length; i++) {
    residual.data[i] = max(0, -residual.data[i] / max(floor, background.data[i]));
  }
  let mean = 0;
  for (let i = 0; i < background.data.length; i++) mean += background.data[i];
  mean /= background.data.length;
  return { image: residual, inverted, sigma: sigma / max(floor, mean) };
}

function basis(x: number, y: number, width: number, height: number, terms: number): number[] {
  if (terms === 1) return [1];
  // Coordinates in -1..1 keep the normal equations well conditioned whatever the image size.
  const u = width > 1 ? (2 * x) / (width - 1) - 1 : 0;
  const v = height > 1 ? (2 * y) / (height - 1) - 1 : 0;
  return [1, u, v, u * u, u * v, v * v];
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Solves the normal equations of the kept rows by Gaussian elimination; null if singular. */
function leastSquares(rows: number[][], values: number[], keep: boolean[], terms: number): number[] | null {
  const a = Array.from({ length: terms }, () => new Array<number>(terms + 1).fill(0));
  for (let k = 0; k < rows.length; k++) {
    if (!keep[k]) continue;
    const r = rows[k];
    for (let i = 0; i < terms; i++) {
      for (let j = 0; j < terms; j++) a[i][j] += r[i] * r[j];
      a[i][terms] += r[i] * values[k];
    }
  }
  for (let col = 0; col < terms; col++) {
    let pivot = col;
    for (let i = col + 1; i < terms; i++) if (abs(a[i][col]) > abs(a[pivot][col])) pivot = i;
    if (abs(a[pivot][col]) < 1e-9) return null;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let i = 0; i < terms; i++) {
      if (i === col) continue;
      const f = a[i][col] / a[col][col];
      for (let j = col; j <= terms; j++) a[i][j] -= f * a[col][j];
    }
  }
  return a.map((row, i) => row[terms] / row[i]);
}

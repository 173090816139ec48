/**
 * Slant: how far the upright strokes of a line of writing lean, and shearing it to lean less. The
 * estimate is the projection-profile method turned on its side: sheared so that its strokes stand
 * upright, writing gives the sharpest column profile (the largest sum of squared column sums), so
 * a line is measured without finding a single letter. Pure TypeScript (the web app bundles it),
 * used by the line recipe (line.ts) when it reads a photo whose writing leans further than the
 * training lines did.
 *
 * Angles are degrees, positive for strokes whose tops lean to the right (forward, as most hands
 * write), in image coordinates (y down).
 */
import { FloatImage, createImage } from './gray';
import { Mask } from './threshold';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { abs, atan, ceil, floor, max, min, PI, round, tan } = Math;
const RAD = PI / 180;

/** Options of `estimateSlant`; every field has a default. */
export interface SlantOptions {
  /** Largest slant searched, degrees either way. Default 60. */
  maxDegrees?: number;
  /** Step of the coarse search, degrees (then refined by 1 degree around its best). Default 3. */
  coarseStep?: number;
}

/**
 * The slant of the writing in `mask` (ink = 1), degrees, to the nearest degree: the shear that
 * makes the column profile sharpest. 0 for an empty mask.
 */
export function estimateSlant(mask: Mask, opts: SlantOptions = {}): number {
  const maxDegrees = opts.maxDegrees ?? 60;
  const step = opts.coarseStep ?? 3;
  const { width: W, height: H, data } = mask;
  let n = 0;
  for (let i = 0; i < data.length; i++) n += data[i];
  if (n === 0) return 0;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n); // rows above the middle row, so a shear leaves the middle in place
  for (let y = 0, k = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!data[y * W + x]) continue;
      xs[k] = x;
      ys[k++] = (H - 1) / 2 - y;
    }
  }
  const pad = ceil(tan(maxDegrees * RAD) * H) + 2;
  const columns = new Float64Array(W + 2 * pad);
  const sharpness = (degrees: number): number => {
    const t = tan(degrees * RAD);
    columns.fill(0);
    for (let k = 0; k < n; k++) columns[round(xs[k] - ys[k] * t) + pad]++;
    let s = 0;
    for (let c = 0; c < columns.length; c++) s += columns[c] * columns[c];
    return s;
  };
  let best = 0;
  let bestScore = sharpness(0);
  const consider = (degrees: number) => {
    const s = sharpness(degrees);
    // Ties keep the angle nearer upright: no shear without a reason.
    if (s > bestScore || (s === bestScore && abs(degrees) < abs(best))) {
      best = degrees;
      bestScore = s;
    }
  };
  for (let d = -floor(maxDegrees / step) * step; d <= maxDegrees; d += step) if (d !== 0) consider(d);
  const coarse = best;
  for (let d = max(-maxDegrees, coarse - step + 1); d <= min(maxDegrees, coarse + step - 1); d++) if (d !== coarse) consider(d);
  return best;
}

/** A slant range and where a line outside it is sheared to (`slantCorrection`). */
export interface SlantRange {
  /** Slants from low to high (degrees) are left as they are. */
  keep: [number, number];
  /** A slant outside `keep` is sheared to the nearer end of this range, inside `keep`. */
  to: [number, number];
}

/**
 * The slants of the line model's training lines, as `estimateSlant` measures the training photos
 * (300 lines of each kind, seed 42): handwriting fonts 5th to 95th percentile -5 to 32 degrees
 * (median 7), EMNIST letters -2 to 32 (median 15); middle halves -1 to 17 and 8 to 23. A line
 * leaning further is sheared to the middle: held-out-font photos leaning a further 30 degrees read
 * at 10.1% CER that way against 21.3% as they were (`bench:read --slant 30`, the model of c1fc8f6;
 * docs/LINES.md).
 */
export const TRAINING_SLANTS: SlantRange = { keep: [-8, 32], to: [5, 20] };

/**
 * The shear (degrees, for `shearImage`) that brings writing leaning `slant` degrees to the range's
 * `to`: 0 inside its `keep`. Shears add tangents, not angles: taking 30 degrees out of 50 leaves 32.
 */
export function slantCorrection(slant: number, range: SlantRange = TRAINING_SLANTS): number {
  const [lo, hi] = range.keep;
  if (slant >= lo && slant <= hi) return 0;
  const target = min(range.to[1], max(range.to[0], slant));
  return atan(tan(slant * RAD) - tan(target * RAD)) / RAD;
}

/**
 * `img` sheared so that strokes leaning `degrees` stand upright (a negative angle makes upright
 * strokes lean forward), about its middle row, on a canvas widened so nothing is cut. The corners
 * the shear uncovers are `fill`: a number, or 'edge' for the nearest pixel of the row (a photo's
 * paper). Bilinear along the rows. Returns the image and how far the middle row moved right (the
 * columns added on the left).
 */
export function shearImage(img: FloatImage, degrees: number, fill: number | 'edge' = 0): { image: FloatImage; shift: number } {
  const { width: W, height: H, data } = img;
  const t = tan(degrees * RAD);
  const shift = ceil((abs(t) * (H - 1)) / 2);
  const out = createImage(W + 2 * shift, H);
  const mid = (H - 1) / 2;
  for (let y = 0; y < H; y++) {
    // Output column x shows source column x - shift + (mid - y) * t: the tops of forward strokes come back left.
    const from = (mid - y) * t - shift;
    const row = y * W;
    const outRow = y * out.width;
    for (let x = 0; x < out.width; x++) {
      const sx = x + from;
      if (sx <= 0 || sx >= W - 1) {
        // At or past the row's ends: its end pixel (within half a pixel, or with 'edge'), else the fill.
        const near = sx > -0.5 && sx < W - 0.5;
        out.data[outRow + x] = fill === 'edge' || near ? data[row + min(W - 1, max(0, round(sx)))] : fill;
        continue;
      }
      const x0 = floor(sx);
      const f = sx - x0;
      out.data[outRow + x] = data[row + x0] * (1 - f) + data[row + x0 + 1] * f;
    }
  }
  return { image: out, shift };
}

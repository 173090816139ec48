/**
 * Skew: how far rows of writing are turned from horizontal, and turning an image back. The estimate
 * is the projection-profile method: rows of text give the sharpest horizontal ink profile (the
 * largest sum of squared row sums) when they lie horizontal, whatever the script or the hand, so a
 * line or a page is measured without finding a single character. Pure TypeScript (the web app
 * bundles it), shared by the line recipe (line.ts) and page layout (page.ts).
 *
 * Angles are degrees, positive for rows that rise to the right as the image is seen (y down); an
 * image is deskewed by `rotateImage(img, -skew)`.
 */
import { FloatImage, GrayImage, createImage } from './gray';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { abs, ceil, cos, floor, max, min, PI, sin } = Math;

/** Options of `estimateSkew`; every field has a default. */
export interface SkewOptions {
  /** Largest skew searched, degrees either way. Default 10 (a line; a page uses 15). */
  maxDegrees?: number;
  /** Step of the coarse search, degrees. Default 1. */
  coarseStep?: number;
  /** Step of the refinement around the coarse best, degrees. Default 0.1. */
  fineStep?: number;
  /**
   * The coarse search bins rows as if the image were at most this many pixels on its longest
   * side (cheap, and smooth enough not to be fooled by single pixels). Default 512.
   */
  coarseSide?: number;
  /**
   * A skew is reported only when its profile is this much sharper than the unturned one (1.02 =
   * 2% more): a short word has no clear rows, and turning it by a guess would hurt more than help.
   * Default 1.02.
   */
  minGain?: number;
}

/** Ink pixels of a mask or ink image as coordinates and weights: the same list serves every angle tried. */
interface InkPoints {
  xs: Float32Array;
  ys: Float32Array;
  ws: Float32Array;
  width: number;
  height: number;
}

function inkPoints(img: GrayImage): InkPoints {
  const { width, height, data } = img;
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > 0) n++;
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  const ws = new Float32Array(n);
  let k = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      if (v <= 0) continue;
      xs[k] = x - width / 2;
      ys[k] = y - height / 2;
      ws[k++] = v;
    }
  }
  return { xs, ys, ws, width, height };
}

/**
 * Sharpness of the horizontal profile after turning the points back by `degrees`: the sum of
 * squared row sums, rows `bin` pixels tall. Each point is split between its two nearest rows
 * (linear splatting) so the score changes smoothly with the angle instead of jumping as single
 * pixels cross row boundaries.
 */
function profileSharpness(p: InkPoints, degrees: number, bin: number): number {
  const t = (degrees * PI) / 180;
  const s = sin(t) / bin;
  const c = cos(t) / bin;
  const half = (p.width + p.height) / (2 * bin) + 2;
  const size = ceil(2 * half) + 2;
  const rows = new Float64Array(size);
  const { xs, ys, ws } = p;
  for (let i = 0; i < xs.length; i++) {
    // Row coordinate after deskewing: constant along a row of text that rises at `degrees`.
    const r = xs[i] * s + ys[i] * c + half;
    const r0 = floor(r);
    const f = r - r0;
    rows[r0] += ws[i] * (1 - f);
    rows[r0 + 1] += ws[i] * f;
  }
  let sum = 0;
  for (let i = 0; i < size; i++) sum += rows[i] * rows[i];
  return sum;
}

/**
 * The skew of the writing in a mask or ink image (degrees, rows rising to the right positive):
 * the angle in -maxDegrees..maxDegrees whose horizontal profile is sharpest, searched coarsely
 * on wide rows, then refined at full resolution with a parabola through the best three. 0 when
 * the image holds no ink or no angle beats level by `minGain`.
 */
export function estimateSkew(img: GrayImage, opts: SkewOptions = {}): number {
  const maxDegrees = opts.maxDegrees ?? 10;
  const coarseStep = opts.coarseStep ?? 1;
  const fineStep = opts.fineStep ?? 0.1;
  const minGain = opts.minGain ?? 1.02;
  const p = inkPoints(img);
  if (p.xs.length < 2) return 0;
  const coarseBin = max(1, max(img.width, img.height) / (opts.coarseSide ?? 512));
  let best = 0;
  let bestScore = -1;
  for (let a = -maxDegrees; a <= maxDegrees + 1e-9; a += coarseStep) {
    const score = profileSharpness(p, a, coarseBin);
    if (score > bestScore) {
      bestScore = score;
      best = a;
    }
  }
  const lo = max(-maxDegrees, best - coarseStep);
  const hi = min(maxDegrees, best + coarseStep);
  const angles: number[] = [];
  const scores: number[] = [];
  for (let a = lo; a <= hi + 1e-9; a += fineStep) {
    angles.push(a);
    scores.push(profileSharpness(p, a, 1));
  }
  let k = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[k]) k = i;
  let angle = angles[k];
  if (k > 0 && k < scores.length - 1) {
    const denom = scores[k - 1] - 2 * scores[k] + scores[k + 1];
    if (denom < 0) angle += (0.5 * fineStep * (scores[k - 1] - scores[k + 1])) / denom;
  }
  const level = profileSharpness(p, 0, 1);
  return scores[k] >= minGain * level ? angle : 0;
}

/** Where a rotation puts things: the turned canvas's size and point maps both ways. */
export interface Rotation {
  degrees: number;
  /** The source image's size. */
  srcWidth: number;
  srcHeight: number;
  /** The turned canvas's size: large enough for the whole source when `expand`, else the source's. */
  width: number;
  height: number;
  /** Source pixel coordinates -> turned canvas coordinates (continuous; pixel centres at i + 0.5). */
  forward(x: number, y: number): [number, number];
  /** Turned canvas coordinates -> source coordinates. */
  inverse(x: number, y: number): [number, number];
}

/**
 * The rotation that turns a srcWidth x srcHeight image by `degrees` counter-clockwise as seen
 * (y down) about its centre; with `expand` (default) the canvas grows so no corner is cut off.
 */
export function rotation(srcWidth: number, srcHeight: number, degrees: number, expand = true): Rotation {
  const t = (degrees * PI) / 180;
  const c = cos(t);
  const s = sin(t);
  const width = expand ? max(1, ceil(abs(srcWidth * c) + abs(srcHeight * s) - 1e-6)) : srcWidth;
  const height = expand ? max(1, ceil(abs(srcWidth * s) + abs(srcHeight * c) - 1e-6)) : srcHeight;
  const scx = srcWidth / 2;
  const scy = srcHeight / 2;
  const dcx = width / 2;
  const dcy = height / 2;
  return {
    degrees, srcWidth, srcHeight, width, height,
    // Counter-clockwise on screen with y pointing down: (1, 0) goes to (cos, -sin).
    forward: (x, y) => [dcx + (x - scx) * c + (y - scy) * s, dcy - (x - scx) * s + (y - scy) * c],
    inverse: (x, y) => [scx + (x - dcx) * c - (y - dcy) * s, scy + (x - dcx) * s + (y - dcy) * c],
  };
}

/**
 * The image turned by `degrees` (see `rotation`), bilinear; pixels from outside the source get
 * `fill` (0: no ink, for ink images; 1 for white paper). Returns the image and its rotation.
 */
export function rotateImage(img: GrayImage, degrees: number, opts: { fill?: number; expand?: boolean } = {}): { image: FloatImage; rotation: Rotation } {
  const rot = rotation(img.width, img.height, degrees, opts.expand ?? true);
  const fill = opts.fill ?? 0;
  const { width: sw, height: sh, data } = img;
  const scale = data instanceof Uint8Array ? 1 / 255 : 1;
  const out = createImage(rot.width, rot.height, fill);
  const t = (degrees * PI) / 180;
  const c = cos(t);
  const s = sin(t);
  const [ox, oy] = rot.inverse(0.5, 0.5); // source position of output pixel (0, 0)'s centre
  for (let y = 0; y < rot.height; y++) {
    // Walk along the output row: the source position moves by (c, s) per pixel.
    let sx = ox - y * s - 0.5;
    let sy = oy + y * c - 0.5;
    for (let x = 0; x < rot.width; x++, sx += c, sy += s) {
      if (sx <= -1 || sy <= -1 || sx >= sw || sy >= sh) continue;
      const x0 = floor(sx);
      const y0 = floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let v = 0;
      for (let j = 0; j < 2; j++) {
        const yy = y0 + j;
        const wy = j === 0 ? 1 - fy : fy;
        for (let i = 0; i < 2; i++) {
          const xx = x0 + i;
          const w = (i === 0 ? 1 - fx : fx) * wy;
          v += w * (xx >= 0 && yy >= 0 && xx < sw && yy < sh ? data[yy * sw + xx] * scale : fill);
        }
      }
      out.data[y * rot.width + x] = v;
    }
  }
  return { image: out, rotation: rot };
}

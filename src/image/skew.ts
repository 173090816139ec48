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
import { FloatImage, GrayImage, PixelBox, createImage } from './gray';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { abs, ceil, cos, floor, max, min, PI, round, sin } = Math;

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
  /** A box holding all of the ink, when the caller knows it: the rest of the image is not scanned. Default the whole image. */
  inkBox?: PixelBox;
}

/** Ink pixels of a mask or ink image as coordinates and weights: the same list serves every angle tried. */
interface InkPoints {
  xs: Float32Array;
  ys: Float32Array;
  ws: Float32Array;
  width: number;
  height: number;
}

function inkPoints(img: GrayImage, box: PixelBox = { x: 0, y: 0, width: img.width, height: img.height }): InkPoints {
  const { width, height, data } = img;
  const [x0, y0, x1, y1] = [max(0, box.x), max(0, box.y), min(width, box.x + box.width), min(height, box.y + box.height)];
  let n = 0;
  for (let y = y0; y < y1; y++) for (let i = y * width + x0; i < y * width + x1; i++) if (data[i] > 0) n++;
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  const ws = new Float32Array(n);
  let k = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
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
 * The points pooled along the rows into runs of `cell` columns: one point per run at its ink's
 * weighted centre, with its total weight. Rows stay exact (pooling across rows would give the
 * profile rows of its own at angle 0); a point moves at most cell / 2 along its row, which a turn of
 * a few degrees projects to a small part of a row. The coarse search sees several times fewer points.
 */
function pooledPoints(p: InkPoints, cell: number): InkPoints {
  const { xs, ys, ws, width, height } = p;
  const hx = width / 2;
  // The points come row by row, left to right: a run's points are consecutive.
  const ox = new Float32Array(xs.length);
  const oy = new Float32Array(xs.length);
  const ow = new Float32Array(xs.length);
  let n = 0;
  for (let i = 0; i < xs.length; ) {
    const y = ys[i];
    const c = floor((xs[i] + hx) / cell);
    let w = 0;
    let sx = 0;
    for (; i < xs.length && ys[i] === y && floor((xs[i] + hx) / cell) === c; i++) {
      w += ws[i];
      sx += ws[i] * xs[i];
    }
    if (!(w > 0)) continue;
    ox[n] = sx / w;
    oy[n] = y;
    ow[n++] = w;
  }
  return { xs: ox.subarray(0, n), ys: oy.subarray(0, n), ws: ow.subarray(0, n), width, height };
}

/**
 * Sharpness of the horizontal profile after turning the points back by `degrees`: the sum of
 * squared row sums, rows `bin` pixels tall. Each point is split between its two nearest rows
 * (linear splatting) so the score changes smoothly with the angle instead of jumping as single
 * pixels cross row boundaries. `rows` is scratch, at least `profileRows(p, bin)` long.
 */
function profileSharpness(p: InkPoints, degrees: number, bin: number, rows: Float64Array): number {
  const t = (degrees * PI) / 180;
  const s = sin(t) / bin;
  const c = cos(t) / bin;
  const half = (p.width + p.height) / (2 * bin) + 2;
  const size = profileRows(p, bin);
  rows.fill(0, 0, size);
  const { xs, ys, ws } = p;
  for (let i = 0; i < xs.length; i++) {
    // Row coordinate after deskewing: constant along a row of text that rises at `degrees`.
    // It is at least 2 (see `half`), so truncation is the floor.
    const r = xs[i] * s + ys[i] * c + half;
    const r0 = r | 0;
    const f = r - r0;
    rows[r0] += ws[i] * (1 - f);
    rows[r0 + 1] += ws[i] * f;
  }
  let sum = 0;
  for (let i = 0; i < size; i++) sum += rows[i] * rows[i];
  return sum;
}

/** How many profile rows `profileSharpness` uses at this bin. */
function profileRows(p: InkPoints, bin: number): number {
  return ceil((p.width + p.height) / bin + 4) + 2;
}

/**
 * The skew of the writing in a mask or ink image (degrees, rows rising to the right positive):
 * the angle in -maxDegrees..maxDegrees whose horizontal profile is sharpest, searched coarsely
 * on wide rows (the ink pooled into squares as wide), then refined at full resolution on a grid
 * of `fineStep` by climbing from the coarse best to the nearest peak, with a parabola through
 * the best three. 0 when the image holds no ink or no angle beats level by `minGain`.
 */
export function estimateSkew(img: GrayImage, opts: SkewOptions = {}): number {
  const maxDegrees = opts.maxDegrees ?? 10;
  const coarseStep = opts.coarseStep ?? 1;
  const fineStep = opts.fineStep ?? 0.1;
  const minGain = opts.minGain ?? 1.02;
  const p = inkPoints(img, opts.inkBox);
  if (p.xs.length < 2) return 0;
  const coarseBin = max(1, max(img.width, img.height) / (opts.coarseSide ?? 512));
  const rows = new Float64Array(profileRows(p, 1));
  // Runs of 4 columns: at 10 degrees a point moves by at most 0.35 px across the rows.
  const coarse = pooledPoints(p, 4);
  let best = 0;
  let bestScore = -1;
  const coarseScores: number[] = [];
  for (let a = -maxDegrees; a <= maxDegrees + 1e-9; a += coarseStep) {
    const score = profileSharpness(coarse, a, coarseBin, rows);
    coarseScores.push(score);
    if (score > bestScore) {
      bestScore = score;
      best = a;
    }
  }
  // The climb starts where a parabola through the coarse best and its neighbours peaks: fewer steps.
  const b = coarseScores.indexOf(bestScore);
  let guess = best;
  if (b > 0 && b < coarseScores.length - 1) {
    const denom = coarseScores[b - 1] - 2 * bestScore + coarseScores[b + 1];
    if (denom < 0) guess += max(-0.5, min(0.5, (0.5 * (coarseScores[b - 1] - coarseScores[b + 1])) / denom)) * coarseStep;
  }
  const lo = max(-maxDegrees, best - coarseStep);
  const hi = min(maxDegrees, best + coarseStep);
  const angles: number[] = [];
  for (let a = lo; a <= hi + 1e-9; a += fineStep) angles.push(a);
  const scores = new Float64Array(angles.length).fill(NaN);
  const score = (i: number): number => {
    if (i < 0 || i >= angles.length) return -Infinity;
    if (Number.isNaN(scores[i])) scores[i] = profileSharpness(p, angles[i], 1, rows);
    return scores[i];
  };
  // Near its peak the sharpness rises and falls once (a line's rows blur over an angle of about
  // body / length, wider than the step), so a climb finds the window's best in a few steps.
  let k = min(angles.length - 1, max(0, round((guess - lo) / fineStep)));
  for (;;) {
    const here = score(k);
    const left = score(k - 1);
    const right = score(k + 1);
    if (left >= here && left >= right) k--;
    else if (right > here) k++;
    else break;
  }
  let angle = angles[k];
  if (k > 0 && k < angles.length - 1) {
    const denom = scores[k - 1] - 2 * scores[k] + scores[k + 1];
    if (denom < 0) angle += (0.5 * fineStep * (scores[k - 1] - scores[k + 1])) / denom;
  }
  const level = profileSharpness(p, 0, 1, rows);
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

/** Options of `rotateImage`. */
export interface RotateOptions {
  /** Value of pixels from outside the source: 0 (no ink) for ink images, 1 for white paper. Default 0. */
  fill?: number;
  /** Grow the canvas so no corner is cut off. Default true. */
  expand?: boolean;
  /**
   * A box of the source: only output pixels whose source position lies within a pixel of it are
   * computed, the others get `fill` too (turning a line's ink, the paper around it need not be).
   */
  window?: PixelBox;
  /** With `window`: return only the part of the turned canvas the window can reach (`box`), not the whole canvas. */
  crop?: boolean;
}

/**
 * The image turned by `degrees` (see `rotation`), bilinear. Returns the image, its rotation, and
 * where the image lies on the turned canvas (`box`: the whole canvas unless `crop`).
 */
export function rotateImage(
  img: GrayImage, degrees: number, opts: RotateOptions = {},
): { image: FloatImage; rotation: Rotation; box: PixelBox } {
  const rot = rotation(img.width, img.height, degrees, opts.expand ?? true);
  const fill = opts.fill ?? 0;
  const { width: sw, height: sh, data } = img;
  const scale = data instanceof Uint8Array ? 1 / 255 : 1;
  const box = opts.window && opts.crop ? reach(rot, opts.window) : { x: 0, y: 0, width: rot.width, height: rot.height };
  const out = createImage(box.width, box.height, fill);
  const o = out.data;
  const t = (degrees * PI) / 180;
  const c = cos(t);
  const s = sin(t);
  // Source positions computed: those strictly inside (-1, sw) x (-1, sh), within the window.
  const win = opts.window;
  const xlo = win ? max(-1, win.x - 1) : -1;
  const ylo = win ? max(-1, win.y - 1) : -1;
  const xhi = win ? min(sw, win.x + win.width) : sw;
  const yhi = win ? min(sh, win.y + win.height) : sh;
  const [ox, oy] = rot.inverse(0.5, 0.5); // source position of canvas pixel (0, 0)'s centre
  for (let y = box.y; y < box.y + box.height; y++) {
    // Walk along the canvas row: the source position moves by (c, s) per pixel.
    const sx0 = ox - y * s - 0.5;
    const sy0 = oy + y * c - 0.5;
    // The columns whose source position can lie in the box (a pixel of slack either side for rounding).
    const [a, b] = span(sx0, c, xlo, xhi, span(sy0, s, ylo, yhi, [box.x, box.x + box.width - 1]));
    const row = (y - box.y) * box.width - box.x;
    let sx = sx0 + a * c;
    let sy = sy0 + a * s;
    for (let x = a; x <= b; x++, sx += c, sy += s) {
      if (sx <= xlo || sy <= ylo || sx >= xhi || sy >= yhi) continue;
      const x0 = floor(sx);
      const y0 = floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const q = y0 * sw + x0;
      let v: number;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < sw && y0 + 1 < sh) {
        v = 0 + w00 * (data[q] * scale) + w01 * (data[q + 1] * scale) + w10 * (data[q + sw] * scale) + w11 * (data[q + sw + 1] * scale);
      } else {
        const in0 = y0 >= 0;
        const in1 = y0 + 1 < sh;
        const inL = x0 >= 0;
        const inR = x0 + 1 < sw;
        v = 0 + w00 * (in0 && inL ? data[q] * scale : fill) + w01 * (in0 && inR ? data[q + 1] * scale : fill) +
          w10 * (in1 && inL ? data[q + sw] * scale : fill) + w11 * (in1 && inR ? data[q + sw + 1] * scale : fill);
      }
      o[row + x] = v;
    }
  }
  return { image: out, rotation: rot, box };
}

/** The canvas pixels whose source position can lie within a pixel of `window` (the turned window's bounding box, plus a pixel). */
function reach(rot: Rotation, window: PixelBox): PixelBox {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [sx, sy] of [[window.x - 1, window.y - 1], [window.x + window.width + 1, window.y - 1], [window.x - 1, window.y + window.height + 1], [window.x + window.width + 1, window.y + window.height + 1]]) {
    const [x, y] = rot.forward(sx, sy);
    x0 = min(x0, x);
    y0 = min(y0, y);
    x1 = max(x1, x);
    y1 = max(y1, y);
  }
  const bx = max(0, floor(x0) - 1);
  const by = max(0, floor(y0) - 1);
  const bw = min(rot.width, ceil(x1) + 1) - bx;
  const bh = min(rot.height, ceil(y1) + 1) - by;
  return bw > 0 && bh > 0 ? { x: bx, y: by, width: bw, height: bh } : { x: 0, y: 0, width: 1, height: 1 };
}

/**
 * The part of the column range [a, b] where start + x * step may lie strictly between lo and hi
 * (widened by one column either way; the caller checks each position).
 */
function span(start: number, step: number, lo: number, hi: number, [a, b]: [number, number]): [number, number] {
  if (step === 0) return start > lo && start < hi ? [a, b] : [1, 0];
  const u = (lo - start) / step;
  const v = (hi - start) / step;
  return [max(a, floor(min(u, v)) - 1), min(b, ceil(max(u, v)) + 1)];
}

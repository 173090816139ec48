/**
 * Straightening lines that drift: each line of a page, written without ruled lines, runs at its own
 * small angle, so after the page's one deskew its ends can reach the rows of the next line. A
 * column warp moves each column's pixels up or down, by an amount that varies down the column, so
 * every line's course (`Track`) becomes a row: between two lines' courses the shift is
 * interpolated, above the first and below the last it is the first's and the last's. Pure
 * TypeScript (the web app bundles it), used by page layout (page.ts).
 */
import { FloatImage, createImage } from './gray';
import { Mask } from './threshold';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { abs, ceil, floor, max, min, round } = Math;

/** A line's course: y = y0 + slope * (x - x0) from column `left` to `right`, level beyond them. */
export interface Track {
  x0: number;
  y0: number;
  slope: number;
  left: number;
  right: number;
}

/** Where a track runs at column x (level beyond its ends: a line is not extended past its ink). */
export function trackRow(t: Track, x: number): number {
  return t.y0 + t.slope * (min(t.right, max(t.left, x)) - t.x0);
}

/**
 * The straightened canvas: for each of its pixels the (continuous) row of the source image in the
 * same column. Each track lies along the row `y0 + pad` (`pad` rows added above and below, so no
 * ink is shifted off the canvas).
 */
export interface ColumnWarp {
  width: number;
  height: number;
  pad: number;
  srcRow: Float32Array;
}

/**
 * The warp that lays `tracks` (any order) along rows, on a source of width x height; undefined when
 * two tracks cross or touch in some column, or would lie along the same row (they could not both be
 * rows).
 */
export function straighteningWarp(tracks: Track[], width: number, height: number): ColumnWarp | undefined {
  const sorted = [...tracks].sort((a, b) => a.y0 - b.y0);
  for (let k = 1; k < sorted.length; k++) if (sorted[k].y0 - sorted[k - 1].y0 < 1) return undefined;
  let reach = 0;
  for (const t of sorted) for (const x of [0, width - 1]) reach = max(reach, abs(trackRow(t, x) - t.y0));
  const pad = ceil(reach);
  const H = height + 2 * pad;
  const srcRow = new Float32Array(width * H);
  const K = sorted.length;
  const src = new Float64Array(K);
  for (let x = 0; x < width; x++) {
    for (let k = 0; k < K; k++) {
      src[k] = trackRow(sorted[k], x);
      if (k > 0 && src[k] - src[k - 1] < 1) return undefined;
    }
    let k = 0;
    for (let y = 0; y < H; y++) {
      const row = y - pad; // the straightened row, in source coordinates before the shift
      while (k < K && sorted[k].y0 <= row) k++;
      // Tracks k-1 (above or at) and k (below) bound this row.
      let shift: number;
      if (K === 0) shift = 0;
      else if (k === 0) shift = src[0] - sorted[0].y0;
      else if (k === K) shift = src[K - 1] - sorted[K - 1].y0;
      else {
        const [a, b] = [sorted[k - 1], sorted[k]];
        const f = (row - a.y0) / (b.y0 - a.y0);
        shift = (1 - f) * (src[k - 1] - a.y0) + f * (src[k] - b.y0);
      }
      srcRow[y * width + x] = row + shift;
    }
  }
  return { width, height: H, pad, srcRow };
}

/** The image under the warp, linear between source rows; `fill` outside the source. */
export function warpImage(img: FloatImage, warp: ColumnWarp, fill = 0): FloatImage {
  const out = createImage(warp.width, warp.height);
  const { width: W, height: H, data } = img;
  for (let p = 0; p < out.data.length; p++) {
    const x = p % W;
    const y = warp.srcRow[p];
    const y0 = floor(y);
    const f = y - y0;
    const a = y0 >= 0 && y0 < H ? data[y0 * W + x] : fill;
    const b = y0 + 1 >= 0 && y0 + 1 < H ? data[(y0 + 1) * W + x] : fill;
    out.data[p] = (1 - f) * a + f * b;
  }
  return out;
}

/** The mask under the warp, each pixel from the nearest source row. */
export function warpMask(mask: Mask, warp: ColumnWarp): Mask {
  const { width: W, height: H, data } = mask;
  const out = new Uint8Array(warp.width * warp.height);
  for (let p = 0; p < out.length; p++) {
    const y = round(warp.srcRow[p]);
    if (y >= 0 && y < H) out[p] = data[y * W + (p % W)];
  }
  return { width: warp.width, height: warp.height, data: out };
}

/**
 * Specks: which ink regions of a thresholded image are noise (paper grain, sensor noise, dust) and
 * which are writing, down to a full stop. The rule is scale-aware: a region is a speck when it is
 * smaller than a dot of this pen could be, under `dotShare` of the square of the writing's stroke
 * width (measured on the mask itself), or under `minArea` pixels whatever the pen. A rule relative
 * to the largest region (threshold.ts `removeSpecks`) erases the full stops, commas, apostrophes
 * and i-dots of a joined hand, where one word is one region hundreds of times a dot's size; a
 * pen's dot does not shrink when the words around it are joined. Pure TypeScript, shared by the
 * line recipe (line.ts).
 */
import { Mask, connectedComponents } from './threshold';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { max, PI } = Math;

/** Options of the speck rule; every field has a default. */
export interface SpeckOptions {
  /** Regions smaller than this many pixels are specks whatever the pen. Default 3: single pixels and pairs. */
  minArea?: number;
  /**
   * Regions smaller than this share of the stroke width squared are specks. A round dot as wide
   * as the pen covers pi / 4 = 0.79 of it. Default 0.25.
   */
  dotShare?: number;
  /** The stroke width, pixels, when it is known already (a mask after ruled lines were taken out); else it is measured. */
  strokeWidth?: number;
  /** Also specks: regions smaller than this share of the largest region (the older, relative rule). Default 0: off. */
  minFraction?: number;
}

/** The regions of a mask and which of them are writing. */
export interface SpeckRegions {
  /** Region per pixel (see `connectedComponents`). */
  labels: Int32Array;
  /** Pixels per region, areas[0] = 0. */
  areas: number[];
  /** keep[id] = 1 for writing, 0 for a speck (keep[0] = 0). */
  keep: Uint8Array;
  /** The stroke width used, pixels. */
  strokeWidth: number;
  /** The smallest area kept, pixels. */
  minArea: number;
}

/** Regions at least this share of the largest make the stroke-width estimate: letters and words, not noise. */
const WIDTH_REGION_SHARE = 0.02;

/**
 * The writing's stroke width, pixels, from its regions' areas and 4-connected perimeters (`edges`
 * from `connectedComponents(mask, { edges: true })`): a stroke of width w and length L has area
 * wL and a perimeter of about 2L, so w = 2 area / perimeter. A pixel outline's perimeter overstates
 * a slanted edge's length (by 4 / pi on average over directions), hence the factor. Pooled over the
 * regions at least 2% of the largest, so specks of noise (all edge, no inside) do not pull it down.
 * 0 when there is no ink.
 */
export function strokeWidthOf(areas: ArrayLike<number>, edges: ArrayLike<number>): number {
  let largest = 0;
  for (let id = 1; id < areas.length; id++) largest = max(largest, areas[id]);
  let a = 0;
  let e = 0;
  for (let id = 1; id < areas.length; id++) {
    if (areas[id] < WIDTH_REGION_SHARE * largest) continue;
    a += areas[id];
    e += edges[id];
  }
  return e > 0 ? ((4 / PI) * 2 * a) / e : 0;
}

/** The stroke width of the writing in a mask (see `strokeWidthOf`). */
export function estimateStrokeWidth(mask: Mask): number {
  const { areas, edges } = connectedComponents(mask, { edges: true });
  return strokeWidthOf(areas, edges as number[]);
}

/** The regions of a mask and which are specks (see the module comment). */
export function findSpecks(mask: Mask, opts: SpeckOptions = {}): SpeckRegions {
  const measure = opts.strokeWidth === undefined;
  const { labels, areas, edges } = connectedComponents(mask, { edges: measure });
  const strokeWidth = measure ? strokeWidthOf(areas, edges as number[]) : (opts.strokeWidth as number);
  let largest = 0;
  for (const a of areas) largest = max(largest, a);
  const minArea = max(opts.minArea ?? 3, (opts.dotShare ?? 0.25) * strokeWidth * strokeWidth, (opts.minFraction ?? 0) * largest);
  const keep = new Uint8Array(areas.length);
  for (let id = 1; id < areas.length; id++) keep[id] = areas[id] >= minArea ? 1 : 0;
  return { labels, areas, keep, strokeWidth, minArea };
}

/** The mask without its specks, and the stroke width and smallest area the rule used. */
export function dropSpecks(mask: Mask, opts: SpeckOptions = {}): { mask: Mask; strokeWidth: number; minArea: number } {
  const { labels, keep, strokeWidth, minArea } = findSpecks(mask, opts);
  const data = new Uint8Array(labels.length);
  for (let i = 0; i < data.length; i++) if (mask.data[i]) data[i] = keep[labels[i]];
  return { mask: { width: mask.width, height: mask.height, data }, strokeWidth, minArea };
}

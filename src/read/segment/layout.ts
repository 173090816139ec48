/**
 * Splitting a line image into candidate characters, without any model: ink components, components
 * merged when they share columns (broken strokes, the dot of an i), wide blobs cut at the valleys
 * of their column ink profile (touching or overlapping letters), and words split at gaps wider than
 * a share of the character height. The result is over-segmented on purpose: `atoms` are the
 * smallest pieces, and `candidates` every run of up to `maxAtoms` neighbouring atoms that could be one
 * character; the reader (read.ts) lets the character model choose among them.
 */
import { connectedComponents } from '../../image/threshold';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { max, min, round } = Math;

/** A line image: white ink on black, uint8 [height, width] row-major. */
export interface SegmentLineImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/** Options of `segmentLine`. Sizes marked (h) are multiples of the line's character height. */
export interface SegmentOptions {
  /** Pixels above this (0..255) are ink. Default: 0.3 x the line's 99th-percentile ink value, at least 16. */
  inkLevel?: number;
  /** A gap wider than this (h) between neighbouring ink is a space. Default 0.4. */
  spaceGap?: number;
  /** Widest run of atoms still tried as one character (h). Default 1.4. */
  maxCharWidth?: number;
  /** Most atoms one character may be made of. Default 3. */
  maxAtoms?: number;
  /** Narrowest piece a cut may leave (h). Default 0.6: finer cuts give the model more fragments to misread than they save. */
  minPieceWidth?: number;
  /** Components sharing at least this share of the narrower one's columns are one blob. Default 0.5. */
  mergeOverlap?: number;
  /** Blobs narrower than this (h) are never cut. Default 0.5. */
  minCutWidth?: number;
  /** A valley is the lowest column within this many pixels (h) on either side. Default 0.1. */
  valleyRadius?: number;
  /** A valley of the column profile is a cut when at most this many ink pixels (h) cross it. Default 0.35. */
  cutMaxInk?: number;
}

/** Columns [x0, x1) of one ink component. */
export interface Piece {
  component: number;
  x0: number;
  x1: number;
}

/** The smallest unit of segmentation: a blob, or a slice of one between two cuts. */
export interface Atom {
  pieces: Piece[];
  /** Ink columns [x0, x1). */
  x0: number;
  x1: number;
  /** Ink pixels the cut at this atom's left edge goes through; 0 when the atom starts a blob. */
  cutInk: number;
}

/** A run of neighbouring atoms [start, end) of one word that may be one character. */
export interface Candidate {
  word: number;
  start: number;
  end: number;
  x0: number;
  x1: number;
}

/** A segmented line: components, atoms grouped into words, and the candidate characters. */
export interface LineLayout {
  width: number;
  height: number;
  /** Component of each pixel [height * width] (0 = none), the antialiased rim included. */
  owner: Int32Array;
  /** Bounding rows of each component [y0, y1), by component id. */
  rows: Array<[number, number]>;
  /** Estimated character height in pixels (median blob height). */
  charHeight: number;
  /** Atoms of each word, left to right. */
  words: Atom[][];
  candidates: Candidate[];
  inkLevel: number;
}

interface Component {
  id: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  area: number;
}

interface Blob {
  comps: Component[];
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  area: number;
}

const DEFAULTS: Required<Omit<SegmentOptions, 'inkLevel'>> = {
  spaceGap: 0.4,
  maxCharWidth: 1.4,
  maxAtoms: 3,
  minPieceWidth: 0.6,
  mergeOverlap: 0.5,
  minCutWidth: 0.5,
  cutMaxInk: 0.35,
  valleyRadius: 0.1,
};

/** The ink threshold of a line: 0.3 x its 99th-percentile non-zero value, at least 16; 256 when the line is black. */
export function lineInkLevel(pixels: Uint8Array): number {
  const hist = new Uint32Array(256);
  let n = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    if (v > 0) {
      hist[v]++;
      n++;
    }
  }
  if (n === 0) return 256;
  let acc = 0;
  let q = 255;
  for (let v = 1; v < 256; v++) {
    acc += hist[v];
    if (acc >= 0.99 * n) {
      q = v;
      break;
    }
  }
  return max(16, round(0.3 * q));
}

/** Splits a line image into atoms, words and candidate characters (see the module comment). */
export function segmentLine(line: SegmentLineImage, opts: SegmentOptions = {}): LineLayout {
  const o = { ...DEFAULTS, ...definedOnly(opts) };
  const { width, height, pixels } = line;
  if (pixels.length !== width * height) {
    throw new Error(`segmentLine: ${pixels.length} pixels is not ${height}x${width}; pass the line's width`);
  }
  const inkLevel = opts.inkLevel ?? lineInkLevel(pixels);
  const mask = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) mask[i] = pixels[i] > inkLevel ? 1 : 0;
  const { labels, areas } = connectedComponents({ width, height, data: mask });
  const comps = componentBoxes(labels, areas, width, height);
  const empty: LineLayout = { width, height, owner: labels, rows: [], charHeight: 0, words: [], candidates: [], inkLevel };
  if (comps.length === 0) return empty;

  // Specks: far smaller than the largest component (paper grain, a stray pixel at a glyph edge).
  const largest = max(...comps.map((c) => c.area));
  const kept = comps.filter((c) => c.area >= max(3, 0.02 * largest));
  const blobs = mergeOverlapping(kept, o.mergeOverlap);
  const charHeight = estimateCharHeight(blobs);
  const owner = attachRim(labels, pixels, width, height, new Set(kept.map((c) => c.id)));
  const rows: Array<[number, number]> = [];
  for (const c of comps) rows[c.id] = [max(0, c.y0 - RIM), min(height, c.y1 + RIM)]; // the rim adds up to RIM rows

  const atoms: Atom[] = [];
  for (const b of blobs) atoms.push(...cutBlob(b, owner, width, charHeight, o));
  atoms.sort((a, b) => a.x0 - b.x0);

  const words: Atom[][] = [];
  let right = -Infinity;
  for (const a of atoms) {
    if (words.length === 0 || a.x0 - right > o.spaceGap * charHeight) words.push([]);
    words[words.length - 1].push(a);
    right = max(right, a.x1);
  }

  const candidates: Candidate[] = [];
  words.forEach((ws, w) => {
    for (let s = 0; s < ws.length; s++) {
      let x0 = Infinity;
      let x1 = -Infinity;
      for (let e = s + 1; e <= min(ws.length, s + o.maxAtoms); e++) {
        x0 = min(x0, ws[e - 1].x0);
        x1 = max(x1, ws[e - 1].x1);
        if (e - s > 1 && x1 - x0 > o.maxCharWidth * charHeight) break;
        candidates.push({ word: w, start: s, end: e, x0, x1 });
      }
    }
  });
  return { width, height, owner, rows, charHeight, words, candidates, inkLevel };
}

function definedOnly<T extends object>(opts: T): Partial<T> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Bounding box and area of every component (index = component id - 1). */
function componentBoxes(labels: Int32Array, areas: number[], width: number, height: number): Component[] {
  const comps: Component[] = [];
  for (let id = 1; id < areas.length; id++) comps.push({ id, x0: width, x1: 0, y0: height, y1: 0, area: areas[id] });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const id = labels[y * width + x];
      if (id === 0) continue;
      const c = comps[id - 1];
      if (x < c.x0) c.x0 = x;
      if (x >= c.x1) c.x1 = x + 1;
      if (y < c.y0) c.y0 = y;
      if (y >= c.y1) c.y1 = y + 1;
    }
  }
  return comps;
}

/**
 * Components that share columns are one blob when the shared columns are at least `share` of the
 * narrower one (a detached stroke or dot above its letter); neighbouring letters that merely
 * overlap a little (slanted writing) stay apart.
 */
function mergeOverlapping(comps: Component[], share: number): Blob[] {
  const sorted = [...comps].sort((a, b) => a.x0 - b.x0);
  const blobs: Blob[] = [];
  for (const c of sorted) {
    let target: Blob | undefined;
    for (const b of blobs) {
      // Compare with each member: the blob as a whole may be much wider than the letter it holds.
      if (b.comps.some((m) => min(m.x1, c.x1) - max(m.x0, c.x0) >= share * min(m.x1 - m.x0, c.x1 - c.x0))) {
        target = b;
        break;
      }
    }
    if (!target) {
      blobs.push({ comps: [c], x0: c.x0, x1: c.x1, y0: c.y0, y1: c.y1, area: c.area });
      continue;
    }
    target.comps.push(c);
    target.x0 = min(target.x0, c.x0);
    target.x1 = max(target.x1, c.x1);
    target.y0 = min(target.y0, c.y0);
    target.y1 = max(target.y1, c.y1);
    target.area += c.area;
  }
  return blobs;
}

/** The median height of the blobs at least half as tall as the tallest (so dots and dashes do not count). */
function estimateCharHeight(blobs: Blob[]): number {
  const tallest = max(...blobs.map((b) => b.y1 - b.y0));
  const heights = blobs.map((b) => b.y1 - b.y0).filter((h) => h >= 0.5 * tallest).sort((a, b) => a - b);
  return heights[(heights.length - 1) >> 1];
}

/**
 * Gives the faint antialiased rim (non-zero pixels below the ink level) to the kept component it
 * touches, two pixels deep, so a character keeps its soft edges when it is cut out; specks are dropped.
 */
function attachRim(labels: Int32Array, pixels: Uint8Array, width: number, height: number, kept: Set<number>): Int32Array {
  let owner = Int32Array.from(labels, (id) => (id !== 0 && kept.has(id) ? id : 0));
  for (let pass = 0; pass < RIM; pass++) {
    const next = owner.slice();
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        if (owner[p] !== 0 || pixels[p] === 0) continue;
        for (let k = 0; k < 8 && next[p] === 0; k++) {
          const xx = x + NX[k];
          const yy = y + NY[k];
          if (xx >= 0 && yy >= 0 && xx < width && yy < height) next[p] = owner[yy * width + xx];
        }
      }
    }
    owner = next;
  }
  return owner;
}
const RIM = 2; // pixels of soft edge kept around the thresholded ink
const NX = [-1, 1, 0, 0, -1, 1, -1, 1];
const NY = [0, 0, -1, 1, -1, -1, 1, 1];

/**
 * A blob as atoms: itself, or the slices between the valleys of its column ink profile (ink pixels
 * of the blob per column). A valley is a cut when few pixels cross it (`cutMaxInk`); a blob too wide
 * for one character also takes its deepest valleys until its slices fit or none is left.
 */
function cutBlob(b: Blob, owner: Int32Array, width: number, h: number, o: Required<Omit<SegmentOptions, 'inkLevel'>>): Atom[] {
  // Pieces reach RIM columns past the mask's ink, where attachRim put the soft edge.
  const lo = (x: number) => max(0, x - RIM);
  const hi = (x: number) => min(width, x + RIM);
  const whole: Atom = { pieces: b.comps.map((c) => ({ component: c.id, x0: lo(c.x0), x1: hi(c.x1) })), x0: b.x0, x1: b.x1, cutInk: 0 };
  const w = b.x1 - b.x0;
  if (w < o.minCutWidth * h) return [whole];
  const ids = new Set(b.comps.map((c) => c.id));
  const profile = new Float64Array(w);
  for (let y = b.y0; y < b.y1; y++) {
    for (let x = b.x0; x < b.x1; x++) if (ids.has(owner[y * width + x])) profile[x - b.x0]++;
  }
  const minPiece = max(2, round(o.minPieceWidth * h));
  const radius = max(1, round(o.valleyRadius * h));
  const valleys: number[] = [];
  for (let c = minPiece; c <= w - minPiece; c++) {
    let isMin = true;
    for (let d = -radius; d <= radius && isMin; d++) {
      const k = c + d;
      if (k < 0 || k >= w || d === 0) continue;
      // Strictly lower than the left side, not higher than the right: one cut per flat valley floor.
      if (d < 0 ? profile[k] <= profile[c] : profile[k] < profile[c]) isMin = false;
    }
    if (isMin) valleys.push(c);
  }
  valleys.sort((a, b2) => profile[a] - profile[b2]);
  const cuts: number[] = [];
  const fits = (c: number) => cuts.every((k) => Math.abs(k - c) >= minPiece);
  for (const c of valleys) if (profile[c] <= o.cutMaxInk * h && fits(c)) cuts.push(c);
  const widest = () => {
    const edges = [0, ...[...cuts].sort((a, b2) => a - b2), w];
    let best = 0;
    for (let i = 1; i < edges.length; i++) best = max(best, edges[i] - edges[i - 1]);
    return best;
  };
  for (const c of valleys) {
    if (widest() <= o.maxCharWidth * h) break;
    if (!cuts.includes(c) && fits(c)) cuts.push(c);
  }
  if (cuts.length === 0) return [whole];
  cuts.sort((a, b2) => a - b2);
  const edges = [b.x0, ...cuts.map((c) => b.x0 + c), b.x1];
  const atoms: Atom[] = [];
  for (let i = 1; i < edges.length; i++) {
    const x0 = edges[i - 1];
    const x1 = edges[i];
    const pieces = b.comps
      .filter((c) => c.x0 < x1 && c.x1 > x0)
      .map((c) => ({ component: c.id, x0: i === 1 ? lo(c.x0) : max(x0, c.x0), x1: i === edges.length - 1 ? hi(c.x1) : min(x1, c.x1) }));
    if (pieces.length > 0) atoms.push({ pieces, x0, x1, cutInk: i === 1 ? 0 : profile[x0 - b.x0] });
  }
  return atoms;
}

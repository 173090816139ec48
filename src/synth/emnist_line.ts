/**
 * Lines written with real EMNIST letters, placed the way a person writes them. EMNIST normalised
 * every character to one 28x28 box (an `a` as tall as an `A`, a `g` centred), so pasting its cells
 * side by side looks like no real writing and makes case unlearnable (c/C, o/O, s/S... look alike at
 * one size). Here each glyph is cropped to its ink and sized by its class's zone (src/synth/charset.ts
 * `charZone`): body letters at x-height on the baseline, ascenders above, descenders hanging below,
 * capitals and digits at cap height; punctuation, which EMNIST lacks, is drawn as pen strokes.
 *
 * One writer per line: body height, cap / ascender / descender proportions, slant, letter and word
 * spacing, pen width, baseline drift are drawn from the line's rng; each glyph then gets a little
 * size, aspect, position and rotation jitter. EMNIST's strokes come in one width relative to the
 * box, so after sizing, capitals would be drawn with a thicker pen than lower case: each glyph's ink
 * is grown or shrunk towards the line's pen width (`strokeMatch`).
 *
 * Two departures from a plain zone table, both from looking at the lines: 'i', 'j' and 't' reach only
 * part of the way from the body line to the ascender line (`ASCENDER_REACH`), as they do in real
 * writing; and about three quarters of EMNIST's 'i' and half its 'j' images have no dot (lost in
 * NIST's segmentation), so those stems are sized as dotless letters and get a pen dot above them.
 *
 * No leakage, as in src/synth/lines.ts: 'test' lines draw only from a test-split Dataset; 'train' and
 * 'val' from disjoint parts of a train-split Dataset (every `valImageEvery`-th image is val's only).
 *
 * Coordinates are continuous: pixel (col, row) covers [col, col + 1) x [row, row + 1), so a body
 * letter's ink spans rows baseline - bodyHeight .. baseline of the returned `InkLine`.
 */
import { Dataset } from '../data/dataset';
import { Rng } from '../util/rng';
import { InkLine, createInkLine } from './ink';
import { LINE_CHARSET, charZone } from './charset';

/** Which lines: 'train' and 'val' draw from disjoint images of a train Dataset, 'test' from a test Dataset. */
export type EmnistLineSplit = 'train' | 'val' | 'test';

/** Options of `createEmnistGlyphs`. */
export interface EmnistGlyphOptions {
  split: EmnistLineSplit;
  /** Every n-th train image (index % n === n - 1) is held out for 'val' lines; 0 = val shares train's images. Default 10. */
  valImageEvery?: number;
  /** A pixel above this (0..255) counts as ink for the ink box; default 48 (leaves out EMNIST's faint blur halo). */
  inkThreshold?: number;
  /** A pixel at or above this counts as stroke core when estimating stroke width; default 128. */
  strokeThreshold?: number;
}

/** A Dataset's character images indexed by class, with their ink boxes and stroke widths. */
export interface EmnistGlyphs {
  readonly split: EmnistLineSplit;
  readonly chars: Dataset;
  /** Dataset indices this split draws from (non-blank images of line characters), ascending, [n]. */
  readonly pool: Int32Array;
  /** Dataset indices by character, only characters with at least one image. */
  readonly byChar: ReadonlyMap<string, Int32Array>;
  /** Ink box of each dataset index, [count * 4]: x0, y0, x1, y1 (exclusive); zeros outside the pool. */
  readonly boxes: Uint16Array;
  /** Stroke width estimate of each dataset index in source pixels (2 x core area / core perimeter), [count]; 0 outside the pool. */
  readonly strokeWidths: Float32Array;
  /**
   * For an 'i' or 'j' image without a dot (many EMNIST ones lost it): where its stem's top is, as a
   * fraction of the ink box width, [count]; NaN for dotted ones and every other image. The renderer
   * sizes such a stem as a dotless letter and puts a pen dot above it.
   */
  readonly undottedStemTop: Float32Array;
}

/** Indexes `chars` for one split; blank images and classes outside LINE_CHARSET are left out. */
export function createEmnistGlyphs(chars: Dataset, opts: EmnistGlyphOptions): EmnistGlyphs {
  const { split } = opts;
  const every = opts.valImageEvery ?? 10;
  const inkThreshold = opts.inkThreshold ?? 48;
  const strokeThreshold = opts.strokeThreshold ?? 128;
  if (!chars || !(chars.images instanceof Uint8Array)) throw new Error('createEmnistGlyphs: chars must be a Dataset (e.g. loadEmnistPart(...))');
  if (!['train', 'val', 'test'].includes(split)) throw new Error(`createEmnistGlyphs: split must be 'train', 'val' or 'test', got '${split}'`);
  if (!(Number.isInteger(every) && every >= 0 && every !== 1)) {
    throw new Error(`createEmnistGlyphs: valImageEvery must be 0 (no held-out images) or an integer >= 2, got ${every}`);
  }
  const want = split === 'test' ? 'test' : 'train';
  if (chars.split !== want) {
    throw new Error(
      `createEmnistGlyphs: '${split}' lines draw characters from the ${want} split only, but chars is ${chars.name} ${chars.split}; ` +
        `pass the ${want} part (e.g. loadEmnistPart('${want}', { split: 'emnist62' }))`,
    );
  }
  const { count, height: H, width: W, images, labels } = chars;
  const usable = chars.classes.map((c) => LINE_CHARSET.includes(c) && c !== ' ' && charZone(c) !== 'punct');
  const boxes = new Uint16Array(count * 4);
  const strokeWidths = new Float32Array(count);
  const undottedStemTop = new Float32Array(count).fill(NaN);
  const members = new Map<string, number[]>();
  const pool: number[] = [];
  for (let i = 0; i < count; i++) {
    const held = every > 0 && i % every === every - 1;
    if (!(split === 'test' || (split === 'val' ? held : !held))) continue;
    if (!usable[labels[i]]) continue;
    const base = i * H * W;
    let x0 = W;
    let y0 = H;
    let x1 = 0;
    let y1 = 0;
    let area = 0;
    let perimeter = 0;
    for (let y = 0; y < H; y++) {
      const row = base + y * W;
      for (let x = 0; x < W; x++) {
        const v = images[row + x];
        if (v > inkThreshold) {
          if (x < x0) x0 = x;
          if (x >= x1) x1 = x + 1;
          if (y < y0) y0 = y;
          if (y >= y1) y1 = y + 1;
        }
        // Core area and its boundary edges (outside the image counts as background).
        const on = v >= strokeThreshold;
        if (on) area++;
        if (on !== (x + 1 < W && images[row + x + 1] >= strokeThreshold)) perimeter++;
        if (on !== (y + 1 < H && images[row + W + x] >= strokeThreshold)) perimeter++;
        if (on && x === 0) perimeter++;
        if (on && y === 0) perimeter++;
      }
    }
    if (x1 <= x0) continue; // blank image
    boxes.set([x0, y0, x1, y1], i * 4);
    // A stroke of width w and length L has area wL and perimeter ~2L: w ~ 2 area / perimeter.
    strokeWidths[i] = area > 0 ? (2 * area) / perimeter : 1;
    pool.push(i);
    const c = chars.classes[labels[i]];
    if (c === 'i' || c === 'j') undottedStemTop[i] = stemTopIfUndotted(images, base, W, x0, y0, x1, y1, inkThreshold);
    let list = members.get(c);
    if (!list) members.set(c, (list = []));
    list.push(i);
  }
  const byChar = new Map<string, Int32Array>();
  for (const [c, list] of members) byChar.set(c, Int32Array.from(list));
  return { split, chars, pool: Int32Array.from(pool), byChar, boxes, strokeWidths, undottedStemTop };
}

/**
 * A dotted i or j has an empty row between its dot and its stem in the upper half of its ink box;
 * without one, the stem's top: the ink centroid of the box's top rows, as a fraction of the box width.
 * NaN when dotted.
 */
function stemTopIfUndotted(images: Uint8Array, base: number, W: number, x0: number, y0: number, x1: number, y1: number, threshold: number): number {
  const half = y0 + Math.ceil((y1 - y0) / 2);
  for (let y = y0 + 1; y < half; y++) {
    let empty = true;
    for (let x = x0; x < x1 && empty; x++) if (images[base + y * W + x] > threshold) empty = false;
    if (empty) return NaN;
  }
  const rows = Math.max(1, Math.round((y1 - y0) * 0.12));
  let sum = 0;
  let weight = 0;
  for (let y = y0; y < y0 + rows; y++) {
    for (let x = x0; x < x1; x++) {
      const v = images[base + y * W + x];
      sum += v * (x + 0.5 - x0);
      weight += v;
    }
  }
  return weight > 0 ? sum / weight / (x1 - x0) : 0.5;
}

/** Options of `renderEmnistLine`: ranges are [min, max], drawn uniformly once per line; lengths in body heights unless noted. */
export interface EmnistLineOptions {
  /** Body (x-) height, pixels; default [10, 30]. */
  bodyHeight?: [number, number];
  /** Cap height / body height; default [1.3, 1.6]. */
  capRatio?: [number, number];
  /** Ascender height / cap height; default [1.0, 1.1]. */
  ascenderRatio?: [number, number];
  /** Descender depth / body height; default [0.45, 0.75]. */
  descenderRatio?: [number, number];
  /** Slant in degrees (positive leans forward), drawn from `usualSlant` with probability `usualSlantShare`, else from `slant`. Defaults [-15, 15], [0, 8], 0.75. */
  slant?: [number, number];
  usualSlant?: [number, number];
  usualSlantShare?: number;
  /** Largest overlap of neighbouring glyphs of a word, fraction of the narrower one's width; default 0.15. */
  maxOverlap?: number;
  /** Largest gap between glyphs of a word; default 0.2. */
  maxGap?: number;
  /** Word spacing; default [0.5, 1.3]. */
  wordSpacing?: [number, number];
  /** The line's pen width / the median stroke width of its glyphs as sized; default [0.8, 1.3]. */
  strokeScale?: [number, number];
  /** How far each glyph's stroke moves to the line's pen width: 0 keeps EMNIST's, 1 matches; default 0.8. */
  strokeMatch?: number;
  /** Largest baseline drift amplitude (a slow wave); default 0.15. */
  baselineDrift?: number;
  /** Per-glyph size jitter (relative, +-); default 0.06. */
  sizeJitter?: number;
  /** Per-glyph squash / stretch of the width (relative, +-); default 0.1. */
  aspectJitter?: number;
  /** Per-glyph vertical jitter (+-); default 0.05. */
  verticalJitter?: number;
  /** Per-glyph rotation, degrees (+-); default 3. */
  rotationJitter?: number;
  /** Punctuation point jitter (+-); marks also vary in size by 3 x this (relative). Default 0.03. */
  punctuationJitter?: number;
  /** Least pen advance of a character (narrow marks are centred in it), so CTC has frames for each; default 0.3. */
  minAdvance?: number;
  /** Margin around the ink on each side; default 0.3. */
  margin?: number;
}

/** The writer drawn for one line, in pixels and degrees. */
export interface WriterStyle {
  bodyHeight: number;
  capHeight: number;
  ascenderHeight: number;
  descenderDepth: number;
  slantDegrees: number;
  /** 0 = glyphs overlap by maxOverlap, 1 = gaps of maxGap; each gap jitters around it. */
  spacing: number;
  wordSpace: number;
  strokeScale: number;
  driftAmplitude: number;
  driftWavelength: number;
  driftPhase: number;
}

/** One character as placed, before slant and drift, in the returned line's pixel coordinates. */
export interface PlacedCharacter {
  char: string;
  textIndex: number;
  /** Dataset index of the EMNIST image; -1 for punctuation. */
  index: number;
  /** Ink box (upright), pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An ink line with how it was drawn. */
export interface EmnistInkLine extends InkLine {
  style: WriterStyle;
  /** Pen width of the line (the glyphs' target stroke width and the punctuation's), pixels. */
  penWidth: number;
  placed: PlacedCharacter[];
}

const DEFAULTS: Required<EmnistLineOptions> = {
  bodyHeight: [10, 30],
  capRatio: [1.3, 1.6],
  ascenderRatio: [1.0, 1.1],
  descenderRatio: [0.45, 0.75],
  slant: [-15, 15],
  usualSlant: [0, 8],
  usualSlantShare: 0.75,
  maxOverlap: 0.15,
  maxGap: 0.2,
  wordSpacing: [0.5, 1.3],
  strokeScale: [0.8, 1.3],
  strokeMatch: 0.8,
  baselineDrift: 0.15,
  sizeJitter: 0.06,
  aspectJitter: 0.1,
  verticalJitter: 0.05,
  rotationJitter: 3,
  punctuationJitter: 0.03,
  minAdvance: 0.3,
  margin: 0.3,
};

function resolveOptions(opts: EmnistLineOptions): Required<EmnistLineOptions> {
  const o = { ...DEFAULTS };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  const range = (name: keyof EmnistLineOptions, lo: number) => {
    const r = o[name] as [number, number];
    if (!(Array.isArray(r) && r.length === 2 && r[0] >= lo && r[1] >= r[0])) {
      throw new Error(`renderEmnistLine: ${name} must be [min, max] with ${lo} <= min <= max, got ${JSON.stringify(r)}`);
    }
  };
  range('bodyHeight', 1);
  range('capRatio', 0.5);
  range('ascenderRatio', 0.5);
  range('descenderRatio', 0);
  range('slant', -60);
  range('usualSlant', -60);
  range('wordSpacing', 0);
  range('strokeScale', 0.1);
  for (const name of ['usualSlantShare', 'strokeMatch', 'maxOverlap', 'sizeJitter', 'aspectJitter'] as const) {
    if (!(o[name] >= 0 && o[name] <= 1)) throw new Error(`renderEmnistLine: ${name} must be in [0, 1], got ${o[name]}`);
  }
  for (const name of ['maxGap', 'baselineDrift', 'verticalJitter', 'rotationJitter', 'punctuationJitter', 'minAdvance', 'margin'] as const) {
    if (!(o[name] >= 0)) throw new Error(`renderEmnistLine: ${name} must be >= 0, got ${o[name]}`);
  }
  if (o.slant[1] > 60 || o.usualSlant[1] > 60) throw new Error('renderEmnistLine: slant must stay within [-60, 60] degrees');
  return o;
}

/** Draws one writer's style for a line. */
export function drawWriterStyle(rng: Rng, opts: EmnistLineOptions = {}): WriterStyle {
  const o = resolveOptions(opts);
  const u = (r: [number, number]) => rng.uniform(r[0], r[1]);
  const bodyHeight = u(o.bodyHeight);
  const capHeight = bodyHeight * u(o.capRatio);
  const ascenderHeight = capHeight * u(o.ascenderRatio);
  const descenderDepth = bodyHeight * u(o.descenderRatio);
  const slantDegrees = rng.next() < o.usualSlantShare ? u(o.usualSlant) : u(o.slant);
  const spacing = rng.uniform(0.2, 0.8);
  const wordSpace = bodyHeight * u(o.wordSpacing);
  const strokeScale = u(o.strokeScale);
  const driftAmplitude = bodyHeight * rng.uniform(0, o.baselineDrift);
  const driftWavelength = bodyHeight * rng.uniform(8, 25);
  const driftPhase = rng.uniform(0, 2 * Math.PI);
  return { bodyHeight, capHeight, ascenderHeight, descenderDepth, slantDegrees, spacing, wordSpace, strokeScale, driftAmplitude, driftWavelength, driftPhase };
}

/** A pen stroke: a polyline (one point = a dot) drawn with round caps and joins. */
export interface PenStroke {
  /** Points [x, y] in pixels (continuous coordinates: pixel (c, r) covers [c, c+1) x [r, r+1)). */
  points: ReadonlyArray<readonly [number, number]>;
  /** Pen diameter, pixels. */
  width: number;
}

/** Options of `drawStrokes`. */
export interface DrawStrokesOptions {
  /** Width of the soft edge, pixels (coverage ramps 1 -> 0 over it, 0.5 at the pen's edge); default 1. */
  softness?: number;
}

/**
 * Draws pen strokes into an ink image ([height * width] coverage 0..1, row-major), combining with
 * what is there by max: coverage of a pixel = how far its centre lies inside the pen's path.
 */
export function drawStrokes(ink: Float32Array, width: number, height: number, strokes: readonly PenStroke[], opts: DrawStrokesOptions = {}): void {
  const { floor, ceil, max, min, sqrt } = Math;
  const soft = max(1e-3, opts.softness ?? 1);
  if (ink.length !== width * height) throw new Error(`drawStrokes: ink has ${ink.length} values, not ${width} x ${height}`);
  for (const stroke of strokes) {
    const pts = stroke.points;
    if (pts.length === 0) continue;
    const r = stroke.width / 2;
    const reach = r + soft / 2;
    const segments = max(1, pts.length - 1);
    for (let s = 0; s < segments; s++) {
      const [ax, ay] = pts[s];
      const [bx, by] = pts[min(s + 1, pts.length - 1)];
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const c0 = max(0, floor(min(ax, bx) - reach));
      const c1 = min(width, ceil(max(ax, bx) + reach));
      const r0 = max(0, floor(min(ay, by) - reach));
      const r1 = min(height, ceil(max(ay, by) + reach));
      for (let row = r0; row < r1; row++) {
        const py = row + 0.5;
        for (let col = c0; col < c1; col++) {
          const px = col + 0.5;
          let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const ex = px - (ax + t * dx);
          const ey = py - (ay + t * dy);
          const d = sqrt(ex * ex + ey * ey);
          const v = (r - d) / soft + 0.5;
          if (v <= 0) continue;
          const k = row * width + col;
          const c = v >= 1 ? 1 : v;
          if (c > ink[k]) ink[k] = c;
        }
      }
    }
  }
}

/** Points of an elliptical arc (angles in degrees, y down: 270 is the top), for `drawStrokes`. */
export function arcPoints(cx: number, cy: number, rx: number, ry: number, fromDeg: number, toDeg: number, steps = 16): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i <= steps; i++) {
    const t = ((fromDeg + ((toDeg - fromDeg) * i) / steps) * Math.PI) / 180;
    out.push([cx + rx * Math.cos(t), cy + ry * Math.sin(t)]);
  }
  return out;
}

/**
 * How high 'i', 'j' and 't' reach between the body line (0) and the ascender line (1): a dotted i's
 * dot and a t's cross-stroke top sit well below an l's top in real writing.
 */
const ASCENDER_REACH: Readonly<Record<string, number>> = { i: 0.6, j: 0.6, t: 0.75 };

type Point = [number, number];

/**
 * A punctuation mark as pen strokes in body-height units, x from the mark's left, y from the
 * baseline (negative is up); `cap`, `asc`, `desc` are the writer's heights in the same units.
 */
function punctuationStrokes(c: string, cap: number, asc: number, desc: number, pen: number): Point[][] {
  const r = pen / 2;
  const dot = (x: number, y: number): Point[] => [[x, y], [x + 0.02, y - 0.02]];
  const comma = (x: number): Point[] => [[x + 0.1, -0.06 - r], [x + 0.11, 0.06], [x + 0.02, 0.28]];
  const tick = (x: number): Point[] => [[x + 0.06, -cap + r], [x, -cap + 0.35]];
  switch (c) {
    case '.':
      return [dot(r, -r)];
    case ',':
      return [comma(0)];
    case "'":
      return [tick(0)];
    case '"':
      return [tick(0), tick(0.2)];
    case '-':
      return [[[0, -0.45], [0.45, -0.5]]];
    case '?': {
      const R = 0.24;
      const cx = 0.05 + R;
      const cy = -cap + r + R;
      return [[...arcPoints(cx, cy, R, R, 195, 430, 12), [cx, -0.38]], dot(cx, -r)];
    }
    case '!':
      return [[[0.08, -cap + r], [0.02, -0.38]], dot(0.02, -r)];
    case ':':
      return [dot(r, -0.62), dot(r, -r)];
    case ';':
      return [dot(0.1, -0.62), comma(0)];
    case '(':
    case ')': {
      const top = -asc + r;
      const bottom = desc - r;
      const ry = (bottom - top) / 2;
      const cy = (top + bottom) / 2;
      // An arc of a wide ellipse through the ascender and descender lines, bulging outwards.
      return c === '(' ? [arcPoints(0.6, cy, 0.6, ry, 120, 240, 16)] : [arcPoints(-0.4, cy, 0.6, ry, -60, 60, 16)];
    }
    case '/':
      return [[[0, 0.05], [0.55, -cap + r]]];
    default:
      throw new Error(`punctuationStrokes: no strokes for '${c}'`);
  }
}

// Bound once: jest runs code in a vm where looking up Math on every call of a hot helper is slow.
const mathFloor = Math.floor;

/** Bilinear sample of an image [h, w] at `base` (zero outside it) at (x, y) in pixel-centre coordinates. */
function bilinear(src: Uint8Array, base: number, w: number, h: number, x: number, y: number): number {
  const x0 = mathFloor(x);
  const y0 = mathFloor(y);
  const tx = x - x0;
  const ty = y - y0;
  const inX0 = x0 >= 0 && x0 < w;
  const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
  const inY0 = y0 >= 0 && y0 < h;
  const inY1 = y0 + 1 >= 0 && y0 + 1 < h;
  const r0 = base + y0 * w + x0;
  const r1 = r0 + w;
  const a = inX0 && inY0 ? src[r0] : 0;
  const b = inX1 && inY0 ? src[r0 + 1] : 0;
  const c = inX0 && inY1 ? src[r1] : 0;
  const d = inX1 && inY1 ? src[r1 + 1] : 0;
  return (1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * c + tx * d);
}

/** Grows (perSide > 0) or shrinks ink by `perSide` pixels on each side: max / min filters, the fraction blended. */
function adjustStroke(buf: Float32Array, w: number, h: number, perSide: number): void {
  const grow = perSide > 0;
  const amount = Math.abs(perSide);
  const whole = Math.floor(amount);
  const passes = whole + (amount - whole > 0.05 ? 1 : 0);
  // A copy with a one-pixel zero border [h + 2, w + 2], so neighbours need no bounds checks.
  const W2 = w + 2;
  const padded = new Float32Array(W2 * (h + 2));
  for (let p = 0; p < passes; p++) {
    const blend = p < whole ? 1 : amount - whole;
    // Alternate the cross and the square so repeated passes grow roughly round.
    const square = p % 2 === 1;
    for (let y = 0; y < h; y++) padded.set(buf.subarray(y * w, (y + 1) * w), (y + 1) * W2 + 1);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const k = (y + 1) * W2 + x + 1;
        const c = padded[k];
        let m = c;
        const l = padded[k - 1];
        const r = padded[k + 1];
        const u = padded[k - W2];
        const d = padded[k + W2];
        if (grow) {
          if (l > m) m = l;
          if (r > m) m = r;
          if (u > m) m = u;
          if (d > m) m = d;
        } else {
          if (l < m) m = l;
          if (r < m) m = r;
          if (u < m) m = u;
          if (d < m) m = d;
        }
        if (square) {
          const a = padded[k - W2 - 1];
          const b = padded[k - W2 + 1];
          const e = padded[k + W2 - 1];
          const f = padded[k + W2 + 1];
          if (grow) {
            if (a > m) m = a;
            if (b > m) m = b;
            if (e > m) m = e;
            if (f > m) m = f;
          } else {
            if (a < m) m = a;
            if (b < m) m = b;
            if (e < m) m = e;
            if (f < m) m = f;
          }
        }
        buf[y * w + x] = c + blend * (m - c);
      }
    }
  }
}

interface Item {
  char: string;
  textIndex: number;
  index: number; // dataset index, -1 for punctuation
  // Upright ink box relative to the pen origin (x) and the baseline (y), pixels.
  x: number;
  top: number;
  width: number;
  height: number;
  rotation: number; // radians
  strokeWidth: number; // as sized, pixels
  strokes?: Point[][]; // punctuation, relative to (x, baseline), pixels
  dot?: Point; // the pen dot of an undotted i or j, relative to (x, baseline), pixels
}

/**
 * Draws `text` (LINE_CHARSET characters) with EMNIST glyphs of `glyphs` and one writer's style drawn
 * from `rng`: the returned line's ink, baseline and body height are as drawn; spaces advance the pen.
 */
export function renderEmnistLine(text: string, glyphs: EmnistGlyphs, rng: Rng, opts: EmnistLineOptions = {}): EmnistInkLine {
  const { floor, ceil, max, min, abs, sin, cos, tan, PI, round } = Math;
  const o = resolveOptions(opts);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (!LINE_CHARSET.includes(c)) {
      throw new Error(
        `renderEmnistLine: '${c}' (position ${i} of "${text}") is not a line character; ` +
          `write only ${JSON.stringify(LINE_CHARSET.join(''))} (fold or drop the others first)`,
      );
    }
    if (c !== ' ' && charZone(c) !== 'punct' && !glyphs.byChar.has(c)) {
      throw new Error(
        `renderEmnistLine: no image of '${c}' (position ${i} of "${text}") in ${glyphs.chars.name} ${glyphs.chars.split} (${glyphs.split} pool); ` +
          'use a dataset with case-sensitive classes (e.g. emnist62) or leave the character out of the text',
      );
    }
  }
  if (text.trim() === '') throw new Error(`renderEmnistLine: text "${text}" has nothing to draw; give at least one non-space character`);

  const style = drawWriterStyle(rng, o);
  const { bodyHeight: xh, capHeight, ascenderHeight, descenderDepth } = style;
  const { chars, boxes, strokeWidths } = glyphs;
  const deg = PI / 180;

  // Glyphs first (their sizes set the pen width that punctuation and stroke matching use).
  const items: Array<Item | undefined> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const zone = charZone(c);
    if (zone === 'space' || zone === 'punct') {
      items.push(undefined);
      continue;
    }
    const pool = glyphs.byChar.get(c) as Int32Array;
    const index = pool[rng.int(pool.length)];
    const bw = boxes[index * 4 + 2] - boxes[index * 4];
    const bh = boxes[index * 4 + 3] - boxes[index * 4 + 1];
    const reach = xh + (ascenderHeight - xh) * (ASCENDER_REACH[c] ?? 1);
    // An undotted i / j stem is sized as a dotless letter; its dot is drawn with the pen.
    const stemTop = glyphs.undottedStemTop[index];
    const dotless = stemTop === stemTop; // not NaN
    // Top and bottom of the ink relative to the baseline (negative is up).
    let top = zone === 'body' || zone === 'descender' || dotless ? -xh : zone === 'cap' ? -capHeight : -reach;
    let bottom = zone === 'descender' || zone === 'both' ? descenderDepth : 0;
    const scale = 1 + rng.uniform(-o.sizeJitter, o.sizeJitter);
    const dy = xh * rng.uniform(-o.verticalJitter, o.verticalJitter);
    top = top * scale + dy;
    bottom = bottom * scale + dy;
    const height = bottom - top;
    const width = ((height * bw) / bh) * (1 + rng.uniform(-o.aspectJitter, o.aspectJitter));
    const rotation = rng.uniform(-o.rotationJitter, o.rotationJitter) * deg;
    const strokeWidth = strokeWidths[index] * Math.sqrt((width / bw) * (height / bh));
    const dot: Point | undefined = dotless ? [stemTop * width + xh * rng.uniform(0, 0.12), top - xh * rng.uniform(0.25, 0.45)] : undefined;
    items.push({ char: c, textIndex: i, index, x: 0, top, width, height, rotation, strokeWidth, dot });
  }
  const sized = items.filter((it): it is Item => it !== undefined).map((it) => it.strokeWidth).sort((a, b) => a - b);
  const median = sized.length ? sized[floor(sized.length / 2)] : 0.12 * xh;
  const penWidth = max(1, median * style.strokeScale);

  // Punctuation marks as strokes, jittered, in pixels relative to their left and the baseline.
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (charZone(c) !== 'punct') continue;
    const j = o.punctuationJitter;
    const size = 1 + 3 * rng.uniform(-j, j);
    const pw = penWidth / xh;
    const strokes = punctuationStrokes(c, capHeight / xh, ascenderHeight / xh, descenderDepth / xh, pw).map((stroke) =>
      stroke.map(([px, py]): Point => [(px + rng.uniform(-j, j)) * xh * size, (py + rng.uniform(-j, j)) * xh * size]),
    );
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const s of strokes) {
      for (const [px, py] of s) {
        x0 = min(x0, px);
        x1 = max(x1, px);
        y0 = min(y0, py);
        y1 = max(y1, py);
      }
    }
    const r = penWidth / 2;
    for (const s of strokes) for (const p of s) p[0] -= x0 - r; // left ink edge at 0
    items[i] = { char: c, textIndex: i, index: -1, x: 0, top: y0 - r, width: x1 - x0 + penWidth, height: y1 - y0 + penWidth, rotation: 0, strokeWidth: penWidth, strokes };
  }

  // Left to right: a gap between neighbours of a word, a word space at each space.
  const minAdvance = o.minAdvance * xh;
  let pen = 0;
  let prev: Item | undefined;
  for (let i = 0; i < text.length; i++) {
    const it = items[i];
    if (!it) {
      // Each space varies a little around the writer's word spacing, within the option's range.
      pen += max(o.wordSpacing[0] * xh, min(o.wordSpacing[1] * xh, style.wordSpace * rng.uniform(0.85, 1.15)));
      prev = undefined;
      continue;
    }
    let gap = 0;
    if (prev) {
      const u = max(0, min(1, style.spacing + rng.uniform(-0.3, 0.3)));
      gap = -o.maxOverlap * min(prev.width, it.width) * (1 - u) + o.maxGap * xh * u;
      // Punctuation never touches its neighbours (a comma inside a letter reads as part of it), and
      // two marks in a row (!" or ),) keep a clear gap or they merge into one.
      if (prev.index < 0 && it.index < 0) gap = max(gap, 0.15 * xh);
      else if (prev.index < 0 || it.index < 0) gap = max(gap, 0.06 * xh);
    }
    const pad = max(0, (minAdvance - it.width) / 2);
    it.x = pen + gap + pad;
    pen = it.x + it.width + pad;
    prev = it;
  }
  const penEnd = pen;

  // Upright canvas: every item with room for rotation, halo and stroke growth, the baseline at row `oy`.
  const match = o.strokeMatch;
  const slack = 3 + penWidth + 0.1 * xh;
  let ux0 = 0;
  let ux1 = penEnd;
  let uy0 = -ascenderHeight;
  let uy1 = descenderDepth;
  for (const it of items) {
    if (!it) continue;
    ux0 = min(ux0, it.x - slack);
    ux1 = max(ux1, it.x + it.width + slack);
    uy0 = min(uy0, it.top - slack, it.dot ? it.dot[1] - slack : 0);
    uy1 = max(uy1, it.top + it.height + slack);
  }
  const ox = ceil(-ux0) + 1;
  const oy = ceil(-uy0) + 1;
  const UW = ox + ceil(ux1) + 2;
  const UH = oy + ceil(uy1) + 2;
  const upright = new Float32Array(UW * UH); // [UH, UW]

  const src = chars.images;
  const SW = chars.width;
  const SH = chars.height;
  const placed: PlacedCharacter[] = [];
  for (const it of items) {
    if (!it) continue;
    placed.push({ char: it.char, textIndex: it.textIndex, index: it.index, x: it.x + ox, y: it.top + oy, width: it.width, height: it.height });
    if (it.strokes) {
      drawStrokes(upright, UW, UH, it.strokes.map((s) => ({ points: s.map(([px, py]): Point => [px + it.x + ox, py + oy]), width: penWidth })));
      continue;
    }
    if (it.dot) drawStrokes(upright, UW, UH, [{ points: [[it.x + ox + it.dot[0], oy + it.dot[1]], [it.x + ox + it.dot[0] + 0.3, oy + it.dot[1] - 0.2]], width: penWidth * 1.1 }]);
    const b = it.index * 4;
    const bx0 = boxes[b];
    const by0 = boxes[b + 1];
    const bw = boxes[b + 2] - bx0;
    const bh = boxes[b + 3] - by0;
    const kx = it.width / bw;
    const ky = it.height / bh;
    const perSide = (max(-0.5 * it.strokeWidth, min(it.strokeWidth, penWidth - it.strokeWidth)) * match) / 2;
    // Local buffer: the rotated box plus EMNIST's soft halo (2 source pixels) and the stroke growth.
    const cx = it.x + ox + it.width / 2;
    const cy = it.top + oy + it.height / 2;
    const cr = cos(it.rotation);
    const sr = sin(it.rotation);
    const margin = 2 * max(kx, ky) + max(0, perSide) + 1;
    const halfW = (abs(cr) * it.width + abs(sr) * it.height) / 2 + margin;
    const halfH = (abs(sr) * it.width + abs(cr) * it.height) / 2 + margin;
    const lx0 = max(0, floor(cx - halfW));
    const ly0 = max(0, floor(cy - halfH));
    const lw = min(UW, ceil(cx + halfW)) - lx0;
    const lh = min(UH, ceil(cy + halfH)) - ly0;
    const local = new Float32Array(lw * lh); // [lh, lw]
    // Average several samples per pixel when shrinking, so thin strokes do not alias away.
    const ss = min(3, max(1, ceil(1 / min(kx, ky) - 0.25)));
    const base = it.index * SW * SH;
    const sxMin = bx0 - 2;
    const sxMax = bx0 + bw + 2;
    const syMin = by0 - 2;
    const syMax = by0 + bh + 2;
    for (let row = 0; row < lh; row++) {
      for (let col = 0; col < lw; col++) {
        let acc = 0;
        for (let sy = 0; sy < ss; sy++) {
          const py = ly0 + row + (sy + 0.5) / ss - cy;
          for (let sx = 0; sx < ss; sx++) {
            const px = lx0 + col + (sx + 0.5) / ss - cx;
            // Undo the rotation, then map the box onto the source ink box.
            const qx = cr * px + sr * py;
            const qy = -sr * px + cr * py;
            const X = bx0 + (qx / it.width + 0.5) * bw;
            const Y = by0 + (qy / it.height + 0.5) * bh;
            if (X < sxMin || X > sxMax || Y < syMin || Y > syMax) continue;
            acc += bilinear(src, base, SW, SH, X - 0.5, Y - 0.5);
          }
        }
        local[row * lw + col] = acc / (ss * ss * 255);
      }
    }
    // Enlarging widens EMNIST's soft edges with it; steepen them back to about a pixel, as a scan's are.
    const gain = min(2.5, min(kx, ky));
    if (gain > 1.1) {
      for (let p = 0; p < local.length; p++) {
        const v = (local[p] - 0.5) * gain + 0.5;
        local[p] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
    if (abs(perSide) > 0.05) adjustStroke(local, lw, lh, perSide);
    for (let row = 0; row < lh; row++) {
      const out = (ly0 + row) * UW + lx0;
      for (let col = 0; col < lw; col++) {
        const v = local[row * lw + col];
        if (v > upright[out + col]) upright[out + col] = v;
      }
    }
  }

  // Ink extent of each upright row, so the warp below visits only columns that can receive ink.
  const rowX0 = new Int32Array(UH).fill(UW);
  const rowX1 = new Int32Array(UH); // exclusive; 0 = no ink
  for (let row = 0; row < UH; row++) {
    const at = row * UW;
    let c0 = 0;
    while (c0 < UW && upright[at + c0] === 0) c0++;
    if (c0 === UW) continue;
    let c1 = UW;
    while (upright[at + c1 - 1] === 0) c1--;
    rowX0[row] = c0;
    rowX1[row] = c1;
  }

  // Slant (shear about the baseline) and baseline drift, by inverse mapping into a canvas wide enough for both.
  const t = tan(style.slantDegrees * deg);
  const shearTop = oy * t; // how far upright row 0 moves right
  const shearBottom = (oy - UH) * t;
  const sx0 = floor(min(0, shearTop, shearBottom));
  const sx1 = ceil(max(0, shearTop, shearBottom));
  const amp = style.driftAmplitude;
  const pad = ceil(amp) + 1;
  const WW = UW + sx1 - sx0;
  const WH = UH + 2 * pad;
  const warped = new Float32Array(WW * WH); // [WH, WW]; row r is upright row r - pad, column c is upright column c + sx0
  const k = (2 * PI) / style.driftWavelength;
  const drift = new Float32Array(WW);
  for (let col = 0; col < WW; col++) drift[col] = amp * sin(k * (col + sx0 - ox) + style.driftPhase);
  // Crop box: the ink, the pen's run (so leading / trailing spaces keep their room) and the body zone.
  const baselineRow = oy + pad; // in warped rows
  let ix0 = ox - sx0;
  let ix1 = ox + penEnd - sx0;
  let iy0 = baselineRow - xh;
  let iy1 = baselineRow;
  const reachRows = ceil(amp) + 1;
  for (let row = 0; row < WH; row++) {
    // Upright rows this row can sample (drift moves it by up to amp) and their ink columns.
    const mid = row - pad;
    let rx0 = UW;
    let rx1 = 0;
    for (let r = max(0, mid - reachRows); r <= min(UH - 1, mid + reachRows); r++) {
      if (rowX1[r] > 0) {
        rx0 = min(rx0, rowX0[r]);
        rx1 = max(rx1, rowX1[r]);
      }
    }
    if (rx1 === 0) continue;
    const shift = (oy - (mid + 0.5)) * t;
    const spread = amp * abs(t) + 2;
    const colLo = max(0, floor(rx0 - sx0 + shift - spread));
    const colHi = min(WW, ceil(rx1 - sx0 + shift + spread));
    const out = row * WW;
    for (let col = colLo; col < colHi; col++) {
      const uy = row - pad + 0.5 - drift[col]; // upright y (continuous)
      const fx = col + sx0 - (oy - uy) * t; // upright x, pixel-centre coordinates
      const fy = uy - 0.5;
      const x0 = floor(fx);
      const y0 = floor(fy);
      if (x0 < -1 || y0 < -1 || x0 >= UW || y0 >= UH) continue;
      const tx = fx - x0;
      const ty = fy - y0;
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 < UW;
      const inY0 = y0 >= 0;
      const inY1 = y0 + 1 < UH;
      const r0 = y0 * UW + x0;
      const a = inX0 && inY0 ? upright[r0] : 0;
      const b = inX1 && inY0 ? upright[r0 + 1] : 0;
      const c = inX0 && inY1 ? upright[r0 + UW] : 0;
      const d = inX1 && inY1 ? upright[r0 + UW + 1] : 0;
      const v = (1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * c + tx * d);
      if (v > 0.01) {
        warped[out + col] = v < 1 ? v : 1; // rounding can pass 1 by an ulp
        if (col < ix0) ix0 = col;
        if (col + 1 > ix1) ix1 = col + 1;
        if (row < iy0) iy0 = row;
        if (row + 1 > iy1) iy1 = row + 1;
      }
    }
  }

  const m = o.margin * xh;
  const cx0 = floor(ix0 - m);
  const cy0 = floor(iy0 - m);
  const width = max(1, ceil(ix1 + m) - cx0);
  const height = max(1, ceil(iy1 + m) - cy0);
  const line = createInkLine(width, height, baselineRow - cy0, xh, text);
  // Every value is already in 0..1, so rows copy as they are.
  const c0 = max(0, cx0);
  const c1 = min(WW, cx0 + width);
  for (let row = 0; row < height; row++) {
    const wr = row + cy0;
    if (wr < 0 || wr >= WH || c1 <= c0) continue;
    line.ink.set(warped.subarray(wr * WW + c0, wr * WW + c1), row * width + (c0 - cx0));
  }
  const dx = -sx0 - cx0;
  const dy = pad - cy0;
  for (const p of placed) {
    p.x = round((p.x + dx) * 100) / 100;
    p.y = round((p.y + dy) * 100) / 100;
  }
  return { ...line, style, penWidth, placed };
}

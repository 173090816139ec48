/**
 * A line of text written "by hand" with a handwriting font: the font gives the letter shapes, the
 * advances and the kerning; everything a person varies is drawn from the rng. Per line: size (body
 * height), slant, letter and word spacing, a slowly drifting baseline, a small rotation of the
 * whole line, a smooth elastic warp, and the pen (thin pen to marker, by moving stroke edges in or
 * out). Per letter: small changes of size, position and angle. The result is an `InkLine` (ink.ts):
 * coverage at the drawn scale with its baseline and body height, ready for paper and camera.
 *
 * Speed: lines are drawn fresh for every training step, so outlines come from the font's cache
 * (fonts.ts), all transforms are applied to control points and flattened points, and each glyph is
 * filled once by the outline rasteriser (outline.ts).
 */
import { InkLine, createInkLine } from './ink';
import { LINE_CHARSET } from './charset';
import { LoadedFont, loadFont } from './fonts';
import {
  Affine,
  Polygons,
  chainAffine,
  fillPolygons,
  flattenPath,
  rotation,
  scaling,
  shearX,
  simplifyPolygons,
  transformPolygons,
  translation,
} from './outline';
import { Rng } from '../util/rng';

/** Everything drawn once per line. Lengths are in body heights unless named otherwise. */
export interface FontLineStyle {
  /** Height of the lower-case body, pixels, before the per-letter size changes. */
  bodyHeight: number;
  /** Degrees; positive leans the letters forward (tops to the right). */
  slant: number;
  /** Extra space after each letter (negative: tighter). */
  tracking: number;
  /** Space between words, from the end of one word's last advance to the next word. */
  wordSpace: number;
  /** Baseline drift: a sinusoid of this amplitude ... */
  driftAmplitude: number;
  /** ... and wavelength ... */
  driftWavelength: number;
  /** ... and phase (radians). */
  driftPhase: number;
  /** Rotation of the whole line, degrees (positive: clockwise on the image). */
  rotation: number;
  /** Scales the per-letter changes (size +-6%, shift +-0.06, angle +-3 degrees): 0 none, 1 full. */
  glyphJitter: number;
  /** Elastic warp: typical displacement (0: none) ... */
  elasticAmplitude: number;
  /** ... and wavelength of its waves. */
  elasticWavelength: number;
  /** Pen: stroke edges move out (+, thicker) or in (-, thinner) by this much. */
  penOffset: number;
}

export interface FontLineOptions {
  /** Range of body heights, pixels; default [10, 30]. */
  bodyHeight?: [number, number];
  /** Widest line allowed, pixels; a longer text throws. Default 6000. */
  maxWidth?: number;
  /** Fixes parts of the style instead of drawing them (tests, figures). */
  style?: Partial<FontLineStyle>;
  /** Scanlines per pixel row of the rasteriser (outline.ts); default 4: 0.125 of a pixel at worst, invisible at these sizes. */
  subRows?: number;
  /** Largest distance between a glyph's outline and the polygon drawn for it, pixels; default 0.1. */
  tolerance?: number;
}

const DEFAULTS = { bodyHeight: [10, 30] as [number, number], maxWidth: 6000, subRows: 4, tolerance: 0.1 };

/** Per-letter change ranges at glyphJitter 1. */
const JITTER = { scale: 0.06, shift: 0.06, degrees: 3 };
/** Letters that join keep most of their joins: their jitter is scaled down by this. */
const CURSIVE_JITTER = 0.35;
/** Margin around the ink, body heights. */
const MARGIN = 0.3;

function resolveFont(font: LoadedFont | string): LoadedFont {
  return typeof font === 'string' ? loadFont(font) : font;
}

/** Whether `font` draws every character of `text` (spaces always; characters outside LINE_CHARSET never). */
export function fontCanWrite(font: LoadedFont | string, text: string): boolean {
  const f = resolveFont(font);
  for (const c of text) if (!f.drawable.has(c) || !LINE_CHARSET.includes(c)) return false;
  return true;
}

/** A standard normal deviate (Box-Muller) from the rng. */
function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * Draws a line style for `font`. Slant is mostly 0..8 degrees forward (a normal around 4, sd 5,
 * clipped to +-15); letters that join get little tracking, since spacing breaks the joins; the pen
 * aims at a stroke of 0.07..0.3 body heights (log-uniform: fine pen to marker) from the font's own
 * stroke width, moving edges by at most 0.12 body heights, growing by at most a quarter of the font's
 * narrow counters (so letters do not fill in), thinning by at most 0.025 body heights and a quarter
 * of its hairlines (so thin strokes and stroke ends do not vanish), and never below 1 pixel.
 */
export function drawFontLineStyle(font: LoadedFont | string, rng: Rng, opts: FontLineOptions = {}): FontLineStyle {
  const f = resolveFont(font);
  const [lo, hi] = opts.bodyHeight ?? DEFAULTS.bodyHeight;
  if (!(lo > 0 && hi >= lo)) throw new Error(`drawFontLineStyle: bodyHeight range must be 0 < lo <= hi pixels, got [${lo}, ${hi}]`);
  const { max, min, exp, log } = Math;
  const bodyHeight = lo + (hi - lo) * rng.next();
  const slant = max(-15, min(15, 4 + 5 * gaussian(rng)));
  const cursive = f.metrics.cursive;
  const tracking = cursive ? rng.uniform(-0.02, 0.03) : rng.uniform(-0.05, 0.15);
  const wordSpace = rng.uniform(0.5, 1.3);
  const driftAmplitude = rng.uniform(0, 0.15);
  const driftWavelength = rng.uniform(8, 30);
  const driftPhase = rng.uniform(0, 2 * Math.PI);
  const lineRotation = rng.uniform(-2, 2);
  const glyphJitter = rng.uniform(0.3, 1) * (cursive ? CURSIVE_JITTER : 1);
  const elasticAmplitude = rng.uniform(0.05, 0.12);
  const elasticWavelength = rng.uniform(2.5, 5);
  const m = f.metrics;
  const stroke = m.strokeWidth / (m.xHeight - m.bodyBottom); // body heights
  const target = exp(rng.uniform(log(0.07), log(0.3)));
  const minStroke = 1 / bodyHeight; // 1 pixel
  // Growing by d closes white gaps narrower than 2 d: keep at least half of the font's narrow
  // counters. Thinning erases strokes thinner than 2 d and, unlike a thinner pen, pulls sharp stroke
  // ends back by d / sin(half their angle): keep it small (the thin pens come mostly from the fonts
  // drawn thin) and within a quarter of the font's hairlines.
  const body = m.xHeight - m.bodyBottom;
  const maxGrow = min(0.12, (0.25 * m.counterWidth) / body);
  const maxThin = min(0.025, (0.25 * m.hairline) / body);
  let penOffset = max(-maxThin, min(maxGrow, (target - stroke) / 2));
  if (stroke + 2 * penOffset < minStroke) penOffset = (minStroke - stroke) / 2;
  return {
    bodyHeight,
    slant,
    tracking,
    wordSpace,
    driftAmplitude,
    driftWavelength,
    driftPhase,
    rotation: lineRotation,
    glyphJitter,
    elasticAmplitude,
    elasticWavelength,
    penOffset,
    ...opts.style,
  };
}

/** Flattened, simplified outlines in font units, per font, then per character and size bucket. */
const outlineCache = new WeakMap<LoadedFont, Map<string, Polygons>>();

/**
 * The outline of `char` as polygons in font units, good to `tolerance` pixels when drawn at `unit`
 * pixels per font unit. Sizes share a cache entry within a factor of 2 (made for the largest size
 * of the bucket, so smaller ones come out finer), so a font holds a few entries per character.
 */
function glyphPolygons(f: LoadedFont, char: string, unit: number, tolerance: number): Polygons {
  let byKey = outlineCache.get(f);
  if (!byKey) {
    byKey = new Map();
    outlineCache.set(f, byKey);
  }
  const bucket = Math.ceil(Math.log2(unit / tolerance));
  const key = `${char}${bucket}`;
  let polys = byKey.get(key);
  if (!polys) {
    const tolUnits = 2 ** -bucket; // = tolerance / unit at the top of the bucket
    // Half the error budget to flattening, half to dropping points.
    polys = simplifyPolygons(flattenPath(f.glyph(char).commands, undefined, { tolerance: tolUnits / 2 }), tolUnits / 2);
    byKey.set(key, polys);
  }
  return polys;
}

/** A placed glyph: which character and the map from font units to line pixels. */
interface Placed {
  char: string;
  transform: Affine;
}

/**
 * A smooth random displacement: a sum of 4 plane waves per axis with random directions and
 * phases, wavelengths within 0.7..1.4 of `wavelength`, scaled so each axis has RMS `amplitude`.
 */
function elasticField(rng: Rng, amplitude: number, wavelength: number): (x: number, y: number, out: Float64Array) => void {
  const K = 4;
  const kx = new Float64Array(2 * K);
  const ky = new Float64Array(2 * K);
  const phase = new Float64Array(2 * K);
  for (let i = 0; i < 2 * K; i++) {
    const angle = rng.uniform(0, 2 * Math.PI);
    const k = (2 * Math.PI) / (wavelength * rng.uniform(0.7, 1.4));
    kx[i] = k * Math.cos(angle);
    ky[i] = k * Math.sin(angle);
    phase[i] = rng.uniform(0, 2 * Math.PI);
  }
  // Each wave has RMS 1/sqrt(2); K of them, RMS sqrt(K/2).
  const a = amplitude / Math.sqrt(K / 2);
  return (x, y, out) => {
    const { sin } = Math;
    let dx = 0;
    let dy = 0;
    for (let i = 0; i < K; i++) dx += sin(kx[i] * x + ky[i] * y + phase[i]);
    for (let i = K; i < 2 * K; i++) dy += sin(kx[i] * x + ky[i] * y + phase[i]);
    out[0] = a * dx;
    out[1] = a * dy;
  };
}

/**
 * Draws `text` with `font` as a person might write it; the style comes from `rng` (see
 * `drawFontLineStyle`), then one draw per letter for its jitter and a few for the elastic field, so
 * the same rng state gives the same line. Throws for a character the font does not draw (check with
 * `fontCanWrite`), for a text without ink, and for a line wider than `opts.maxWidth`.
 */
export function renderFontLine(text: string, font: LoadedFont | string, rng: Rng, opts: FontLineOptions = {}): InkLine {
  const f = resolveFont(font);
  for (const c of text) {
    if (!LINE_CHARSET.includes(c)) {
      throw new Error(`renderFontLine: ${JSON.stringify(c)} in ${JSON.stringify(text)} is not a line character (src/synth/charset.ts)`);
    }
    if (!f.drawable.has(c)) {
      throw new Error(`renderFontLine: font '${f.family}' does not draw ${JSON.stringify(c)} (in ${JSON.stringify(text)}); choose texts with fontCanWrite`);
    }
  }
  if (text.trim().length === 0) throw new Error(`renderFontLine: text ${JSON.stringify(text)} has nothing to draw; pass at least one visible character`);
  const maxWidth = opts.maxWidth ?? DEFAULTS.maxWidth;
  const style = drawFontLineStyle(f, rng, opts);
  const { sin, cos, tan, PI, max, min, floor, ceil } = Math;
  const m = f.metrics;
  const bh = style.bodyHeight;
  const unit = bh / (m.xHeight - m.bodyBottom); // pixels per font unit
  const deg = PI / 180;
  const jitter = style.glyphJitter;

  // Layout along a straight baseline y = 0 (pixels, y down), pen from x = 0.
  const placed: Placed[] = [];
  let pen = 0;
  let prev = '';
  let scaleSum = 0;
  let shiftSum = 0; // the letters' own vertical shifts, whose mean moves the line's baseline
  const drift = (x: number): number => style.driftAmplitude * bh * sin((2 * PI * x) / (style.driftWavelength * bh) + style.driftPhase);
  for (const c of text) {
    if (c === ' ') {
      if (prev !== '' && prev !== ' ') pen += style.wordSpace * bh;
      else if (prev === ' ') pen += style.wordSpace * bh * 0.5;
      prev = c;
      continue;
    }
    const g = f.glyph(c);
    if (prev !== '' && prev !== ' ') pen += (f.kerning(prev, c) * unit) + style.tracking * bh;
    const s = unit * (1 + JITTER.scale * jitter * rng.uniform(-1, 1));
    const dx = JITTER.shift * jitter * bh * rng.uniform(-1, 1);
    const dy = JITTER.shift * jitter * bh * rng.uniform(-1, 1);
    const angle = JITTER.degrees * jitter * rng.uniform(-1, 1) * deg;
    const advance = g.advance * s;
    // Turn about the middle of the letter's body, so it stays on its line.
    const cx = pen + advance / 2;
    const cy = -((m.xHeight + m.bodyBottom) / 2) * s;
    const y0 = drift(cx) + dy;
    placed.push({
      char: c,
      transform: chainAffine(scaling(s, -s), translation(pen + dx, y0), rotation(angle, cx + dx, cy + y0)),
    });
    scaleSum += s / unit;
    shiftSum += dy;
    pen += advance;
    prev = c;
    if (pen * cos(style.rotation * deg) > maxWidth) break;
  }
  const inkWidthEstimate = pen + 2 * MARGIN * bh;
  if (inkWidthEstimate > maxWidth) {
    throw new Error(
      `renderFontLine: ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '...' : text)} would be about ${Math.round(inkWidthEstimate)} px wide at body height ${bh.toFixed(1)} px, more than maxWidth ${maxWidth}; split the text or raise maxWidth`,
    );
  }
  const meanScale = scaleSum / placed.length;
  const meanShift = shiftSum / placed.length;

  // Whole-line maps: slant (shear about the baseline), then rotation about the line's middle.
  const xm = pen / 2;
  const lineMap = chainAffine(shearX(-tan(style.slant * deg)), rotation(style.rotation * deg, xm, 0));
  const field = style.elasticAmplitude > 0 ? elasticField(rng, style.elasticAmplitude * bh, style.elasticWavelength * bh) : undefined;
  const tolerance = opts.tolerance ?? DEFAULTS.tolerance;
  const maxSegment = field ? 0.25 * bh : undefined;
  const glyphs: Polygons[] = [];
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const delta = new Float64Array(2);
  for (const p of placed) {
    const polys = transformPolygons(glyphPolygons(f, p.char, unit, tolerance), chainAffine(p.transform, lineMap), { maxSegment });
    const { xs, ys } = polys;
    for (let i = 0; i < xs.length; i++) {
      if (field) {
        field(xs[i], ys[i], delta);
        xs[i] += delta[0];
        ys[i] += delta[1];
      }
      const x = xs[i];
      const y = ys[i];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    glyphs.push(polys);
  }

  // The baseline where the body letters' ink sits, at the line's middle: drift and the letters' mean
  // shift, rotation, warp, pen.
  const yMid = drift(xm) + meanShift;
  const midBaseline = lineMap[3] * xm + lineMap[4] * yMid + lineMap[5];
  let warp = 0;
  if (field) {
    field(lineMap[0] * xm + lineMap[1] * yMid + lineMap[2], midBaseline, delta);
    warp = delta[1];
  }
  const pen0 = style.penOffset * bh; // pixels
  const baselineY = midBaseline + warp - m.bodyBottom * unit * meanScale + pen0;

  // Canvas: the ink plus a margin, and at least the font's ascender-to-descender zone.
  const margin = MARGIN * bh + max(pen0, 0) + 1;
  const zoneTop = midBaseline - max(m.ascender, m.capHeight) * unit;
  const zoneBottom = midBaseline - m.descender * unit;
  const left = floor(x0 - margin);
  const top = floor(min(y0, zoneTop) - margin);
  const width = ceil(x1 + margin) - left;
  const height = ceil(max(y1, zoneBottom) + margin) - top;
  if (width > maxWidth) {
    throw new Error(`renderFontLine: the line is ${width} px wide, more than maxWidth ${maxWidth}; split the text or raise maxWidth`);
  }
  const bodyHeight = (m.xHeight - m.bodyBottom) * unit * meanScale + 2 * pen0;
  const line = createInkLine(width, height, baselineY - top, bodyHeight, text);
  const target = { width, height, data: line.ink };
  const subRows = opts.subRows ?? DEFAULTS.subRows;
  for (const polys of glyphs) {
    const { xs, ys } = polys;
    for (let i = 0; i < xs.length; i++) {
      xs[i] -= left;
      ys[i] -= top;
    }
    fillPolygons(target, polys, { subRows });
  }
  if (Math.abs(pen0) >= 0.1) movePenEdges(line.ink, width, height, pen0);
  return line;
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, error < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Moves every stroke edge out (offset > 0) or in (< 0) by about `offset` pixels, in place: a
 * Gaussian blur of sigma s puts a straight edge's half-way level at the edge, and its level
 * Phi(-offset / s) at `offset` outside it, so re-thresholding there with a ramp one pixel wide gives
 * the moved edge, anti-aliased. Corners round off a little, as a round pen's would.
 */
function movePenEdges(ink: Float32Array, width: number, height: number, offset: number): void {
  const { exp, max, min, ceil, abs, sqrt, PI } = Math;
  const sigma = max(0.7, 0.8 * abs(offset));
  const radius = ceil(2.5 * sigma);
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  // Separable blur by scattering each inked pixel into its neighbours: most pixels are blank.
  const rows = new Float32Array(ink.length);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    for (let x = 0; x < width; x++) {
      const v = ink[base + x];
      if (v === 0) continue;
      const k1 = min(radius, width - 1 - x);
      for (let k = max(-radius, -x); k <= k1; k++) rows[base + x + k] += kernel[k + radius] * v;
    }
  }
  ink.fill(0);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    const k0 = max(-radius, -y);
    const k1 = min(radius, height - 1 - y);
    for (let x = 0; x < width; x++) {
      const v = rows[base + x];
      if (v === 0) continue;
      for (let k = k0; k <= k1; k++) ink[base + k * width + x] += kernel[k + radius] * v;
    }
  }
  const level = normalCdf(-offset / sigma);
  // Slope of the blurred edge at the new edge: phi(offset / sigma) / sigma per pixel.
  const slope = exp(-(offset * offset) / (2 * sigma * sigma)) / (sqrt(2 * PI) * sigma);
  // A ramp one pixel wide, narrowed when the level sits near 0 or 1 so blank stays blank and full stays full.
  const half = min(slope / 2, 0.9 * level, 0.9 * (1 - level));
  const lo = level - half;
  const inv = 1 / (2 * half);
  for (let i = 0; i < ink.length; i++) {
    const v = (ink[i] - lo) * inv;
    ink[i] = v <= 0 ? 0 : v >= 1 ? 1 : v;
  }
}

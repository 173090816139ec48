/**
 * Paper and camera: an `InkLine` (coverage at its natural scale) turned into what a phone camera or
 * a scanner gives, RGBA pixels. Paper (colour, mottling and grain, ruled or squared lines, a red
 * margin line, now and then a dark board with chalk), ink (colour, pressure along the strokes,
 * pencil grain, alpha-blended onto the paper), light (gradients, a shadow, vignetting) and camera
 * (rotation, keystone, resolution, focus and motion blur, exposure and gamma, sensor noise, JPEG).
 * The project's real-image line recipe (src/image/line.ts) then normalises the result exactly as it
 * does a real photo, so a model trained on it learns what that recipe makes of real-world variation.
 *
 * Two steps: `drawPaperLook` makes every random choice (a plain, printable `PaperLook`, lengths in
 * body heights), `renderPaper` draws it. `putOnPaper` does both. `strength` scales every
 * degradation: 0 is white paper and black ink, nothing else (`PAPER_PRESETS.clean`).
 */
import { gaussianBlur, nonZeroRows } from '../image/blur';
import { RgbaImage } from '../image/rgba';
import { Rng, createRng, deriveSeed } from '../util/rng';
import { InkLine } from './ink';
import { jpegRoundTrip } from './jpeg';
import { LCG_ADD, LCG_MUL, NORMAL_SHIFT, NORMAL_TABLE_SIZE, createNoiseGrid, lcgSeed, sampleNoise, sharedNormals } from './noise';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { abs, ceil, cos, exp, floor, imul, log, max, min, pow, round, sin, sqrt, tan, PI } = Math;

/** A colour, each channel 0..1 (sRGB values as stored in an image, not linear light). */
export type Rgb = [number, number, number];

/** How much and how often each effect happens; every field has a default (the phone-photo mix). */
export interface PaperOptions {
  /** Scales every degradation's probability and size: 0 = clean (white paper, black ink), 1 = the full mix. Default 1. */
  strength?: number;
  /** Paper around the ink on each side, body heights, drawn per side from [lo, hi] (layout, not scaled by strength). Default [0.5, 3]. */
  margin?: [number, number];
  /** Resampling factor range at strength 1 (resolution of the photo against the ink's). Default [0.5, 1.5]. */
  scale?: [number, number];
  /** The body height in the output never gets smaller than this, pixels (the scale is raised). Default 8. */
  minBodyHeight?: number;
  /** Dark or mid-grey board with light chalk or white ink (inverted polarity). Default 0.05. */
  invertedProbability?: number;
  /** Ruled (or squared) paper. Default 0.3. */
  ruledProbability?: number;
  /** Share of ruled paper that is squared (a grid). Default 0.25. */
  gridShare?: number;
  /** Share of ruled paper with a red margin line left of the writing. Default 0.3. */
  marginLineShare?: number;
  /** Ruled (not squared) lines this many body heights apart; 0 draws it per photo from 2-3. Default 0. A page sets it so that every line of writing sits on a rule. */
  ruleSpacing?: number;
  /** Per edge (top, bottom): the neighbouring line's descenders or ascenders cropped in. Default 0.1. */
  neighbourProbability?: number;
  /** Largest rotation, degrees. Default 3. */
  maxRotation?: number;
  /** Largest keystone: relative change of scale from the ink's centre to its end (half its longer side away). Default 0.03. */
  maxKeystone?: number;
  /** Largest Gaussian blur sigma, body heights (drawn skewed towards small). Default 0.15. */
  maxBlur?: number;
  /** Camera shake. Default 0.15. */
  motionBlurProbability?: number;
  /** Longest motion-blur streak, body heights. Default 0.2. */
  maxMotionBlur?: number;
  /** Largest sensor-noise standard deviation, 0..1 units. Default 8/255. */
  maxNoise?: number;
  /** Hot/dead pixels and dust. Default 0.2. */
  saltPepperProbability?: number;
  /** Largest share of salt-and-pepper pixels. Default 0.002. */
  maxSaltPepper?: number;
  /** JPEG compression. Default 0.7. */
  jpegProbability?: number;
  /** JPEG quality range at strength 1 (lower strength narrows it towards the top). Default [30, 90]. */
  jpegQuality?: [number, number];
  /** Ink faded towards the paper (light pen, pale pencil, washed-out photo). Default 0.3. */
  lowContrastProbability?: number;
  /** Faded ink's floor, for the ink as it shows on average (after opacity, grain and pressure): dark ink absorbs at least this share of the paper's light; light ink is at least this much (0..1) brighter than its board. Default 0.25. */
  minContrast?: number;
  /** Largest drop of light across the image from a linear or radial gradient. Default 0.3. */
  maxGradient?: number;
  /** A shadow over one side (the phone, a hand). Default 0.3. */
  shadowProbability?: number;
  /** Darkest shadow: share of light taken away. Default 0.4. */
  maxShadow?: number;
  /** Largest light loss in the corners. Default 0.3. */
  maxVignette?: number;
  /** Largest paper mottling (low-frequency value noise), +- share of the paper's brightness. Default 0.04. */
  maxTexture?: number;
  /** Largest fine paper grain, standard deviation as a share of brightness. Default 0.02. */
  maxGrain?: number;
  /** Exposure range at strength 1 (a multiplier; over 1 burns the paper out). Default [0.75, 1.15]. */
  exposure?: [number, number];
  /** Gamma range at strength 1. Default [0.8, 1.25]. */
  gamma?: [number, number];
  /** Largest loss of ink opacity from pen pressure along a stroke. Default 0.35. */
  maxPressure?: number;
}

/** The defaults: photos and scans of notes as a phone takes them. */
export const DEFAULT_PAPER_OPTIONS: Readonly<Required<PaperOptions>> = {
  strength: 1,
  margin: [0.5, 3],
  scale: [0.5, 1.5],
  minBodyHeight: 8,
  invertedProbability: 0.05,
  ruledProbability: 0.3,
  gridShare: 0.25,
  marginLineShare: 0.3,
  ruleSpacing: 0,
  neighbourProbability: 0.1,
  maxRotation: 3,
  maxKeystone: 0.03,
  maxBlur: 0.15,
  motionBlurProbability: 0.15,
  maxMotionBlur: 0.2,
  maxNoise: 8 / 255,
  saltPepperProbability: 0.2,
  maxSaltPepper: 0.002,
  jpegProbability: 0.7,
  jpegQuality: [30, 90],
  lowContrastProbability: 0.3,
  minContrast: 0.25,
  maxGradient: 0.3,
  shadowProbability: 0.3,
  maxShadow: 0.4,
  maxVignette: 0.3,
  maxTexture: 0.04,
  maxGrain: 0.02,
  exposure: [0.75, 1.15],
  gamma: [0.8, 1.25],
  maxPressure: 0.35,
};

/** Ready-made mixes: `clean` (white paper, black ink, nothing else), `scan` (flat light, no perspective), `photo` (the defaults). */
export const PAPER_PRESETS: Readonly<Record<'clean' | 'scan' | 'photo', PaperOptions>> = {
  clean: { strength: 0 },
  scan: {
    maxRotation: 1.5,
    maxKeystone: 0,
    maxGradient: 0.05,
    shadowProbability: 0,
    maxVignette: 0,
    motionBlurProbability: 0,
    maxBlur: 0.06,
    maxNoise: 3 / 255,
    exposure: [0.95, 1.1],
  },
  photo: {},
};

/** Red-ruled margin line of a notebook page. */
export interface MarginLineLook {
  colour: Rgb;
  alpha: number;
  /** Width, body heights (never wider than the ink's strokes). */
  width: number;
  /** How far left of the ink's first column, body heights. */
  distance: number;
}

/** Ruled or squared paper, in body heights, aligned to the writing's baseline. */
export interface RulesLook {
  grid: boolean;
  /** Between neighbouring lines (ruled: 2-3 body heights; squares: 1-2). */
  spacing: number;
  /** Where the line under the writing is, relative to the baseline (positive = lower). */
  offset: number;
  /** Angle of the rules against the writing, degrees. */
  tilt: number;
  /** Horizontal position of the squares' vertical lines, 0..1 of the spacing. */
  phase: number;
  colour: Rgb;
  alpha: number;
  /** Width, body heights (never wider than the ink's strokes). */
  width: number;
  margin: MarginLineLook | null;
}

/** Another line of writing cut in at the top or bottom edge. */
export interface NeighbourLook {
  /** How far its ink reaches into the image from the edge, body heights. */
  depth: number;
  /** Its horizontal offset against this line, share of the ink's width. */
  shift: number;
}

/** Light falling on the paper: a gradient, a shadow and vignetting (each a share of light taken away). */
export interface LightingLook {
  gradient: number;
  radial: boolean;
  /** Direction the light falls off towards (linear gradient), radians. */
  gradientAngle: number;
  /** Brightest point of a radial gradient, in -1..1 image coordinates. */
  centre: [number, number];
  shadow: number;
  shadowAngle: number;
  /** Where the shadow's edge crosses, -1..1 across the image. */
  shadowOffset: number;
  /** Width of the shadow's soft edge, image half-sides. */
  shadowSoftness: number;
  vignette: number;
}

/** Every random choice of one rendering; lengths in body heights, so it suits any ink line. */
export interface PaperLook {
  /** Seeds the random fields (mottling, grain, pressure, noise). */
  seed: number;
  paper: Rgb;
  /** After the contrast fading: the colour fully covered ink shows. */
  ink: Rgb;
  /** Light ink on a dark board. */
  inverted: boolean;
  /** Most opaque the ink gets, 0..1. */
  inkOpacity: number;
  /** Opacity lost to pen pressure at its lightest, 0..1, varying over `pressureCell` body heights. */
  pressure: number;
  pressureCell: number;
  /** Patchy ink (pencil on paper grain, chalk): largest opacity lost per pixel, 0..1. */
  inkGrain: number;
  /** Paper mottling, +- share of brightness, over `textureCell` body heights. */
  texture: number;
  textureCell: number;
  /** Fine paper grain, standard deviation as a share of brightness. */
  paperGrain: number;
  lighting: LightingLook;
  rules: RulesLook | null;
  neighbours: { above: NeighbourLook | null; below: NeighbourLook | null };
  /** Paper around the ink, body heights. */
  margins: { left: number; right: number; top: number; bottom: number };
  /** Degrees. */
  rotation: number;
  /** Horizontal and vertical keystone (see `PaperOptions.maxKeystone`). */
  keystone: [number, number];
  /** Output pixels per ink pixel. */
  scale: number;
  /** Gaussian blur sigma, body heights. */
  blur: number;
  /** Camera shake: streak length in body heights, direction in degrees. */
  motion: { length: number; angle: number } | null;
  exposure: number;
  gamma: number;
  /** Sensor noise standard deviation, 0..1 units. */
  noise: number;
  /** Share of pixels turned black or white. */
  saltPepper: number;
  /** JPEG quality, or null for no compression. */
  jpegQuality: number | null;
}

/** An ink line as a photo: the pixels and where the writing sits in them. */
export interface PaperImage {
  image: RgbaImage;
  /** Row of the baseline at the ink's horizontal centre, output pixels (it tilts with the rotation). */
  baseline: number;
  /** Body height, output pixels. */
  bodyHeight: number;
}

/** Puts an ink line on paper in front of a camera: `renderPaper(line, drawPaperLook(line, rng, opts))`. */
export function putOnPaper(line: InkLine, rng: Rng, opts: PaperOptions = {}): PaperImage {
  return renderPaper(line, drawPaperLook(line, rng, opts));
}

// ---------------------------------------------------------------------------------------------
// Drawing the look

interface Swatch {
  weight: number;
  rgb: Rgb;
  /** Patchiness of the ink (pencil, chalk). */
  grain?: number;
}

const WHITE: Rgb = [1, 1, 1];
const BLACK: Rgb = [0, 0, 0];

/** Paper people write on and photograph; weights are rough shares. */
const PAPERS: Swatch[] = [
  { weight: 40, rgb: [0.97, 0.97, 0.97] }, // white
  { weight: 15, rgb: [0.94, 0.93, 0.88] }, // off-white
  { weight: 10, rgb: [0.97, 0.93, 0.8] }, // cream
  { weight: 10, rgb: [0.84, 0.84, 0.83] }, // light grey (or white in dim light)
  { weight: 9, rgb: [0.99, 0.93, 0.52] }, // yellow sticky note
  { weight: 4, rgb: [0.74, 0.87, 0.97] }, // pale blue
  { weight: 4, rgb: [0.78, 0.94, 0.72] }, // pale green
  { weight: 4, rgb: [0.99, 0.78, 0.86] }, // pink
];

/** Boards for light ink. */
const BOARDS: Swatch[] = [
  { weight: 3, rgb: [0.45, 0.45, 0.44] }, // mid-grey
  { weight: 3, rgb: [0.2, 0.22, 0.23] }, // slate
  { weight: 3, rgb: [0.16, 0.27, 0.21] }, // green chalkboard
  { weight: 1, rgb: [0.09, 0.09, 0.1] }, // black
];

const INKS: Swatch[] = [
  { weight: 30, rgb: [0.06, 0.06, 0.07] }, // black
  { weight: 8, rgb: [0.25, 0.25, 0.26] }, // dark grey
  { weight: 24, rgb: [0.12, 0.2, 0.62] }, // blue ballpoint
  { weight: 12, rgb: [0.08, 0.1, 0.33] }, // dark blue
  { weight: 5, rgb: [0.78, 0.12, 0.12] }, // red
  { weight: 4, rgb: [0.1, 0.48, 0.22] }, // green
  { weight: 17, rgb: [0.4, 0.4, 0.42], grain: 0.5 }, // pencil
];

const LIGHT_INKS: Swatch[] = [
  { weight: 3, rgb: [0.9, 0.9, 0.88], grain: 0.6 }, // chalk
  { weight: 1, rgb: [0.96, 0.96, 0.96] }, // white marker
];

const RULE_COLOURS: Rgb[] = [
  [0.55, 0.7, 0.9], // light blue
  [0.6, 0.72, 0.88], // blue-grey
  [0.68, 0.68, 0.68], // grey
];
const MARGIN_RED: Rgb = [0.9, 0.38, 0.42];

function resolveOptions(opts: PaperOptions): Required<PaperOptions> {
  const o = { ...DEFAULT_PAPER_OPTIONS, ...opts };
  if (!(o.strength >= 0 && o.strength <= 1)) throw new Error(`PaperOptions.strength must be in [0, 1], got ${o.strength}`);
  if (!(o.ruleSpacing === 0 || o.ruleSpacing >= 1)) throw new Error(`PaperOptions.ruleSpacing must be 0 (drawn per photo) or at least 1 body height, got ${o.ruleSpacing}`);
  for (const key of ['margin', 'scale', 'jpegQuality', 'exposure', 'gamma'] as const) {
    const [lo, hi] = o[key];
    if (!(lo <= hi)) throw new Error(`PaperOptions.${key} must be a [lo, hi] range with lo <= hi, got [${lo}, ${hi}]`);
  }
  return o;
}

/** Rec. 601 luma, as the line recipe reads colours. */
function luma(c: Rgb): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

function pick(list: Swatch[], u: number): Swatch {
  let total = 0;
  for (const s of list) total += s.weight;
  let acc = 0;
  for (const s of list) {
    acc += s.weight / total;
    if (u < acc) return s;
  }
  return list[list.length - 1];
}

function jitter(c: Rgb, amount: number, rng: Rng): Rgb {
  return c.map((v) => min(1, max(0, v + rng.uniform(-amount, amount)))) as Rgb;
}

function mix(a: Rgb, b: Rgb, k: number): Rgb {
  return [a[0] + k * (b[0] - a[0]), a[1] + k * (b[1] - a[1]), a[2] + k * (b[2] - a[2])];
}

/**
 * The ink moved towards the paper by `fade` (0 = as is, 1 = the paper), but never so far that it
 * turns illegible: dark ink keeps absorbing at least `minContrast` of the paper's light, light ink
 * stays at least `minContrast` brighter than its board (how the line recipe measures ink either way).
 */
function fadeInk(paper: Rgb, ink: Rgb, fade: number, minContrast: number): Rgb {
  const lp = luma(paper);
  const d = abs(luma(ink) - lp);
  if (d === 0) return ink;
  const kMin = luma(ink) < lp ? (minContrast * lp) / d : minContrast / d;
  return mix(paper, ink, min(1, max(1 - fade, kMin)));
}

/**
 * Every random choice for one ink line (its body height sets the smallest scale). The rng is read
 * the same number of times whatever is chosen, so one seed at two strengths gives the same kind of
 * image, more or less degraded.
 */
export function drawPaperLook(line: InkLine, rng: Rng, opts: PaperOptions = {}): PaperLook {
  const o = resolveOptions(opts);
  const t = o.strength;
  const chance = (p: number): boolean => rng.next() < p * t;
  const seed = (rng.next() * 4294967296) >>> 0;

  // Paper and ink colours: with probability `strength` from the full palette, else white and black.
  const inverted = chance(o.invertedProbability);
  const paperU = rng.next();
  const inkU = rng.next();
  const tintedPaper = rng.next() < t;
  const colouredInk = rng.next() < t;
  const paperSwatch = inverted ? pick(BOARDS, paperU) : tintedPaper ? pick(PAPERS, paperU) : { weight: 1, rgb: WHITE };
  const inkSwatch = inverted ? pick(LIGHT_INKS, inkU) : colouredInk ? pick(INKS, inkU) : { weight: 1, rgb: BLACK };
  const paper = jitter(paperSwatch.rgb, 0.03 * t, rng);
  const faded = chance(o.lowContrastProbability);
  const fadeU = rng.next();
  const fade = fadeU * fadeU; // mostly a little faded, now and then down to the contrast floor
  const unfaded = jitter(inkSwatch.rgb, 0.04 * t, rng);
  const inkOpacity = 1 - t * rng.uniform(0, 0.15);
  const grain = inkSwatch.grain ?? 0;
  const inkGrain = t * grain * rng.uniform(0.6, 1.2);
  const pressure = t * (1 + grain) * rng.uniform(0, o.maxPressure);
  // The floor holds for the ink as it shows on average: opacity, grain and pressure thin it out.
  const showing = inkOpacity * (1 - inkGrain / 2) * (1 - pressure / 2);
  const ink = fadeInk(paper, unfaded, faded ? t * fade : 0, o.minContrast / showing);
  const pressureCell = rng.uniform(0.5, 2);
  const texture = t * rng.uniform(0, o.maxTexture);
  const textureCell = rng.uniform(1, 4);
  const paperGrain = t * rng.uniform(0, o.maxGrain);

  const lighting: LightingLook = {
    gradient: t * rng.uniform(0, o.maxGradient),
    radial: rng.next() < 0.4,
    gradientAngle: rng.uniform(0, 2 * PI),
    centre: [rng.uniform(-1, 1), rng.uniform(-1, 1)],
    shadow: 0,
    shadowAngle: rng.uniform(0, 2 * PI),
    shadowOffset: rng.uniform(-0.7, 0.7),
    shadowSoftness: rng.uniform(0.05, 0.6),
    vignette: t * rng.uniform(0, o.maxVignette),
  };
  const shadowed = chance(o.shadowProbability);
  const shadowDepth = t * rng.uniform(0.1, o.maxShadow);
  if (shadowed) lighting.shadow = shadowDepth;

  const rules = drawRules(rng, o, paper, ink, chance(o.ruledProbability) && !inverted);

  const margins = {
    left: rng.uniform(o.margin[0], o.margin[1]),
    right: rng.uniform(o.margin[0], o.margin[1]),
    top: rng.uniform(o.margin[0], o.margin[1]),
    bottom: rng.uniform(o.margin[0], o.margin[1]),
  };
  if (rules?.margin) rules.margin.distance = min(rules.margin.distance, 0.8 * margins.left);
  const neighbour = (room: number): NeighbourLook | null => {
    const present = chance(o.neighbourProbability);
    const depth = rng.uniform(0.1, 0.4);
    const shift = rng.uniform(-0.5, 0.5);
    // Keep a gap of 0.3 body heights to this line's ink: a crop never cuts into its own line.
    return present && room >= 0.45 ? { depth: min(depth, room - 0.3), shift } : null;
  };
  const neighbours = { above: neighbour(margins.top), below: neighbour(margins.bottom) };

  const rotation = t * rng.uniform(-o.maxRotation, o.maxRotation);
  const keystone: [number, number] = [t * rng.uniform(-o.maxKeystone, o.maxKeystone), t * rng.uniform(-o.maxKeystone, o.maxKeystone)];
  const scale = max(1 + t * (rng.uniform(o.scale[0], o.scale[1]) - 1), o.minBodyHeight / line.bodyHeight);
  const blurU = rng.next();
  const blur = t * o.maxBlur * blurU * blurU; // mostly small: median a quarter of the largest
  const shaken = chance(o.motionBlurProbability);
  const motionLength = t * rng.uniform(0.03, o.maxMotionBlur);
  const motionAngle = rng.uniform(0, 180);
  const exposure = 1 + t * (rng.uniform(o.exposure[0], o.exposure[1]) - 1);
  const gamma = exp(t * rng.uniform(log(o.gamma[0]), log(o.gamma[1])));
  const noise = t * rng.uniform(0, o.maxNoise);
  const peppered = chance(o.saltPepperProbability);
  const pepperShare = t * rng.uniform(0, o.maxSaltPepper);
  const saltPepper = peppered ? pepperShare : 0;
  const compressed = chance(o.jpegProbability);
  const [qLo, qHi] = o.jpegQuality;
  const quality = round(qHi - t * rng.uniform(0, qHi - qLo));
  return {
    seed,
    paper,
    ink,
    inverted,
    inkOpacity,
    pressure,
    pressureCell,
    inkGrain,
    texture,
    textureCell,
    paperGrain,
    lighting,
    rules,
    neighbours,
    margins,
    rotation,
    keystone,
    scale,
    blur,
    motion: shaken ? { length: motionLength, angle: motionAngle } : null,
    exposure,
    gamma,
    noise,
    saltPepper,
    jpegQuality: compressed ? quality : null,
  };
}

/** Ruled or squared lines, lighter than the ink (at most half its luminance drop), or null when `present` is false. */
function drawRules(rng: Rng, o: Required<PaperOptions>, paper: Rgb, ink: Rgb, present: boolean): RulesLook | null {
  const grid = rng.next() < o.gridShare;
  const drawn = grid ? rng.uniform(1, 2) : rng.uniform(2, 3); // drawn either way: the rng's sequence stays the same
  const spacing = !grid && o.ruleSpacing > 0 ? o.ruleSpacing : drawn;
  const offset = rng.uniform(-0.05, 0.2);
  const tilt = rng.uniform(-0.6, 0.6);
  const phase = rng.next();
  const colour = jitter(RULE_COLOURS[rng.int(RULE_COLOURS.length)], 0.04, rng);
  const width = rng.uniform(0.03, 0.1);
  const alpha = rng.uniform(0.35, 0.9);
  const withMargin = rng.next() < o.marginLineShare;
  const marginAlpha = rng.uniform(0.4, 0.9);
  const marginDistance = rng.uniform(0.2, 1.2);
  if (!present) return null;
  const inkDrop = luma(paper) - luma(ink);
  const lighter = (c: Rgb, a: number): number => {
    const drop = luma(paper) - luma(c);
    return drop > 0 ? min(a, (0.5 * inkDrop) / drop) : a;
  };
  return {
    grid,
    spacing,
    offset,
    tilt,
    phase,
    colour,
    alpha: lighter(colour, alpha),
    width,
    margin: withMargin ? { colour: MARGIN_RED, alpha: lighter(MARGIN_RED, marginAlpha), width: 1.3 * width, distance: marginDistance } : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** The ink as the camera sees it, before the camera: coverage x opacity, pressure and grain. */
interface SourceInk {
  /** [(height) * (width)] with a ring of zeros (width = line width + 2), so sampling needs no bounds checks. */
  data: Float32Array;
  width: number;
  height: number;
  /** The ink's bounding box in line coordinates (pixel i spans i..i+1; x1, y1 exclusive). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Typical stroke width, line pixels (`medianStrokeWidth`); 0 when there are no rules to draw. */
  strokeWidth: number;
}

/** Line coordinates <-> output pixels: centre on the ink, keystone, rotate, scale, move into the frame. */
interface CameraFrame {
  width: number;
  height: number;
  cu: number;
  cv: number;
  cos: number;
  sin: number;
  scale: number;
  kx: number;
  ky: number;
  tx: number;
  ty: number;
}

function checkLine(line: InkLine): void {
  const { width, height, ink, bodyHeight, baseline } = line;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0 && ink.length === width * height)) {
    throw new Error(`putOnPaper: ink line "${line.text}" is ${width} x ${height} with ${ink.length} coverage values; expected width * height`);
  }
  if (!(bodyHeight > 0 && Number.isFinite(baseline))) {
    throw new Error(`putOnPaper: ink line "${line.text}" needs bodyHeight > 0 and a finite baseline, got ${bodyHeight} and ${baseline}`);
  }
}

/** Draws `look` for `line`: same line and look, same pixels. */
export function renderPaper(line: InkLine, look: PaperLook): PaperImage {
  checkLine(line);
  const source = sourceInk(line, look);
  const frame = cameraFrame(line, source, look);
  const { width, height } = frame;
  const body = line.bodyHeight * frame.scale; // output pixels
  let coverage = warpInk(source, frame, look, line.bodyHeight);
  if (look.motion && look.motion.length * body >= 0.5) {
    coverage = motionBlur(coverage, width, height, look.motion.length * body, (look.motion.angle * PI) / 180);
  }
  if (look.blur * body >= 0.15) coverage = gaussianBlur(coverage, width, height, look.blur * body);
  let image = develop(coverage, frame, look, source, line);
  if (look.jpegQuality !== null) image = jpegRoundTrip(image, look.jpegQuality);
  return { image, baseline: toOutput(frame, frame.cu, line.baseline)[1], bodyHeight: body };
}

function sourceInk(line: InkLine, look: PaperLook): SourceInk {
  const { width: w, height: h, ink, bodyHeight } = line;
  const pw = w + 2;
  const data = new Float32Array(pw * (h + 2));
  const rng = createRng(deriveSeed(look.seed, 'ink'));
  const pressure = look.pressure > 0 ? createNoiseGrid(w, h, max(1, look.pressureCell * bodyHeight), rng) : null;
  const grain = look.inkGrain;
  const opacity = look.inkOpacity;
  let s = lcgSeed(rng);
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = ink[i];
      if (c <= 0) continue;
      if (c > 0.05) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
      let a = (c > 1 ? 1 : c) * opacity;
      if (pressure) a *= 1 - look.pressure * sampleNoise(pressure, x, y);
      if (grain > 0) {
        s = (imul(s, LCG_MUL) + LCG_ADD) | 0;
        a *= 1 - grain * ((s >>> 8) / 16777216);
      }
      data[(y + 1) * pw + x + 1] = a;
    }
  }
  if (x1 < 0) {
    // No ink: frame the whole line, so a blank line still gives a photo of blank paper.
    x0 = 0;
    y0 = 0;
    x1 = w - 1;
    y1 = h - 1;
  }
  // Only rules need the stroke width (they must stay thinner than the ink).
  const strokeWidth = look.rules ? medianStrokeWidth(line) : 0;
  return { data, width: pw, height: h + 2, x0, y0, x1: x1 + 1, y1: y1 + 1, strokeWidth };
}

/** Typical stroke width, line pixels: the median ink mass of a row's runs of ink (most runs cross a stroke). */
function medianStrokeWidth(line: InkLine): number {
  const { width: w, height: h, ink } = line;
  const runs: number[] = [];
  for (let y = 0; y < h; y++) {
    let run = 0;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = ink[i];
      if (c > 0.1) run += c;
      else if (run > 0) {
        runs.push(run);
        run = 0;
      }
    }
    if (run > 0) runs.push(run);
  }
  runs.sort((a, b) => a - b);
  return runs.length > 0 ? runs[runs.length >> 1] : 0.1 * line.bodyHeight;
}

/** Line coordinates (u, v) -> output pixel coordinates. */
function toOutput(f: CameraFrame, u: number, v: number): [number, number] {
  const px = u - f.cu;
  const py = v - f.cv;
  const k = f.scale / (1 + f.kx * px + f.ky * py);
  return [(f.cos * px - f.sin * py) * k + f.tx, (f.sin * px + f.cos * py) * k + f.ty];
}

/**
 * The camera's frame: the transformed ink box plus the margins. The offset is snapped so that
 * without rotation, keystone or scaling, output pixels fall exactly on line pixels (a clean
 * rendering is the ink itself, not a half-pixel blur of it).
 */
function cameraFrame(line: InkLine, src: SourceInk, look: PaperLook): CameraFrame {
  const cu = (src.x0 + src.x1) / 2;
  const cv = (src.y0 + src.y1) / 2;
  const angle = (look.rotation * PI) / 180;
  const half = max(1, src.x1 - src.x0, src.y1 - src.y0) / 2;
  const f: CameraFrame = {
    width: 0,
    height: 0,
    cu,
    cv,
    cos: cos(angle),
    sin: sin(angle),
    scale: look.scale,
    // Both per half of the ink's longer side: the page is tilted, not the line, so a vertical
    // keystone barely changes the scale between a letter's top and bottom.
    kx: look.keystone[0] / half,
    ky: look.keystone[1] / half,
    tx: 0,
    ty: 0,
  };
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [u, v] of [
    [src.x0, src.y0],
    [src.x1, src.y0],
    [src.x0, src.y1],
    [src.x1, src.y1],
  ]) {
    const [x, y] = toOutput(f, u, v);
    minX = min(minX, x);
    maxX = max(maxX, x);
    minY = min(minY, y);
    maxY = max(maxY, y);
  }
  const px = line.bodyHeight * look.scale;
  const m = look.margins;
  f.tx = cu + round(m.left * px - minX - cu);
  f.ty = cv + round(m.top * px - minY - cv);
  f.width = max(1, ceil(maxX + f.tx + m.right * px - 1e-6));
  f.height = max(1, ceil(maxY + f.ty + m.bottom * px - 1e-6));
  return f;
}

/** Bilinear coverage at line coordinates (u, v) (pixel i's centre at i + 0.5); 0 off the line. */
function sampleInk(data: Float32Array, pw: number, ph: number, u: number, v: number): number {
  const fx = u + 0.5; // + 1 for the zero ring, - 0.5 for pixel centres
  const fy = v + 0.5;
  if (!(fx >= 0 && fy >= 0 && fx < pw - 1 && fy < ph - 1)) return 0;
  const x0 = fx | 0;
  const y0 = fy | 0;
  const ax = fx - x0;
  const k = y0 * pw + x0;
  const top = data[k] + ax * (data[k + 1] - data[k]);
  const bottom = data[k + pw] + ax * (data[k + pw + 1] - data[k + pw]);
  return top + (fy - y0) * (bottom - top);
}

/**
 * Where a neighbouring line's nearest ink runs, as a row v of line coordinates: parallel to the
 * writing, reaching `depth` line pixels into the frame at its deepest point (a rotated line crosses
 * the frame's edge at a slant), but never closer than 0.3 body heights to this line's ink.
 */
function neighbourEdge(f: CameraFrame, src: SourceInk, depth: number, shift: number, bodyHeight: number, above: boolean): number {
  const target = above ? depth * f.scale : f.height - depth * f.scale; // output rows
  let v = above ? src.y0 - depth : src.y1 + depth;
  for (let it = 0; it < 3; it++) {
    // Its ink spans x0..x1 of its own line, x0 - shift..x1 - shift of this one.
    const a = toOutput(f, src.x0 - shift, v)[1];
    const b = toOutput(f, src.x1 - shift, v)[1];
    const reach = above ? max(a, b) : min(a, b);
    v -= (reach - target) / (f.scale * f.cos); // rows of output per row of line: scale x cos(rotation)
  }
  return above ? min(v, src.y0 - 0.3 * bodyHeight) : max(v, src.y1 + 0.3 * bodyHeight);
}

/**
 * The ink coverage in the output frame ([height * width]): each output pixel maps back through
 * the camera to the line; when shrinking a lot, n x n samples per pixel average its footprint (no
 * aliasing). Neighbouring lines are the same ink moved up or down a line.
 */
function warpInk(src: SourceInk, f: CameraFrame, look: PaperLook, bodyHeight: number): Float32Array {
  const { width: W, height: H } = f;
  const out = new Float32Array(W * H);
  // Down to a scale of 0.7 bilinear sampling still sees every ink pixel; below it, n x n samples do.
  const n = f.scale < 0.7 ? ceil(1 / f.scale - 1e-6) : 1;
  const weight = 1 / (n * n);
  const { data, width: pw, height: ph, x0, y0, x1, y1 } = src;
  const { above, below } = look.neighbours;
  // Above: its lowest ink (y1) reaches `depth` below the top edge; below: its highest (y0) `depth` above the bottom edge.
  const aboveDx = above ? above.shift * (x1 - x0) : 0;
  const aboveDy = above ? y1 - neighbourEdge(f, src, above.depth * bodyHeight, aboveDx, bodyHeight, true) : 0;
  const belowDx = below ? below.shift * (x1 - x0) : 0;
  const belowDy = below ? y0 - neighbourEdge(f, src, below.depth * bodyHeight, belowDx, bodyHeight, false) : 0;
  const { cos: c, sin: s, scale, kx, ky, tx, ty, cu, cv } = f;
  const cs = c / scale;
  const ss = s / scale;
  // Rows of v (line coordinates) that can hold ink: the line's and its neighbours'.
  const bands: Array<[number, number]> = [[y0 - 1, y1 + 1]];
  if (above) bands.push([y0 - 1 - aboveDy, y1 + 1 - aboveDy]);
  if (below) bands.push([y0 - 1 - belowDy, y1 + 1 - belowDy]);
  const vAt = (x: number, y: number): number => {
    const qx = x - tx;
    const qy = y - ty;
    const rx = cs * qx + ss * qy;
    const ry = cs * qy - ss * qx;
    return cv + ry / (1 - kx * rx - ky * ry);
  };
  for (let y = 0; y < H; y++) {
    // v is a ratio of affine functions: over the row's rectangle it is extreme at a corner.
    const corners = [vAt(0, y), vAt(W, y), vAt(0, y + 1), vAt(W, y + 1)];
    const lo = min(...corners);
    const hi = max(...corners);
    if (!bands.some(([a, b]) => hi >= a && lo <= b)) continue;
    if (n === 1) {
      // One sample a pixel, at its centre: rx, ry and d step by constants along the row.
      const qy = y + 0.5 - ty;
      const q0 = 0.5 - tx;
      let rx = cs * q0 + ss * qy;
      let ry = cs * qy - ss * q0;
      let d = 1 - kx * rx - ky * ry;
      const dd = -kx * cs + ky * ss;
      for (let x = 0, o = y * W; x < W; x++, o++, rx += cs, ry -= ss, d += dd) {
        const u = cu + rx / d;
        const v = cv + ry / d;
        let cov = sampleInk(data, pw, ph, u, v);
        if (above && v < y0) cov = max(cov, sampleInk(data, pw, ph, u + aboveDx, v + aboveDy));
        if (below && v > y1) cov = max(cov, sampleInk(data, pw, ph, u + belowDx, v + belowDy));
        out[o] = cov;
      }
      continue;
    }
    for (let x = 0; x < W; x++) {
      let acc = 0;
      for (let j = 0; j < n; j++) {
        const qy = y + (j + 0.5) / n - ty;
        for (let i = 0; i < n; i++) {
          const qx = x + (i + 0.5) / n - tx;
          // Inverse of toOutput: unrotate and unscale, then undo the keystone's division.
          const rx = cs * qx + ss * qy;
          const ry = cs * qy - ss * qx;
          const d = 1 - kx * rx - ky * ry;
          const u = cu + rx / d;
          const v = cv + ry / d;
          let cov = sampleInk(data, pw, ph, u, v);
          if (above && v < y0) cov = max(cov, sampleInk(data, pw, ph, u + aboveDx, v + aboveDy));
          if (below && v > y1) cov = max(cov, sampleInk(data, pw, ph, u + belowDx, v + belowDy));
          acc += cov;
        }
      }
      out[y * W + x] = acc * weight;
    }
  }
  return out;
}

/**
 * Motion blur of a [height * width] plane: the average along a streak `length` pixels long at
 * `angle` radians, centred on each pixel (bilinear taps at least a pixel apart, edges extended).
 */
export function motionBlur(plane: Float32Array, width: number, height: number, length: number, angle: number): Float32Array {
  const taps = max(2, ceil(length) + 1);
  const out = new Float32Array(width * height);
  const [top, bottom] = nonZeroRows(plane, width, height);
  const reach = ceil(length / 2) + 1;
  const xa = new Int32Array(width);
  const xb = new Int32Array(width);
  for (let t = 0; t < taps; t++) {
    const along = (t / (taps - 1) - 0.5) * length;
    const dx = along * cos(angle);
    const dy = along * sin(angle);
    const ix = floor(dx);
    const iy = floor(dy);
    const fx = dx - ix;
    const fy = dy - iy;
    const w00 = ((1 - fx) * (1 - fy)) / taps;
    const w01 = (fx * (1 - fy)) / taps;
    const w10 = ((1 - fx) * fy) / taps;
    const w11 = (fx * fy) / taps;
    for (let x = 0; x < width; x++) {
      xa[x] = min(width - 1, max(0, x + ix));
      xb[x] = min(width - 1, max(0, x + ix + 1));
    }
    for (let y = max(0, top - reach); y < min(height, bottom + reach); y++) {
      const ra = min(height - 1, max(0, y + iy)) * width;
      const rb = min(height - 1, max(0, y + iy + 1)) * width;
      for (let x = 0, o = y * width; x < width; x++, o++) {
        out[o] += w00 * plane[ra + xa[x]] + w01 * plane[ra + xb[x]] + w10 * plane[rb + xa[x]] + w11 * plane[rb + xb[x]];
      }
    }
  }
  return out;
}

/** Error function (Abramowitz and Stegun 7.1.26, |error| < 1.5e-7). */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return sign * y;
}

/** Cross-section of a printed line `width` wide seen through a Gaussian of `sigma`, tabulated every 1/RES pixel out to `reach`. */
interface LineProfile {
  table: Float32Array;
  reach: number;
}
const RES = 16;

function lineProfile(width: number, sigma: number): LineProfile {
  const reach = width / 2 + 3 * sigma;
  const table = new Float32Array(ceil(2 * reach * RES) + 2);
  const k = 1 / (sigma * sqrt(2));
  for (let i = 0; i < table.length; i++) {
    const d = i / RES - reach;
    table[i] = 0.5 * (erf((d + width / 2) * k) - erf((d - width / 2) * k));
  }
  return { table, reach };
}

/** Spacing of the grid the light is computed on, output pixels: light varies over body heights, not pixels. */
const LIGHT_STEP = 8;

/**
 * The light falling on the paper ([rows * cols], every LIGHT_STEP pixels from pixel 0, two columns
 * and rows past the edge): gradient (linear or radial), vignetting, a shadow with a soft edge and
 * the paper's mottling, each a factor; then exposure and gamma, as 255 (exposure x light)^gamma.
 * A pixel is its colour^gamma times this, clipped at 255: (colour x light)^gamma exactly, because
 * light multiplies. (Partly covered pixels mix paper and ink after the gamma, not before: a
 * difference at stroke edges only.)
 */
function lightGrid(W: number, H: number, look: PaperLook, textureCell: number, rng: Rng): { cols: number; rows: number; light: Float32Array } {
  const L = look.lighting;
  const gain = 255 * pow(look.exposure, look.gamma);
  const cols = floor((W - 1) / LIGHT_STEP) + 2;
  const rows = floor((H - 1) / LIGHT_STEP) + 2;
  const texture = look.texture > 0 ? createNoiseGrid(W + LIGHT_STEP, H + LIGHT_STEP, textureCell, rng) : null;
  const half = max(W, H) / 2;
  const soft = max(0.01, L.shadowSoftness);
  const [gdx, gdy] = [cos(L.gradientAngle), sin(L.gradientAngle)];
  const [sdx, sdy] = [cos(L.shadowAngle), sin(L.shadowAngle)];
  const light = new Float32Array(cols * rows);
  for (let j = 0; j < rows; j++) {
    const y = j * LIGHT_STEP;
    const ys = (y + 0.5 - H / 2) / half; // image coordinates: -1..1 along the longer side
    for (let i = 0; i < cols; i++) {
      const x = i * LIGHT_STEP;
      const xs = (x + 0.5 - W / 2) / half;
      const g = L.radial ? ((xs - L.centre[0]) ** 2 + (ys - L.centre[1]) ** 2) / 4 : 0.5 + 0.5 * (gdx * xs + gdy * ys);
      let k = (1 - L.gradient * min(1, g)) * (1 - L.vignette * min(1, (xs * xs + ys * ys) / 2));
      if (L.shadow > 0) {
        const e = min(1, max(0, 0.5 + (0.5 * (sdx * xs + sdy * ys - L.shadowOffset)) / soft));
        k *= 1 - L.shadow * e * e * (3 - 2 * e);
      }
      if (texture) k *= 1 + look.texture * (2 * sampleNoise(texture, x, y) - 1);
      light[j * cols + i] = gain * pow(max(0, k), look.gamma);
    }
  }
  return { cols, rows, light };
}

/**
 * Paper, rules, ink, light and sensor: the coverage plane -> RGBA bytes. Rules are drawn
 * analytically in line coordinates (straight lines through the camera, blurred like the ink).
 */
function develop(coverage: Float32Array, f: CameraFrame, look: PaperLook, src: SourceInk, line: InkLine): RgbaImage {
  const { width: W, height: H } = f;
  const bodyHeight = line.bodyHeight;
  const scale = f.scale;
  const rng = createRng(deriveSeed(look.seed, 'develop'));
  const { cols, light } = lightGrid(W, H, look, max(2, look.textureCell * bodyHeight * scale), rng);
  const normals = sharedNormals();
  let st = lcgSeed(rng);
  // Colours after the gamma (see `lightGrid`).
  const toned = (c: Rgb): Rgb => c.map((v) => pow(v, look.gamma)) as Rgb;
  const [P0, P1, P2] = toned(look.paper);
  const [I0, I1, I2] = toned(look.ink);
  const colIndex = new Int32Array(W);
  const colWeight = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    colIndex[x] = floor(x / LIGHT_STEP);
    colWeight[x] = x / LIGHT_STEP - colIndex[x];
  }
  const lightRow = new Float32Array(cols);

  // Rules, in line coordinates; never wider than the ink's strokes.
  const R = look.rules;
  const footprint = 0.3 / scale; // an output pixel's box, in line pixels
  const blurSigma = look.blur * bodyHeight + (look.motion ? (look.motion.length * bodyHeight) / sqrt(12) : 0);
  const ruleSigma = sqrt(blurSigma * blurSigma + footprint * footprint + 0.1);
  const ruleWidth = R ? min(R.width * bodyHeight, 0.8 * src.strokeWidth) : 0;
  const rule = R ? lineProfile(ruleWidth, ruleSigma) : null;
  const marginLine = R?.margin ? lineProfile(min(R.margin.width * bodyHeight, src.strokeWidth), ruleSigma) : null;
  const tilt = R ? tan((R.tilt * PI) / 180) : 0;
  const spacing = R ? R.spacing * bodyHeight : 1;
  const ruleY = R ? line.baseline + R.offset * bodyHeight : 0;
  const ruleX = R ? src.x0 + R.phase * spacing : 0;
  const marginX = R?.margin ? src.x0 - R.margin.distance * bodyHeight : 0;
  const [R0, R1, R2] = toned(R ? R.colour : BLACK);
  const ruleAlpha = R ? R.alpha : 0;
  const grid = R ? R.grid : false;
  const [M0, M1, M2] = toned(R?.margin ? R.margin.colour : BLACK);
  const marginAlpha = R?.margin ? R.margin.alpha : 0;
  const { cos: c, sin: s, kx, ky, tx, ty, cu, cv } = f;
  const cs = c / scale;
  const ss = s / scale;

  const noise = look.noise * 255;
  const grainAmp = look.paperGrain;
  const noisy = noise > 0 || grainAmp > 0;
  const mask = NORMAL_TABLE_SIZE - 1;
  const pepper = look.saltPepper * 4294967296 - 2147483648; // compared with a signed 32-bit LCG state
  const data = new Uint8Array(W * H * 4);
  const pixels = new Uint32Array(data.buffer); // one store a pixel; RGBA bytes are little-endian ABGR words
  for (let y = 0; y < H; y++) {
    const j = floor(y / LIGHT_STEP);
    const fy = y / LIGHT_STEP - j;
    for (let i = 0, a = j * cols, b = a + cols; i < cols; i++) lightRow[i] = light[a + i] + fy * (light[b + i] - light[a + i]);
    const rx0 = cs * (0.5 - tx) + ss * (y + 0.5 - ty);
    const ry0 = cs * (y + 0.5 - ty) - ss * (0.5 - tx);
    for (let x = 0, i = y * W; x < W; x++, i++) {
      let pr = P0;
      let pg = P1;
      let pb = P2;
      if (rule) {
        // Back to line coordinates, as in warpInk (x steps rx, ry and d by constants).
        const rx = rx0 + cs * x;
        const ry = ry0 - ss * x;
        const d = 1 - kx * rx - ky * ry;
        const u = cu + rx / d;
        const v = cv + ry / d;
        const table = rule.table;
        const reach = rule.reach;
        let r = 0;
        const across = v - ruleY - tilt * (u - cu);
        const dv = across - spacing * floor(across / spacing + 0.5);
        if (dv > -reach && dv < reach) r = table[((dv + reach) * RES + 0.5) | 0];
        if (grid) {
          const ur = u - ruleX + tilt * (v - cv);
          const du = ur - spacing * floor(ur / spacing + 0.5);
          if (du > -reach && du < reach) {
            const q = table[((du + reach) * RES + 0.5) | 0];
            r = r + q - r * q;
          }
        }
        if (r > 0) {
          const k = r * ruleAlpha;
          pr += k * (R0 - pr);
          pg += k * (R1 - pg);
          pb += k * (R2 - pb);
        }
        if (marginLine) {
          const dm = u - marginX + tilt * (v - cv);
          if (dm > -marginLine.reach && dm < marginLine.reach) {
            const k = marginLine.table[((dm + marginLine.reach) * RES + 0.5) | 0] * marginAlpha;
            pr += k * (M0 - pr);
            pg += k * (M1 - pg);
            pb += k * (M2 - pb);
          }
        }
      }
      const a = coverage[i];
      if (a > 0) {
        pr += a * (I0 - pr);
        pg += a * (I1 - pg);
        pb += a * (I2 - pb);
      }
      const ci = colIndex[x];
      const k = lightRow[ci] + colWeight[x] * (lightRow[ci + 1] - lightRow[ci]);
      let vr = pr * k;
      let vg = pg * k;
      let vb = pb * k;
      if (noisy) {
        // Paper grain (the same for the three channels, proportional to brightness), then sensor
        // noise per channel: four normals from two LCG steps (bits 20-31 and 8-19).
        st = (imul(st, LCG_MUL) + LCG_ADD) | 0;
        const grain = 1 + grainAmp * normals[st >>> NORMAL_SHIFT];
        vr = vr * grain + noise * normals[(st >>> 8) & mask];
        st = (imul(st, LCG_MUL) + LCG_ADD) | 0;
        vg = vg * grain + noise * normals[st >>> NORMAL_SHIFT];
        vb = vb * grain + noise * normals[(st >>> 8) & mask];
      }
      if (pepper > -2147483648) {
        st = (imul(st, LCG_MUL) + LCG_ADD) | 0;
        if (st < pepper) vr = vg = vb = (st >>> 16) & 1 ? 255 : 0;
      }
      let ir = (vr + 0.5) | 0;
      let ig = (vg + 0.5) | 0;
      let ib = (vb + 0.5) | 0;
      ir = ir < 0 ? 0 : ir > 255 ? 255 : ir;
      ig = ig < 0 ? 0 : ig > 255 ? 255 : ig;
      ib = ib < 0 ? 0 : ib > 255 ? 255 : ib;
      pixels[i] = (0xff000000 | (ib << 16) | (ig << 8) | ir) >>> 0;
    }
  }
  return { width: W, height: H, data };
}

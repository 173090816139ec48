/**
 * Synthetic pages: lines of one generator's handwriting (handwriting.ts) brought to one body height,
 * stacked top to bottom at a line pitch with a ragged left edge, and photographed as one page
 * (paper.ts: paper, ink colour, light and shadow, rotation, blur, noise, JPEG). For measuring page
 * layout and reading whole pages (`npm run bench:read`'s page sets). The lines, their writers and
 * words are the generator's, so a test generator's pages hold test fonts (or EMNIST test letters)
 * and test words only. Every line of a page has its own writer: a page of one writer would need the
 * generator to draw several texts with one writer, which it does not expose.
 */
import { resizeImage } from '../image/geometry';
import { createRng, deriveSeed, intIn } from '../util/rng';
import { HandwritingGenerator } from './handwriting';
import { InkLine, stackInkLines } from './ink';
import { PaperImage, PaperOptions, putOnPaper } from './paper';

/** Options of `syntheticPage`; ranges are drawn from per page. */
export interface SyntheticPageOptions {
  /** Lines on a page, [fewest, most]. Default [2, 6]; at most MAX_PAGE_LINES. */
  lines?: [number, number];
  /** Body height of the page's writing, pixels. Default [12, 22]. */
  bodyHeight?: [number, number];
  /** Baseline to baseline, body heights (each gap then varies by 10%). Default [2.8, 4]. */
  pitch?: [number, number];
  /**
   * Each line turned by up to this many degrees either way from the page's rows, drawn per line (a
   * hand drifting up or down across unruled paper; the photo's own rotation comes on top). Each line
   * starts at its baseline and drifts from there. Default 0; at most MAX_LINE_TILT.
   */
  lineTilt?: number;
  /** Paper-and-camera strength (paper.ts). Default [0.2, 1]. */
  strength?: [number, number];
  /**
   * Ruled paper, written as a notebook is: every baseline on a rule, the rules one pitch apart (so
   * the pitch does not vary from line to line), never squared; at strength 0 the paper stays clean
   * white, unruled. Default false: plain paper.
   */
  ruled?: boolean;
  /**
   * Squared paper (a grid 1-2 body heights a square, paper.ts), the lines written on it as on plain
   * paper; at strength 0 the paper stays clean white. Not with `ruled`. Default false.
   */
  squared?: boolean;
  /** Paper options under the strength. A neighbouring line cropped in stays off (paper.ts draws it for one line); rules only with `ruled` or `squared`. */
  paper?: PaperOptions;
  /** Seed of the pages' layout and photos (the lines come from the generator). Default 0. */
  seed?: number;
}

/** One synthetic page. */
export interface SyntheticPage {
  /** The photo of the page (RGBA). */
  photo: PaperImage;
  /** Its lines' texts, top to bottom. */
  lines: string[];
  /** The lines joined with '\n': what a page reader should give. */
  text: string;
  /** Paper-and-camera strength of the photo. */
  strength: number;
}

/** Most lines on a page: page n writes the generator's lines from n * MAX_PAGE_LINES on, so no two pages share a line. */
export const MAX_PAGE_LINES = 8;

/** Largest `lineTilt`, degrees. */
export const MAX_LINE_TILT = 15;

const DEFAULTS = { lines: [2, 6] as [number, number], bodyHeight: [12, 22] as [number, number], pitch: [2.8, 4] as [number, number], lineTilt: 0, strength: [0.2, 1] as [number, number], ruled: false, squared: false, seed: 0 };

/** Page n of `gen`'s lines (see the module comment). Deterministic in (generator, n, options). */
export function syntheticPage(gen: HandwritingGenerator, n: number, opts: SyntheticPageOptions = {}): SyntheticPage {
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`syntheticPage: page number must be an integer >= 0, got ${n}`);
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as SyntheticPageOptions & typeof DEFAULTS;
  const [fewest, most] = o.lines;
  if (!(Number.isInteger(fewest) && Number.isInteger(most) && fewest >= 1 && fewest <= most && most <= MAX_PAGE_LINES)) {
    throw new Error(`syntheticPage: lines must be whole numbers 1 <= fewest <= most <= ${MAX_PAGE_LINES}, got [${o.lines.join(', ')}]`);
  }
  if (!(o.lineTilt >= 0 && o.lineTilt <= MAX_LINE_TILT)) throw new Error(`syntheticPage: lineTilt must be 0 to ${MAX_LINE_TILT} degrees, got ${o.lineTilt}`);
  if (o.ruled && o.squared) throw new Error('syntheticPage: a page is ruled or squared, not both');
  const rng = createRng(deriveSeed(o.seed, 'page', n));
  const count = intIn(rng, fewest, most);
  const body = rng.uniform(o.bodyHeight[0], o.bodyHeight[1]);
  const pitch = rng.uniform(o.pitch[0], o.pitch[1]) * body;
  let inks = Array.from({ length: count }, (_, i) => scaleInk(gen.stages(n * MAX_PAGE_LINES + i).ink, body));
  // Drawn from a stream of its own, so pages without tilt stay as they were.
  if (o.lineTilt > 0) {
    const tilts = createRng(deriveSeed(o.seed, 'page tilt', n));
    inks = inks.map((l) => tiltInk(l, tilts.uniform(-o.lineTilt, o.lineTilt)));
  }
  const lefts = inks.map(() => rng.uniform(0, 1.5) * body);
  const baselines = [Math.ceil(Math.max(...inks.map((l) => l.baseline)))];
  for (let i = 1; i < count; i++) {
    const gap = pitch * rng.uniform(0.9, 1.1); // drawn either way: a ruled page keeps the plain one's layout otherwise
    baselines.push(baselines[i - 1] + (o.ruled ? pitch : gap));
  }
  const strength = rng.uniform(o.strength[0], o.strength[1]);
  // paper.ts rules a photo with probability ruledProbability x strength: 1 / strength rules every page.
  const always = 1 / Math.max(strength, 1e-6);
  const rules = o.ruled ? { ruledProbability: always, gridShare: 0, ruleSpacing: pitch / body } : o.squared ? { ruledProbability: always, gridShare: 1 } : { ruledProbability: 0 };
  const photo = putOnPaper(stackInkLines(inks, baselines, lefts), rng, { ...o.paper, strength, ...rules, neighbourProbability: 0 });
  const lines = inks.map((l) => l.text);
  return { photo, lines, text: lines.join('\n'), strength };
}

/** The line redrawn at body height `body` (its ink resampled). */
function scaleInk(line: InkLine, body: number): InkLine {
  const f = body / line.bodyHeight;
  const width = Math.max(1, Math.round(line.width * f));
  const height = Math.max(1, Math.round(line.height * f));
  const { data } = resizeImage({ width: line.width, height: line.height, data: line.ink }, width, height);
  return { ...line, width, height, ink: data, baseline: line.baseline * f, bodyHeight: body };
}

/**
 * The line drifting `degrees` up (positive) or down to the right from its left end, where its
 * baseline stays: each column moved by x tan(degrees), linearly between rows (a shear, which for a
 * few degrees is a turn but for the letters' own lean).
 */
export function tiltInk(line: InkLine, degrees: number): InkLine {
  const rise = line.width * Math.tan((degrees * Math.PI) / 180); // pixels the right end rises
  const extra = Math.ceil(Math.abs(rise));
  if (extra === 0) return line;
  const height = line.height + extra;
  const ink = new Float32Array(line.width * height);
  // Row y of column x goes to y + shift(x); the canvas grows at the top for a rise.
  const top = rise > 0 ? extra : 0;
  for (let x = 0; x < line.width; x++) {
    const shift = top - (x * rise) / line.width;
    const whole = Math.floor(shift);
    const f = shift - whole;
    for (let y = 0; y < line.height; y++) {
      const v = line.ink[y * line.width + x];
      if (v === 0) continue;
      const y0 = y + whole;
      if (y0 >= 0 && y0 < height) ink[y0 * line.width + x] = Math.max(ink[y0 * line.width + x], v * (1 - f));
      if (f > 0 && y0 + 1 < height) ink[(y0 + 1) * line.width + x] = Math.max(ink[(y0 + 1) * line.width + x], v * f);
    }
  }
  return { ...line, height, ink, baseline: line.baseline + top };
}

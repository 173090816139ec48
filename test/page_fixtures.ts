/**
 * Generated pages of handwriting-like strokes for the page-layout tests: lines of words drawn with
 * render.ts's glyphs plus a few with descenders, ascenders and dots (g, p, y, l, i, o, r, full stop, comma), at known
 * positions, the whole page turned by a skew; each line's true box is the box of its own
 * rendering. Rasterised by sharp (librsvg), so no font is needed.
 *
 * And pages written with a handwriting font (`fontPage`): lines drawn by font_line.ts, stacked into
 * one ink canvas, then put on paper in front of a camera (paper.ts) as one photo.
 */
import sharp from 'sharp';
import { FloatImage, PixelBox } from '../src/image/gray';
import { rgbaToGray } from '../src/image/rgba';
import { glyphPath } from '../src/image/render';
import { renderFontLine } from '../src/synth/font_line';
import { InkLine, stackInkLines } from '../src/synth/ink';
import { drawPaperLook, renderPaper } from '../src/synth/paper';
import { createRng } from '../src/util/rng';

/** Glyphs the render module lacks, in its 100 x 100 box (baseline 90, x-height at 44). */
const EXTRA: Record<string, string> = {
  g: 'M72,52 C62,36 28,40 28,66 C28,90 66,90 72,64 M72,44 L72,122 C70,142 38,142 28,128',
  p: 'M30,44 L30,140 M30,60 C38,36 74,40 74,66 C74,94 38,94 30,74',
  y: 'M26,44 L50,90 M74,44 L46,124 C42,138 30,140 24,134',
  l: 'M46,8 L46,84 C46,92 56,92 62,86',
  i: 'M48,46 L48,90 M48,26 L49,28',
  o: 'M50,44 C24,44 24,90 50,90 C76,90 76,44 50,44',
  r: 'M32,44 L32,90 M32,62 C40,44 58,42 70,48',
  '.': 'M48,88 L49,89',
  ',': 'M50,86 L44,104',
};

/** A word or line as SVG path data in glyph units; returns the path and its width. */
export function wordPath(text: string, seed = 1): { path: string; width: number } {
  const parts: string[] = [];
  let pen = 0;
  let i = 0;
  for (const ch of text) {
    if (ch === ' ') {
      pen += 45;
      continue;
    }
    const d = EXTRA[ch] ?? glyphPath(ch, 2, seed + i);
    i++;
    const xs = [...d.matchAll(/(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)/g)].map((m) => Number(m[1]));
    const left = Math.min(...xs);
    const shift = pen - left;
    parts.push(d.replace(/(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)/g, (_, x: string, y: string) => `${(Number(x) + shift).toFixed(2)},${y}`));
    pen += Math.max(...xs) - left + 14;
  }
  return { path: parts.join(' '), width: pen - 14 };
}

export interface PageLineSpec {
  text: string;
  /** Left edge and glyph-box top of the line, pixels (before the page is turned). */
  x: number;
  y: number;
}

export interface PageSpec {
  width: number;
  height: number;
  lines: PageLineSpec[];
  /** Glyph box side, pixels. Default 40. */
  size?: number;
  /** Degrees, rows rising to the right positive. Default 0. */
  skew?: number;
  /** Rows of ruled lines (pixels, before turning), drawn in light blue. */
  rules?: number[];
  /** Column of a notebook's margin line (pixels, before turning), drawn in red down the whole page. */
  margin?: number;
  /** Dark specks of dirt, 1-3 px, strewn over the page (seeded). */
  specks?: number;
  strokeWidth?: number;
}

function svg(spec: PageSpec, only: number | null, paper: boolean): string {
  const size = spec.size ?? 40;
  const k = size / 100;
  const turn = `rotate(${-(spec.skew ?? 0)} ${spec.width / 2} ${spec.height / 2})`;
  const ink = paper ? '#1d2233' : '#fff';
  const lines = spec.lines.map((l, i) => (only !== null && only !== i ? '' :
    `<path d="${wordPath(l.text, 10 * i + 1).path}" transform="translate(${l.x} ${l.y}) scale(${k})" fill="none" stroke="${ink}" ` +
    `stroke-width="${spec.strokeWidth ?? 8}" stroke-linecap="round" stroke-linejoin="round"/>`)).join('');
  let rules = paper ? (spec.rules ?? []).map((r) => `<rect x="-50" y="${r}" width="${spec.width + 100}" height="2" fill="#7d95c8"/>`).join('') : '';
  if (paper && spec.margin !== undefined) rules += `<rect x="${spec.margin}" y="-50" width="3" height="${spec.height + 100}" fill="#b0443c"/>`;
  if (paper && spec.specks) {
    const rng = createRng(7);
    for (let k = 0; k < spec.specks; k++) {
      const side = 1 + rng.int(3);
      rules += `<rect x="${rng.int(spec.width)}" y="${rng.int(spec.height)}" width="${side}" height="${side}" fill="#2a2a2a"/>`;
    }
  }
  const bg = paper ? '<rect width="100%" height="100%" fill="#f4f1e8"/>' : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${spec.width}" height="${spec.height}">${bg}<g transform="${turn}">${rules}${lines}</g></svg>`;
}

/** The page as gray 0..1 (dark ink on light paper). */
export async function renderPage(spec: PageSpec): Promise<FloatImage> {
  const { data, info } = await sharp(Buffer.from(svg(spec, null, true))).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: Float32Array.from(data, (v) => v / 255) };
}

/** Each line's true box: the box of its own strokes' coverage (> 0.3), rendered alone on the turned page. */
export async function trueBoxes(spec: PageSpec): Promise<PixelBox[]> {
  const out: PixelBox[] = [];
  for (let i = 0; i < spec.lines.length; i++) {
    const { data, info } = await sharp(Buffer.from(svg(spec, i, false))).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    let x0 = info.width, y0 = info.height, x1 = -1, y1 = -1;
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        if (data[(y * info.width + x) * 4 + 3] <= 0.3 * 255) continue;
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
    out.push({ x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 });
  }
  return out;
}

/** Intersection over union of two boxes. */
export function iou(a: PixelBox, b: PixelBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = w > 0 && h > 0 ? w * h : 0;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

export interface FontPageSpec {
  /** The lines, top to bottom. */
  texts: string[];
  /** A font family of fonts.ts. */
  font: string;
  /** Line i is drawn with rng seed `10 * seed + i`, the paper with `100 + seed`. */
  seed: number;
  /** Body height of the writing, ink pixels. Default 18. */
  bodyHeight?: number;
  /** Baseline to baseline, body heights: one for every gap, or one per gap. Default 3. */
  pitch?: number | number[];
  /** Paper-and-camera strength (paper.ts; never ruled paper, nor a neighbouring line cropped in: the page has its own). Default 0.6. */
  strength?: number;
}

/**
 * A page written with a font (see `FontPageSpec`) as the gray image findTextLines gets, and each
 * line's true box: where the photo of that line alone (same paper, same camera) is darker than the
 * photo of blank paper by a third of its darkest ink (and at least 0.1).
 */
export function fontPage(spec: FontPageSpec): { page: FloatImage; truth: PixelBox[] } {
  const bh = spec.bodyHeight ?? 18;
  const pitch = spec.pitch ?? 3;
  const lines = spec.texts.map((t, i) => renderFontLine(t, spec.font, createRng(10 * spec.seed + i), { bodyHeight: [bh, bh] }));
  const baselines = [Math.ceil(lines[0].baseline)];
  for (let i = 1; i < lines.length; i++) baselines.push(baselines[i - 1] + bh * (Array.isArray(pitch) ? pitch[i - 1] : pitch));
  const ink = stackInkLines(lines, baselines);
  const look = drawPaperLook(ink, createRng(100 + spec.seed), { strength: spec.strength ?? 0.6, ruledProbability: 0, neighbourProbability: 0 });
  const gray = (line: InkLine): FloatImage => rgbaToGray(renderPaper(line, look).image, { maxSide: 4096 }).image;
  const page = gray(ink);
  // The camera frames the ink's box (coverage > 0.05): the same four corners, barely inked, keep
  // each line's photo framed as the page's.
  let x0 = ink.width, y0 = ink.height, x1 = -1, y1 = -1;
  for (let p = 0; p < ink.ink.length; p++) {
    if (ink.ink[p] <= 0.05) continue;
    const x = p % ink.width, y = (p - x) / ink.width;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const anchored = (only: number | null): InkLine => {
    const one = stackInkLines(lines.map((l, i) => (i === only ? l : { ...l, ink: new Float32Array(l.ink.length) })), baselines);
    for (const [x, y] of [[x0, y0], [x1, y0], [x0, y1], [x1, y1]]) one.ink[y * one.width + x] = Math.max(one.ink[y * one.width + x], 0.06);
    return one;
  };
  const blank = gray(anchored(null));
  const truth = lines.map((_, i) => {
    const alone = gray(anchored(i));
    // Ink: darker than the blank photo by a third of the line's darkest (faded ink too), not blur's halo.
    let darkest = 0;
    for (let p = 0; p < alone.data.length; p++) darkest = Math.max(darkest, blank.data[p] - alone.data[p]);
    let bx0 = alone.width, by0 = alone.height, bx1 = -1, by1 = -1;
    for (let p = 0; p < alone.data.length; p++) {
      if (blank.data[p] - alone.data[p] <= Math.max(0.1, darkest / 3)) continue;
      const x = p % alone.width, y = (p - x) / alone.width;
      bx0 = Math.min(bx0, x); bx1 = Math.max(bx1, x); by0 = Math.min(by0, y); by1 = Math.max(by1, y);
    }
    if (bx1 < 0) throw new Error(`fontPage: line ${i} (${JSON.stringify(spec.texts[i])}) left no ink on the photo; choose another seed`);
    return { x: bx0, y: by0, width: bx1 - bx0 + 1, height: by1 - by0 + 1 };
  });
  return { page, truth };
}

import sharp from 'sharp';
import { FloatImage, createImage } from './gray';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { imul, max, min, round } = Math;


/**
 * Handwriting-like strokes for a few characters, as SVG path data in a 100x100 box (y down). Drawn
 * once by hand; `glyphPath` adds a seeded wobble so no two renderings are identical.
 */
export const GLYPHS: Record<string, string> = {
  '0': 'M50,10 C22,10 16,90 50,90 C84,90 78,10 50,10',
  '1': 'M36,26 L54,10 L54,90',
  '2': 'M24,30 C26,4 76,4 72,32 C69,52 40,66 24,90 L78,88',
  '3': 'M24,20 C40,2 78,10 68,34 C62,47 50,50 42,50 C62,50 80,60 74,78 C66,98 30,96 22,82',
  '4': 'M62,90 L62,10 L20,66 L82,66',
  '5': 'M72,12 L34,12 L28,46 C46,36 78,40 76,66 C74,92 38,96 24,82',
  '6': 'M68,14 C40,2 22,40 24,66 C26,92 70,94 72,68 C74,46 40,42 26,62',
  '7': 'M22,12 L78,12 C62,40 50,62 42,90',
  '8': 'M50,50 C20,42 24,10 50,10 C76,10 80,42 50,50 C18,58 22,90 50,90 C78,90 82,58 50,50',
  '9': 'M72,36 C70,8 30,10 30,36 C30,60 70,58 72,36 L68,90',
  A: 'M18,90 L50,10 L82,90 M31,62 L69,62',
  B: 'M28,10 L28,90 M28,10 C82,8 78,48 28,48 M28,48 C90,46 88,92 28,90',
  T: 'M16,12 L84,12 M50,12 L50,90',
  e: 'M26,62 L74,60 C76,36 30,30 26,62 C24,88 60,94 76,82',
  // For the word and line samples: capitals span y 10..90; lower case sits on the same baseline (90)
  // with its x-height at about 40.
  D: 'M28,10 L28,90 C92,92 92,8 28,10',
  E: 'M72,10 L28,10 L28,90 L74,90 M28,50 L64,50',
  H: 'M24,10 L24,90 M76,10 L76,90 M24,50 L76,50',
  L: 'M30,10 L30,90 L76,90',
  O: 'M50,10 C10,10 10,90 50,90 C90,90 90,10 50,10',
  R: 'M28,90 L28,10 C80,8 80,50 28,50 L76,90',
  a: 'M72,52 C62,36 28,40 28,68 C28,94 66,92 72,66 M72,44 L74,90',
  d: 'M72,52 C62,36 28,40 28,68 C28,94 66,92 72,66 M72,10 L74,90',
  h: 'M28,10 L28,90 M28,60 C36,38 72,36 72,60 L72,90',
  n: 'M28,42 L28,90 M28,60 C36,38 72,36 72,60 L72,90',
  t: 'M44,12 L44,84 C44,92 60,92 68,86 M26,40 L66,40',
};

/** A small seeded PRNG (mulberry32): the same seed always gives the same samples. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The glyph's path data with every coordinate moved by up to +-`wobble` units (seeded); wobble 0 returns it as drawn. */
export function glyphPath(label: string, wobble = 0, seed = 1): string {
  const d = GLYPHS[label];
  if (d === undefined) throw new Error(`no strokes drawn for '${label}'; known: ${Object.keys(GLYPHS).join(' ')}`);
  if (wobble === 0) return d;
  const rand = seededRandom(seed);
  return d.replace(/-?\d+(\.\d+)?/g, (n) => (Number(n) + (rand() * 2 - 1) * wobble).toFixed(2));
}

/** Options of `textPath`, in glyph units (a glyph box is 100 x 100). */
export interface TextPathOptions {
  /** Random move of each stroke point, per glyph (see `glyphPath`). Default 0. */
  wobble?: number;
  /** Seed of the first glyph's wobble; glyph i uses seed + i. Default 1. */
  seed?: number;
  /** Gap between the strokes of neighbouring glyphs. Default 14. */
  spacing?: number;
  /** Width of a space. Default 45. */
  spaceWidth?: number;
}

/**
 * A word or line of text as one path: each glyph (`glyphPath`, with its own wobble) moved right so
 * it starts `spacing` units after the previous one ends. Returns the path and its width in units
 * (the first glyph's strokes start at x = 0; the glyph box height stays 100).
 */
export function textPath(text: string, opts: TextPathOptions = {}): { path: string; width: number } {
  const spacing = opts.spacing ?? 14;
  const parts: string[] = [];
  let pen = 0;
  let i = 0;
  for (const ch of text) {
    if (ch === ' ') {
      pen += opts.spaceWidth ?? 45;
      continue;
    }
    const d = glyphPath(ch, opts.wobble ?? 0, (opts.seed ?? 1) + i++);
    const xs = [...d.matchAll(/(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)/g)].map((m) => Number(m[1]));
    const left = min(...xs);
    const shift = pen - left;
    parts.push(d.replace(/(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)/g, (_, x: string, y: string) => `${(Number(x) + shift).toFixed(2)},${y}`));
    pen += max(...xs) - left + spacing;
  }
  if (parts.length === 0) throw new Error(`textPath: "${text}" has no character to draw`);
  return { path: parts.join(' '), width: pen - spacing };
}

/** How and where strokes are drawn on a canvas. */
export interface StrokeStyle {
  /** Pen width in glyph units (the glyph box is 100 units wide). */
  strokeWidth: number;
  /** Any SVG colour, e.g. '#1a2a8c' for a blue ballpoint. */
  ink: string;
  /** Canvas x, y of the glyph box's top-left corner, and its side in pixels. */
  x: number;
  y: number;
  size: number;
  /** Rotation in degrees about the glyph box centre (a slanted hand). Default 0. */
  rotate?: number;
  /** Opacity of the ink, 0..1 (chalk is patchy). Default 1. */
  opacity?: number;
}

/** An SVG document of `width` x `height` with the strokes over `background` (an SVG colour, or 'none' for transparent). */
export function strokesSvg(path: string, width: number, height: number, style: StrokeStyle, background = 'none'): string {
  const k = style.size / 100;
  const transform = `translate(${style.x} ${style.y}) scale(${k}) rotate(${style.rotate ?? 0} 50 50)`;
  return svgDocument(path, width, height, transform, style, background);
}

function svgDocument(path: string, width: number, height: number, transform: string, style: StrokeStyle, background: string): string {
  const bg = background === 'none' ? '' : `<rect width="100%" height="100%" fill="${background}"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    bg +
    `<path d="${path}" transform="${transform}" fill="none" stroke="${style.ink}" stroke-opacity="${style.opacity ?? 1}" ` +
    `stroke-width="${style.strokeWidth}" stroke-linecap="round" stroke-linejoin="round"/></svg>`
  );
}

/** Rasterises an SVG document to raw RGBA bytes (8 bits a channel). */
export async function rasterise(svg: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The strokes' coverage (alpha, 0..1) as a gray image: white ink on black. */
export async function renderCoverage(path: string, width: number, height: number, style: StrokeStyle): Promise<FloatImage> {
  const { data } = await rasterise(strokesSvg(path, width, height, { ...style, ink: '#fff', opacity: 1 }));
  const out = createImage(width, height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = data[i * 4 + 3] / 255;
  return out;
}

/**
 * The strokes rendered straight into MNIST geometry, computed in vector space from a large rendering:
 * the ink bounding box scaled to `box` pixels on its longest side (other side rounded, as a pixel
 * resize must), then moved by the whole-pixel shift that brings the centre of mass nearest to
 * (size/2, size/2), the MNIST way (MNIST centres of mass sit within 0.5 px of 14). Shares no code with
 * the preprocessing steps, so tests can hold them against it.
 */
export async function renderMnistReference(path: string, strokeWidth: number, box = 20, size = 28): Promise<FloatImage> {
  const big = 600; // glyph box at 400 px leaves a margin for strokes that overshoot the 100-unit box
  const probe: StrokeStyle = { strokeWidth, ink: '#fff', x: 100, y: 100, size: 400 };
  const cov = await renderCoverage(path, big, big, probe);
  let x0 = big, y0 = big, x1 = -1, y1 = -1, total = 0, sx = 0, sy = 0;
  for (let y = 0; y < big; y++) {
    for (let x = 0; x < big; x++) {
      const v = cov.data[y * big + x];
      if (v <= 0) continue;
      x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y);
      total += v; sx += v * (x + 0.5); sy += v * (y + 0.5); // pixel centres in SVG coordinates
    }
  }
  if (total === 0) throw new Error('renderMnistReference: the strokes rendered empty');
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const fw = max(1, round((bw * box) / max(bw, bh)));
  const fh = max(1, round((bh * box) / max(bw, bh)));
  const kx = fw / bw;
  const ky = fh / bh;
  // Centre of mass in the fitted image's index coordinates (index i has its centre at i + 0.5).
  const cx = (sx / total - x0) * kx - 0.5;
  const cy = (sy / total - y0) * ky - 0.5;
  const clamp = (v: number, hi: number) => min(hi, max(0, v));
  const ox = clamp(round(size / 2 - cx), size - fw);
  const oy = clamp(round(size / 2 - cy), size - fh);
  const g = probe.size / 100;
  const transform = `translate(${ox + (probe.x - x0) * kx} ${oy + (probe.y - y0) * ky}) scale(${g * kx} ${g * ky})`;
  const { data } = await rasterise(svgDocument(path, size, size, transform, probe, 'none'));
  const out = createImage(size, size);
  for (let i = 0; i < out.data.length; i++) out.data[i] = data[i * 4 + 3] / 255;
  return out;
}

import { promises as fs } from 'fs';
import * as nodePath from 'path';
import sharp from 'sharp';
import { FloatImage } from './gray';
import { StrokeStyle, glyphPath, renderCoverage, seededRandom, textPath } from './render';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { PI, ceil, cos, floor, hypot, log, max, min, round, sqrt } = Math;


/** What the character is drawn on: what a phone photo, a scanner, a drawing app or a blackboard gives. */
export type SampleBackground = 'paper' | 'white' | 'canvas' | 'chalkboard' | 'transparent';

/**
 * One sample image to render; the file name carries the true label (`digit-7-...`, `letter-A-...`,
 * `words/word-HELLO-...`, `words/line-and_then-...` with '_' for a space).
 */
export interface SampleSpec {
  /** Path under the samples folder. */
  file: string;
  /** The character drawn; more than one character is written as a word or line (`textPath`). */
  label: string;
  width: number;
  height: number;
  background: SampleBackground;
  /** Ink colour as RGB 0..255. */
  ink: [number, number, number];
  /** Pen width in glyph units (glyph box = 100). */
  strokeWidth: number;
  /** Glyph box position and side in pixels (for text: the first glyph's box; the height of every glyph box). */
  x: number;
  y: number;
  size: number;
  rotate?: number;
  /** How much darker the far corner of the paper is than the lit one (0..1). */
  shade?: number;
  /** Store the pixels turned and tag them with this EXIF orientation (6 = view rotated 90 degrees clockwise). */
  exifOrientation?: 6;
  /** How far (glyph units) each stroke point is moved at random, for a hand-drawn look. Default 2.5. */
  wobble?: number;
  seed: number;
}

const BLUE_PEN: [number, number, number] = [28, 44, 140];
const BLACK_PEN: [number, number, number] = [25, 25, 30];
const WHITE: [number, number, number] = [255, 255, 255];
const CHALK: [number, number, number] = [232, 232, 220];

/** The committed sample set (data/samples/): digits and a few letters in the situations real input comes from. */
export const SAMPLE_SPECS: SampleSpec[] = [
  { file: 'digit-0-photo.jpg', label: '0', width: 800, height: 600, background: 'paper', ink: BLUE_PEN, strokeWidth: 7, x: 260, y: 150, size: 300, rotate: 4, shade: 0.35, seed: 10 },
  { file: 'digit-1-canvas.png', label: '1', width: 280, height: 280, background: 'canvas', ink: WHITE, strokeWidth: 12, x: 50, y: 40, size: 190, seed: 11 },
  { file: 'digit-2-transparent.png', label: '2', width: 300, height: 300, background: 'transparent', ink: BLACK_PEN, strokeWidth: 9, x: 30, y: 40, size: 230, seed: 12 },
  { file: 'digit-3-scan.png', label: '3', width: 420, height: 560, background: 'white', ink: BLACK_PEN, strokeWidth: 6, x: 40, y: 300, size: 180, seed: 13 },
  { file: 'digit-4-photo.jpg', label: '4', width: 640, height: 480, background: 'paper', ink: BLACK_PEN, strokeWidth: 16, x: 330, y: 110, size: 260, rotate: -5, shade: 0.5, seed: 14 },
  { file: 'digit-5-chalk.jpg', label: '5', width: 400, height: 300, background: 'chalkboard', ink: CHALK, strokeWidth: 11, x: 110, y: 40, size: 220, rotate: 3, seed: 15 },
  { file: 'digit-6-tiny.png', label: '6', width: 24, height: 24, background: 'white', ink: BLACK_PEN, strokeWidth: 12, x: 2, y: 2, size: 20, seed: 16 },
  { file: 'digit-7-photo.jpg', label: '7', width: 800, height: 600, background: 'paper', ink: BLUE_PEN, strokeWidth: 8, x: 120, y: 200, size: 280, rotate: -8, shade: 0.45, seed: 17 },
  { file: 'digit-8-canvas.png', label: '8', width: 200, height: 200, background: 'canvas', ink: WHITE, strokeWidth: 10, x: 25, y: 20, size: 150, seed: 18 },
  { file: 'digit-9-photo.webp', label: '9', width: 500, height: 400, background: 'paper', ink: BLUE_PEN, strokeWidth: 9, x: 140, y: 70, size: 240, rotate: 6, shade: 0.3, seed: 19 },
  { file: 'digit-2-photo-rotated.jpg', label: '2', width: 600, height: 450, background: 'paper', ink: BLACK_PEN, strokeWidth: 10, x: 200, y: 100, size: 250, shade: 0.3, exifOrientation: 6, seed: 20 },
  { file: 'letter-A-canvas.png', label: 'A', width: 256, height: 256, background: 'canvas', ink: WHITE, strokeWidth: 10, x: 40, y: 30, size: 180, seed: 21 },
  { file: 'letter-B-photo.jpg', label: 'B', width: 640, height: 480, background: 'paper', ink: BLUE_PEN, strokeWidth: 8, x: 200, y: 90, size: 280, rotate: -3, shade: 0.4, seed: 22 },
  { file: 'letter-T-transparent.png', label: 'T', width: 240, height: 240, background: 'transparent', ink: WHITE, strokeWidth: 12, x: 30, y: 30, size: 180, seed: 23 },
  { file: 'letter-e-scan.png', label: 'e', width: 300, height: 300, background: 'white', ink: BLACK_PEN, strokeWidth: 9, x: 70, y: 60, size: 160, seed: 24 },
];

/**
 * The word and line samples (data/samples/words/): the situations of the character samples, with
 * capitals, digits, Balanced's distinct lower-case letters, repeated letters and spaces.
 */
export const WORD_SAMPLE_SPECS: SampleSpec[] = [
  { file: 'words/word-HELLO-photo.jpg', label: 'HELLO', width: 520, height: 240, background: 'paper', ink: BLUE_PEN, strokeWidth: 8, x: 70, y: 60, size: 110, rotate: -2, shade: 0.4, seed: 30 },
  { file: 'words/word-2026-canvas.png', label: '2026', width: 360, height: 160, background: 'canvas', ink: WHITE, strokeWidth: 12, x: 50, y: 30, size: 90, seed: 31 },
  { file: 'words/word-READ-transparent.png', label: 'READ', width: 380, height: 170, background: 'transparent', ink: BLACK_PEN, strokeWidth: 9, x: 50, y: 30, size: 100, seed: 32 },
  { file: 'words/word-the-scan.png', label: 'the', width: 420, height: 260, background: 'white', ink: BLACK_PEN, strokeWidth: 7, x: 100, y: 60, size: 120, seed: 33 },
  { file: 'words/line-and_then-photo.jpg', label: 'and then', width: 600, height: 220, background: 'paper', ink: BLACK_PEN, strokeWidth: 8, x: 80, y: 50, size: 90, rotate: 1, shade: 0.5, seed: 34 },
  { file: 'words/line-TEA_AT_10-chalk.jpg', label: 'TEA AT 10', width: 620, height: 200, background: 'chalkboard', ink: CHALK, strokeWidth: 11, x: 70, y: 50, size: 80, seed: 35 },
];

/** The text of a word or line sample's file name (`word-HELLO-photo.jpg` -> 'HELLO', `line-and_then-scan.png` -> 'and then'), or null. */
export function textFromFilename(file: string): string | null {
  const m = /^(?:word|line)-([^-]+)-/.exec(nodePath.basename(file));
  return m ? m[1].replace(/_/g, ' ') : null;
}

/** The true label of a sample file name (`digit-7-photo.jpg` -> '7', `letter-A-canvas.png` -> 'A'), or null. */
export function labelFromFilename(file: string): string | null {
  const m = /^(?:digit|letter)-([0-9A-Za-z])-/.exec(nodePath.basename(file));
  return m ? m[1] : null;
}

/** Renders one sample to encoded image bytes (format from the file extension). Deterministic for a given spec. */
export async function renderSample(spec: SampleSpec): Promise<Buffer> {
  const rand = seededRandom(spec.seed);
  const style: StrokeStyle = { strokeWidth: spec.strokeWidth, ink: '#fff', x: spec.x, y: spec.y, size: spec.size, rotate: spec.rotate };
  const wobble = spec.wobble ?? 2.5;
  const strokes = spec.label.length > 1 ? textPath(spec.label, { wobble, seed: spec.seed }).path : glyphPath(spec.label, wobble, spec.seed);
  const coverage = await renderCoverage(strokes, spec.width, spec.height, style);
  const channels = spec.background === 'transparent' ? 4 : 3;
  const pixels = paint(spec, coverage, rand, channels);
  let img = sharp(pixels, { raw: { width: spec.width, height: spec.height, channels } });
  if (spec.exifOrientation === 6) {
    // Store the pixels turned a quarter left; orientation 6 tells viewers to turn them back.
    img = sharp(await img.rotate(-90).png().toBuffer()).withMetadata({ orientation: 6 });
  }
  const ext = nodePath.extname(spec.file).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return img.jpeg({ quality: 80 }).toBuffer();
  if (ext === '.webp') return img.webp({ quality: 80 }).toBuffer();
  return img.png({ compressionLevel: 9 }).toBuffer();
}

/** Composites ink over the background as raw RGB(A) bytes, with lighting, paper grain and sensor noise. */
function paint(spec: SampleSpec, coverage: FloatImage, rand: () => number, channels: number): Buffer {
  const { width, height } = spec;
  const out = Buffer.alloc(width * height * channels);
  const blotches = smoothNoise(width, height, 48, rand); // paper texture / uneven chalk, -1..1
  const [gx, gy] = [rand() * 2 - 1, rand() * 2 - 1]; // lighting direction
  const shade = spec.shade ?? 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let a = coverage.data[i];
      const u = x / width - 0.5;
      const v = y / height - 0.5;
      let light = 1;
      let bg: number[];
      let grain = 0;
      switch (spec.background) {
        case 'paper': {
          const gradient = 0.5 + (gx * u + gy * v) / hypot(gx, gy); // 0..1 across the sheet
          light = 1 - shade * gradient - 0.25 * (u * u + v * v); // one side in shadow, darker corners
          bg = [246, 242, 230];
          grain = 4 * blotches[i] + gaussian(rand) * 3;
          break;
        }
        case 'chalkboard':
          bg = [34, 48, 40];
          grain = 6 * blotches[i] + gaussian(rand) * 4;
          a *= 0.75 + 0.25 * blotches[(i * 7) % blotches.length]; // chalk leaves patchy strokes
          break;
        case 'canvas':
        case 'transparent':
          bg = [0, 0, 0];
          break;
        default:
          bg = [255, 255, 255];
      }
      for (let c = 0; c < 3; c++) {
        const value = (bg[c] * (1 - a) + spec.ink[c] * a) * light + grain;
        out[i * channels + c] = max(0, min(255, round(channels === 4 ? spec.ink[c] : value)));
      }
      if (channels === 4) out[i * 4 + 3] = round(a * 255);
    }
  }
  return out;
}

/** Value noise: random values on a coarse grid, interpolated bilinearly; -1..1. */
function smoothNoise(width: number, height: number, cell: number, rand: () => number): Float32Array {
  const gw = ceil(width / cell) + 2;
  const gh = ceil(height / cell) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => rand() * 2 - 1);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = y / cell;
    const j = floor(fy);
    const ty = fy - j;
    for (let x = 0; x < width; x++) {
      const fx = x / cell;
      const i = floor(fx);
      const tx = fx - i;
      const top = grid[j * gw + i] * (1 - tx) + grid[j * gw + i + 1] * tx;
      const bottom = grid[(j + 1) * gw + i] * (1 - tx) + grid[(j + 1) * gw + i + 1] * tx;
      out[y * width + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

function gaussian(rand: () => number): number {
  return sqrt(-2 * log(1 - rand())) * cos(2 * PI * rand());
}

/** Writes every sample of `specs` (default: characters, then words) into `outDir`; returns the files written with their sizes in bytes. */
export async function writeSamples(outDir: string, specs: SampleSpec[] = [...SAMPLE_SPECS, ...WORD_SAMPLE_SPECS]): Promise<Array<{ file: string; bytes: number }>> {
  const written: Array<{ file: string; bytes: number }> = [];
  for (const spec of specs) {
    const bytes = await renderSample(spec);
    const file = nodePath.join(outDir, spec.file);
    await fs.mkdir(nodePath.dirname(file), { recursive: true });
    await fs.writeFile(file, bytes);
    written.push({ file, bytes: bytes.length });
  }
  return written;
}

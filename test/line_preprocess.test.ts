/**
 * Line preprocessing on rendered word images: whatever the paper, lighting or transparency, the
 * result is white ink on black at the model's height, with the aspect ratio of the writing itself
 * (measured on a clean rendering of the same strokes), characters at the synthetic lines' size, and
 * clear notes or errors for blank, multi-line and far too wide images.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import {
  FloatImage,
  LineTooWideError,
  PreprocessedLine,
  SampleSpec,
  WORD_SAMPLE_SPECS,
  countTextBands,
  decodeRgba,
  medianCharHeight,
  preprocessLineGray,
  preprocessLineRgba,
  renderCoverage,
  renderSample,
  textFromFilename,
  textPath,
} from '../src/index';

const WORDS_DIR = path.join(__dirname, '..', 'data', 'samples', 'words');

const BLACK: [number, number, number] = [25, 25, 30];
const BLUE: [number, number, number] = [28, 44, 140];
const WHITE: [number, number, number] = [255, 255, 255];
const base = { label: 'READ', width: 420, height: 180, strokeWidth: 9, x: 60, y: 40, size: 100, seed: 5 };
const SITUATIONS: Array<[string, SampleSpec]> = [
  ['dark ink on white paper (scan)', { ...base, file: 'scan.png', background: 'white', ink: BLACK }],
  ['blue pen on paper, lighting gradient and vignette (photo)', { ...base, file: 'photo.jpg', background: 'paper', ink: BLUE, shade: 0.5 }],
  ['dark strokes on a transparent PNG', { ...base, file: 'transparent.png', background: 'transparent', ink: BLACK }],
  ['white strokes on a black canvas', { ...base, file: 'canvas.png', background: 'canvas', ink: WHITE }],
  // Absorbs ~11% of the light: the faint pencil the recipe took for a blank page at its earlier minContrast (0.15).
  ['faint pencil on paper, a tenth darker than the paper', { ...base, file: 'pencil.jpg', background: 'paper', ink: [218, 216, 211], shade: 0.3 }],
];

async function preprocessSpec(spec: SampleSpec, opts = {}): Promise<PreprocessedLine> {
  const { rgba } = await decodeRgba(await renderSample(spec), spec.file);
  return preprocessLineRgba(rgba, { height: 28, ...opts }, spec.file);
}

/** Bounding box of the values above `level`. */
function box(data: ArrayLike<number>, width: number, height: number, level: number) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] <= level) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  return { x0, y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Aspect ratio (width / height) of the strokes themselves: a clean coverage rendering, no paper, no noise. */
async function trueAspect(spec: SampleSpec): Promise<number> {
  const strokes = textPath(spec.label, { wobble: 2.5, seed: spec.seed }).path;
  const cov: FloatImage = await renderCoverage(strokes, spec.width, spec.height, { strokeWidth: spec.strokeWidth, ink: '#fff', x: spec.x, y: spec.y, size: spec.size });
  const b = box(cov.data, cov.width, cov.height, 0.3);
  return b.width / b.height;
}

describe('preprocessLineRgba on rendered word images', () => {
  let aspect: number;
  let reference: PreprocessedLine;
  beforeAll(async () => {
    aspect = await trueAspect(SITUATIONS[0][1]);
    reference = await preprocessSpec(SITUATIONS[0][1]);
  });

  test.each(SITUATIONS)('%s: white ink on black, 28 px high, the writing\'s aspect ratio, characters ~21 px', async (_, spec) => {
    const out = await preprocessSpec(spec);
    expect(out.empty).toBe(false);
    expect(out.notes).toEqual([]);
    expect(out.height).toBe(28);
    expect(out.pixels).toHaveLength(28 * out.width);
    expect(out.inverted).toBe(spec.background === 'white' || spec.background === 'paper' || spec.background === 'transparent');
    // White on black: strokes saturate near 1, the background is 0 (paper grain and shading removed).
    const values = Array.from(out.pixels);
    expect(Math.max(...values)).toBeGreaterThan(0.95);
    expect(values.filter((v) => v > 0.5).length / values.length).toBeLessThan(0.4);
    const margin = 2;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < out.width; x++) {
        if (x < margin || x >= out.inkEnd) expect(out.pixels[y * out.width + x]).toBe(0);
      }
    }
    const ink = box(out.pixels, out.width, 28, 0.3);
    expect(ink.x0).toBeLessThanOrEqual(margin + 1);
    // Caps only: every character is the median height, scaled to 21 px (the synthetic lines' median glyph).
    expect(ink.height).toBeGreaterThanOrEqual(20);
    expect(ink.height).toBeLessThanOrEqual(23);
    expect(Math.abs(ink.width / ink.height / aspect - 1)).toBeLessThan(0.08);
    expect(out.width).toBe(out.inkEnd + margin);
  });

  test('the same strokes give nearly the same input on every background', async () => {
    for (const [, spec] of SITUATIONS.slice(1)) {
      const out = await preprocessSpec(spec);
      expect(Math.abs(out.width - reference.width)).toBeLessThanOrEqual(2);
      const w = Math.min(out.width, reference.width);
      let diff = 0;
      for (let y = 0; y < 28; y++) for (let x = 0; x < w; x++) diff += Math.abs(out.pixels[y * out.width + x] - reference.pixels[y * reference.width + x]);
      expect(diff / (28 * w)).toBeLessThan(0.08); // a broken polarity or lighting step differs by ~0.3-0.5
    }
  });

  test('other heights: everything scales with the height (32 px: characters ~24 px)', async () => {
    const out = await preprocessSpec(SITUATIONS[0][1], { height: 32 });
    expect(out.height).toBe(32);
    const ink = box(out.pixels, out.width, 32, 0.3);
    expect(ink.height).toBeGreaterThanOrEqual(23);
    expect(ink.height).toBeLessThanOrEqual(26);
    expect(Math.abs(ink.width / ink.height / aspect - 1)).toBeLessThan(0.08);
  });

  test('ascenders: the band (ascender to baseline) is fitted into 26 px, so x-height letters stay smaller', async () => {
    const spec: SampleSpec = { ...SITUATIONS[0][1], label: 'and then', width: 600, file: 'and.png' };
    const out = await preprocessSpec(spec);
    const ink = box(out.pixels, out.width, 28, 0.3);
    expect(ink.height).toBeLessThanOrEqual(26);
    expect(ink.height).toBeGreaterThanOrEqual(24);
    // 'a' (x-height: 40..90 of the glyph box) comes out about 5/8 as tall as 'd', 't', 'h' (10..90).
    const cols = 14; // the first columns hold the 'a' alone
    const a = Float32Array.from({ length: 28 * cols }, (_, i) => out.pixels[Math.floor(i / cols) * out.width + (i % cols)]);
    const aBox = box(a, cols, 28, 0.3);
    expect(aBox.height / ink.height).toBeGreaterThan(0.5);
    expect(aBox.height / ink.height).toBeLessThan(0.75);
  });
});

describe('bad input', () => {
  test('an image with no ink gives an empty line and a note, not an error', async () => {
    const blank = { width: 300, height: 100, data: new Uint8Array(300 * 100 * 4).fill(255) };
    for (let i = 0; i < blank.data.length; i += 4) blank.data[i] = 250 + ((i * 7919) % 6); // a little sensor noise
    const out = preprocessLineRgba(blank, { height: 28 }, 'blank.png');
    expect(out.empty).toBe(true);
    expect(out.notes.join(' ')).toMatch(/blank\.png: no ink/);
    expect(out.height).toBe(28);
    expect(Array.from(out.uint8).every((v) => v === 0)).toBe(true);
    const transparent = preprocessLineRgba({ width: 50, height: 20, data: new Uint8Array(50 * 20 * 4) }, {}, 'clear.png');
    expect(transparent.empty).toBe(true);
  });

  test('two lines of writing: read, with a note saying to crop to one line', async () => {
    const spec: SampleSpec = { ...SITUATIONS[0][1], label: 'READ', height: 360 };
    const { rgba: one } = await decodeRgba(await renderSample(spec), 'one.png');
    const two = { width: one.width, height: one.height, data: new Uint8Array(one.data) };
    // Copy the word 170 px lower: a second line.
    for (let y = 0; y < 160; y++) two.data.set(one.data.subarray((y + 30) * one.width * 4, (y + 31) * one.width * 4), (y + 200) * one.width * 4);
    expect(preprocessLineRgba(one, {}, 'one.png').notes).toEqual([]);
    const out = preprocessLineRgba(two, {}, 'two.png');
    expect(out.empty).toBe(false);
    expect(out.notes.join(' ')).toMatch(/two\.png: .*2 lines of text.*crop/);
  });

  test('writing far too wide for one line: an error naming the file and saying what to do', async () => {
    const spec: SampleSpec = { ...SITUATIONS[0][1], label: 'READ READ READ', width: 1400, file: 'long.png' };
    const { rgba } = await decodeRgba(await renderSample(spec), 'long.png');
    expect(() => preprocessLineRgba(rgba, { height: 28, maxWidth: 200 }, 'long.png')).toThrow(LineTooWideError);
    expect(() => preprocessLineRgba(rgba, { height: 28, maxWidth: 200 }, 'long.png')).toThrow(/long\.png: .* px wide .*crop the image to one line/);
    expect(preprocessLineRgba(rgba, { height: 28 }, 'long.png').width).toBeGreaterThan(200);
  });

  test('a height the recipe cannot make is an error', () => {
    expect(() => preprocessLineGray({ width: 4, height: 4, data: new Float32Array(16) }, { height: 3 })).toThrow(/height/);
  });
});

describe('helpers', () => {
  const mask = (rows: string[]) => ({
    width: rows[0].length,
    height: rows.length,
    data: Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0)),
  });

  test('countTextBands: bands split by runs of empty rows; a dot above its stem stays one band', () => {
    const twoLines = mask(['##.##', '##.##', '.....', '.....', '.....', '#.#.#', '#####']);
    expect(countTextBands(twoLines, { x: 0, y: 0, width: 5, height: 7 })).toBe(2);
    const dotted = mask(['.#...', '.....', '.#.##', '.#.##', '.#.##', '.#.##', '.#.##', '.#.##', '.#.##', '.#.##', '.#.##', '.#.##']);
    expect(countTextBands(dotted, { x: 0, y: 0, width: 5, height: 12 })).toBe(1);
  });

  test('medianCharHeight: the median height of the tall components (dots and dashes left out)', () => {
    const m = mask(['#.#...#.', '#.#.....', '#.#.##..', '#.#.....', '#.....#.', '#.....#.']);
    // Components: heights 6, 4, 1 (dash), 1 (dot), 2. Tall (>= 3): 6 and 4 -> median (lower) 4.
    expect(medianCharHeight(m)).toBe(4);
  });
});

describe('the committed word and line samples (data/samples/words)', () => {
  test('each is small, carries its text in its name, and is what the sample script renders', async () => {
    const files = (await fs.readdir(WORDS_DIR)).sort();
    expect(files).toEqual(WORD_SAMPLE_SPECS.map((s) => path.basename(s.file)).sort());
    for (const spec of WORD_SAMPLE_SPECS) {
      const file = path.join(WORDS_DIR, path.basename(spec.file));
      expect((await fs.stat(file)).size).toBeLessThan(100 * 1024);
      expect(textFromFilename(file)).toBe(spec.label);
    }
    for (const spec of WORD_SAMPLE_SPECS.filter((s) => s.file.endsWith('.png'))) {
      expect(Buffer.compare(await renderSample(spec), await fs.readFile(path.join(WORDS_DIR, path.basename(spec.file))))).toBe(0);
    }
  });

  test('textFromFilename: word-/line- names, underscores are spaces; other names give null', () => {
    expect(textFromFilename('a/b/word-HELLO-photo.jpg')).toBe('HELLO');
    expect(textFromFilename('line-and_then-photo-rotated.jpg')).toBe('and then');
    expect(textFromFilename('digit-7-photo.jpg')).toBeNull();
  });
});

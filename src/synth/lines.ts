/**
 * Synthetic handwritten lines made of real character images (EMNIST, or MNIST for digits), generated
 * batch by batch and deterministic by (seed, split, mode, line number): no line set is ever held in memory.
 *
 * Text. `words`: English words drawn by corpus count^0.75 (src/synth/corpus.ts: SUBTLEXus counts, so
 * common words are common; see `frequencyPower`), folded to what the dataset can write (EMNIST
 * Balanced: 'c' -> 'C', 'a' stays 'a'; a word with a character no class writes is not used); the
 * first word capitalised with probability `capitalizeFirst`, a word in capitals with probability `upperCase`.
 * `random`: class characters drawn uniformly, in "words" whose lengths follow English word lengths
 * (the figure for CER without word context). `digits`: numbers, years and phone-number-like groups.
 * Charset of the labels: the dataset's classes + ' ' (`lineCharset`).
 *
 * No leakage, by construction:
 * - vocabulary: words are split (seeded by `vocabularySeed`, stratified by frequency) into disjoint
 *   train / validation / test vocabularies; each split's lines use only its own words, so test and
 *   validation lines hold only words never seen in training lines;
 * - images: `split: 'test'` accepts only a Dataset whose `split` is 'test'; 'train' and 'val' only one
 *   whose `split` is 'train'. Within the train split, every `valImageEvery`-th image (index %
 *   valImageEvery === valImageEvery - 1, i.e. 10% by default) is held out for validation lines and
 *   never drawn for training lines.
 *
 * Layout. Each glyph is cropped to its ink box, scaled (line scale x per-character jitter, times
 * height / 28), placed left to right with a gap drawn from -maxOverlap x (narrower glyph width) to
 * +maxGap pixels, words separated by wordGap pixels, each glyph vertically centred plus line shift and
 * baseline jitter; overlaps combine by max (white ink 255 on black 0, uint8, as EMNIST).
 * CTC guarantee: every label character, spaces included, advances the pen by at least `minCharPixels`
 * (default 8), so a line of L characters is at least 8L pixels wide; a model that downsamples width by
 * 4 gets T = floor(width / 4) >= 2L >= L + repeats time steps, enough for any label (`fitsTimeSteps`),
 * whether T is taken from the batch width or from the line's own ink width (`widths[i]`).
 * Width: lines are left-aligned and padded with black to the batch's widest line rounded up to a
 * multiple of `widthMultiple` (16), or to a fixed `width`.
 */
import { Dataset } from '../data/dataset';
import { VocabularyWord, WordCount, englishWordCounts, foldChar, foldWord, splitVocabulary } from './corpus';
import { Rng, createRng, deriveSeed, intIn, weightedSampler } from '../util/rng';
import { ctcMinFrames } from '../ctc/loss';
import { LineSource } from './line_source';

/** Where a line's text comes from. */
export type LineMode = 'words' | 'random' | 'digits';
/** Which lines: train and val draw images from a train Dataset (disjoint images), test from a test Dataset. */
export type LineSplit = 'train' | 'val' | 'test';

/** Options of `createLineGenerator`; pixel sizes are for height 28 and scale with height / 28 unless noted. */
export interface LineGeneratorOptions {
  /** Character images: the train part for 'train'/'val' lines, the test part for 'test' lines. */
  chars: Dataset;
  split: LineSplit;
  /** Default 'words'. */
  mode?: LineMode;
  /** Seed of the lines (texts, images, layout). Default 0. */
  seed?: number;
  /** Seed of the vocabulary split; generators of different splits must share it (and `words`). Default 11. */
  vocabularySeed?: number;
  /** Share of words kept for test lines and for validation lines; default 0.1 each. */
  testFraction?: number;
  valFraction?: number;
  /** Corpus for 'words' mode; default `englishWordCounts()` (cleaned SUBTLEXus). */
  words?: readonly WordCount[];
  /** Words rarer than this are not used (the split is made before, so it does not move words). Default 20. */
  minCount?: number;
  /**
   * Words are drawn with probability proportional to count^frequencyPower; 1 = as often as in the
   * corpus. Default 0.75: common words stay common (the 10 commonest train words are 12% of train
   * words), but at 1 the test vocabulary's ten commonest words would be 58% of test words ("that"
   * alone 16.5%), so test CER would mostly measure ten words; 0.75 also brings the mean word length
   * from spoken subtitles' 3.8 letters to 4.9, near written English.
   */
  frequencyPower?: number;
  /** Line height in pixels: 28 (default) or e.g. 32. */
  height?: number;
  /** Words (or numbers, or random strings) per line: drawn uniformly in [minWords, maxWords]. Defaults 2 and 6. */
  minWords?: number;
  maxWords?: number;
  /** Characters per line including spaces, at most; wins over minWords. Default 32. */
  maxChars?: number;
  /** Probability that the first word starts with a capital; default 0.3. */
  capitalizeFirst?: number;
  /** Probability that a word is written in capitals; default 0.03. */
  upperCase?: number;
  /** Glyph size range of a line, relative to its EMNIST size; default [0.8, 1.0]. */
  scale?: [number, number];
  /** Per-character size jitter around the line's scale (relative); default 0.06. */
  charScaleJitter?: number;
  /** Largest overlap of neighbouring glyphs, as a fraction of the narrower one's width; default 0.33. */
  maxOverlap?: number;
  /** Largest gap between glyphs of a word, pixels; default 2. */
  maxGap?: number;
  /** Gap between words, pixels, [min, max]; default [9, 16]. */
  wordGap?: [number, number];
  /** Per-character vertical jitter, pixels (+-); default 2. */
  baselineJitter?: number;
  /** Per-line vertical shift, pixels (+-); default 1. */
  lineShift?: number;
  /** Left and right margin range, pixels; default [1, 4]. */
  margin?: [number, number];
  /** Least pen advance per label character (absolute pixels, not scaled): the CTC guarantee. Default 8. */
  minCharPixels?: number;
  /** Batch width is rounded up to a multiple of this; default 16. */
  widthMultiple?: number;
  /** Fixed width for every batch instead of bucketing; must be >= `maxLineWidth`. */
  width?: number;
  /** Held-out share of the train images for validation lines: every n-th image; 0 = validation shares training images. Default 10. */
  valImageEvery?: number;
  /** A pixel counts as ink for cropping when above this; default 0. */
  inkThreshold?: number;
}

/** One character image as placed in a line. */
export interface GlyphPlacement {
  /** The class character (the label character at `textIndex`). */
  char: string;
  /** Position of the character in the line's text. */
  textIndex: number;
  /** Index of the image in the generator's `chars` Dataset. */
  index: number;
  /** Box in the line image, pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One rendered line (a `LineImage` with where each glyph went). */
export interface RenderedLine {
  text: string;
  /** Pixels [height, width], white ink on black. */
  pixels: Uint8Array;
  height: number;
  /** Ink extent: columns >= width hold no ink (right margin not included). */
  width: number;
  /** Image width with the right margin. */
  paddedWidth: number;
  glyphs: GlyphPlacement[];
}

/** A batch of lines, all padded to one width. */
export interface LineBatch {
  /** Pixels [size, height, width], uint8, white ink (255) on black (0). */
  images: Uint8Array;
  size: number;
  height: number;
  width: number;
  /** Label of each line, in `charset` characters. */
  texts: string[];
  /** Ink extent of each line, [size]: columns >= widths[i] are background. */
  widths: Int32Array;
  /** Where each character image went, per line. */
  glyphs: GlyphPlacement[][];
  /** Line number of the first line (batch index x size). */
  first: number;
}

/** The resolved options (every default filled in), for metadata and reports. */
export type ResolvedLineOptions = Required<Omit<LineGeneratorOptions, 'chars' | 'words' | 'width'>> & { width: number | undefined };

/** A deterministic source of synthetic lines. */
export interface LineGenerator extends LineSource<RenderedLine> {
  readonly split: LineSplit;
  readonly mode: LineMode;
  readonly height: number;
  /** Label characters: the dataset's classes, then ' '. */
  readonly charset: string[];
  readonly options: ResolvedLineOptions;
  /** Keys (lower-case words) this split's lines may use; undefined outside 'words' mode. */
  readonly vocabulary: ReadonlySet<string> | undefined;
  /** Dataset indices this split draws images from, [n]. */
  readonly imagePool: Int32Array;
  /** Widest line the options allow, pixels (before rounding to widthMultiple). */
  readonly maxLineWidth: number;
  /** Line number n (any integer >= 0), the same every time. */
  line(n: number): RenderedLine;
  /** Lines index*size .. index*size+size-1, padded to one width. */
  batch(index: number, size: number): LineBatch;
  /** Lines first .. first+count-1, padded to one width. */
  lines(first: number, count: number): LineBatch;
}

/** The label characters of lines written with these classes: the classes, then ' ' (index classes.length). */
export function lineCharset(classes: readonly string[]): string[] {
  if (classes.includes(' ')) throw new Error('lineCharset: a class is already the space character; lines need space as a separator');
  return [...classes, ' '];
}

/** A line's text as charset indices; a character outside the charset is an error naming it and its position. */
export function encodeLineText(text: string, charset: readonly string[]): Int32Array {
  const out = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const k = charset.indexOf(text[i]);
    if (k < 0) {
      throw new Error(
        `encodeLineText: '${text[i]}' (position ${i} of "${text}") is not in the charset ${JSON.stringify(charset.join(''))}; ` +
          'fold the text first (foldText) or drop the character',
      );
    }
    out[i] = k;
  }
  return out;
}

/** A batch of texts as a padded label matrix for CTC: `labels` [n, maxLength] (0 past each length) and `lengths` [n]. */
export function encodeLineTexts(texts: readonly string[], charset: readonly string[]): { labels: Int32Array; lengths: Int32Array; maxLength: number } {
  const encoded = texts.map((t) => encodeLineText(t, charset));
  const maxLength = Math.max(1, ...encoded.map((e) => e.length));
  const labels = new Int32Array(texts.length * maxLength);
  encoded.forEach((e, i) => labels.set(e, i * maxLength));
  return { labels, lengths: Int32Array.from(encoded, (e) => e.length), maxLength };
}

/** Charset indices back to text. */
export function decodeLineText(indices: ArrayLike<number>, charset: readonly string[]): string {
  let s = '';
  for (let i = 0; i < indices.length; i++) s += charset[indices[i]] ?? '\uFFFD';
  return s;
}

/** True when a label fits `timeSteps` CTC frames (T >= length + repeats). */
export function fitsTimeSteps(label: string | ArrayLike<number>, timeSteps: number): boolean {
  return timeSteps >= ctcMinFrames(label);
}

/** Time steps of an image `width` pixels wide after the model downsamples width by `downsample` (default 4). */
export function lineTimeSteps(width: number, downsample = 4): number {
  return Math.floor(width / downsample);
}

/**
 * Share of 1..12-letter words in 'words' lines with the default options (words with count >= 20,
 * drawn by count^0.75), rounded to 3 decimals; 'random' mode draws its string lengths from it.
 * test/lines.test.ts recomputes it from the corpus.
 */
export const ENGLISH_WORD_LENGTHS: readonly number[] = [0.025, 0.103, 0.155, 0.217, 0.154, 0.114, 0.094, 0.06, 0.039, 0.022, 0.011, 0.005];

interface Box {
  x0: number;
  y0: number;
  x1: number; // exclusive
  y1: number;
}

interface Glyph {
  pixels: Float32Array; // [h, w]
  w: number;
  h: number;
}

const DEFAULTS = {
  mode: 'words' as LineMode,
  seed: 0,
  vocabularySeed: 11,
  testFraction: 0.1,
  valFraction: 0.1,
  minCount: 20,
  frequencyPower: 0.75,
  height: 28,
  minWords: 2,
  maxWords: 6,
  maxChars: 32,
  capitalizeFirst: 0.3,
  upperCase: 0.03,
  scale: [0.8, 1.0] as [number, number],
  charScaleJitter: 0.06,
  maxOverlap: 0.33,
  maxGap: 2,
  wordGap: [9, 16] as [number, number],
  baselineJitter: 2,
  lineShift: 1,
  margin: [1, 4] as [number, number],
  minCharPixels: 8,
  widthMultiple: 16,
  valImageEvery: 10,
  inkThreshold: 0,
};

function resolveOptions(opts: LineGeneratorOptions): ResolvedLineOptions {
  const o: ResolvedLineOptions = { ...DEFAULTS, split: opts.split, width: undefined };
  for (const [k, v] of Object.entries(opts)) {
    if (v !== undefined && k !== 'chars' && k !== 'words') (o as Record<string, unknown>)[k] = v;
  }
  const bad = (what: string): never => {
    throw new Error(`createLineGenerator: ${what}`);
  };
  if (!['words', 'random', 'digits'].includes(o.mode)) bad(`mode must be 'words', 'random' or 'digits', got '${o.mode}'`);
  if (!['train', 'val', 'test'].includes(o.split)) bad(`split must be 'train', 'val' or 'test', got '${o.split}'`);
  if (!(Number.isInteger(o.height) && o.height >= 16)) bad(`height must be an integer >= 16 (28 or 32), got ${o.height}`);
  if (!(Number.isInteger(o.minWords) && o.minWords >= 1 && Number.isInteger(o.maxWords) && o.maxWords >= o.minWords)) {
    bad(`need integers 1 <= minWords <= maxWords, got ${o.minWords} and ${o.maxWords}`);
  }
  if (!(Number.isInteger(o.maxChars) && o.maxChars >= 1)) bad(`maxChars must be a positive integer, got ${o.maxChars}`);
  if (!(o.scale[0] > 0 && o.scale[1] >= o.scale[0])) bad(`scale must be [min, max] with 0 < min <= max, got [${o.scale}]`);
  if (!(o.maxOverlap >= 0 && o.maxOverlap < 1)) bad(`maxOverlap must be in [0, 1), got ${o.maxOverlap}`);
  if (!(o.charScaleJitter >= 0 && o.charScaleJitter < 0.5)) bad(`charScaleJitter must be in [0, 0.5), got ${o.charScaleJitter}`);
  if (!(Number.isInteger(o.minCharPixels) && o.minCharPixels >= 1)) bad(`minCharPixels must be a positive integer, got ${o.minCharPixels}`);
  const k = o.height / 28;
  if (!(o.wordGap[0] * k >= o.minCharPixels && o.wordGap[1] >= o.wordGap[0])) {
    bad(`wordGap [${o.wordGap}] (x height/28 = ${k}) must start at >= minCharPixels (${o.minCharPixels}) so a space takes as many pixels as a character`);
  }
  if (!(o.margin[0] >= 0 && o.margin[1] >= o.margin[0])) bad(`margin must be [min, max] with 0 <= min <= max, got [${o.margin}]`);
  if (!(Number.isInteger(o.widthMultiple) && o.widthMultiple >= 1)) bad(`widthMultiple must be a positive integer, got ${o.widthMultiple}`);
  if (!(Number.isInteger(o.valImageEvery) && o.valImageEvery >= 0 && o.valImageEvery !== 1)) {
    bad(`valImageEvery must be 0 (no held-out images) or an integer >= 2, got ${o.valImageEvery}`);
  }
  return o;
}

/** Dataset indices the split may draw: test -> all of a test Dataset; train/val -> disjoint parts of a train Dataset. */
function imagePoolOf(chars: Dataset, split: LineSplit, every: number): Int32Array {
  const want = split === 'test' ? 'test' : 'train';
  if (chars.split !== want) {
    throw new Error(
      `createLineGenerator: '${split}' lines draw characters from the ${want} split only, but chars is ${chars.name} ${chars.split}; ` +
        `pass the ${want} part (e.g. loadEmnistPart('${want}'))`,
    );
  }
  const pool: number[] = [];
  for (let i = 0; i < chars.count; i++) {
    const held = every > 0 && i % every === every - 1;
    if (split === 'test' || (split === 'val' ? held : !held)) pool.push(i);
  }
  return Int32Array.from(pool);
}

/** Ink bounding box of one dataset image, or undefined when it has no ink above `threshold`. */
function inkBox(ds: Dataset, index: number, threshold: number): Box | undefined {
  const { height: h, width: w } = ds;
  const base = index * h * w;
  let x0 = w;
  let y0 = h;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ds.images[base + y * w + x] > threshold) {
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        if (y >= y1) y1 = y + 1;
      }
    }
  }
  return x1 > x0 ? { x0, y0, x1, y1 } : undefined;
}

/** The ink box of a dataset image resampled (bilinear, zero outside the box) by factor k. */
function scaledGlyph(ds: Dataset, index: number, box: Box, k: number): Glyph {
  const sw = box.x1 - box.x0;
  const sh = box.y1 - box.y0;
  const w = Math.max(1, Math.round(sw * k));
  const h = Math.max(1, Math.round(sh * k));
  const kx = w / sw;
  const ky = h / sh;
  const base = index * ds.height * ds.width;
  const src = (x: number, y: number): number =>
    x < 0 || y < 0 || x >= sw || y >= sh ? 0 : ds.images[base + (box.y0 + y) * ds.width + box.x0 + x];
  const pixels = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const fy = (y + 0.5) / ky - 0.5;
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = (x + 0.5) / kx - 0.5;
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      pixels[y * w + x] =
        (1 - ty) * ((1 - tx) * src(x0, y0) + tx * src(x0 + 1, y0)) + ty * ((1 - tx) * src(x0, y0 + 1) + tx * src(x0 + 1, y0 + 1));
    }
  }
  return { pixels, w, h };
}



/** Creates a deterministic line generator (see the module comment for what it guarantees). */
export function createLineGenerator(options: LineGeneratorOptions): LineGenerator {
  const o = resolveOptions(options);
  const chars = options.chars;
  if (!chars || !(chars.images instanceof Uint8Array)) throw new Error('createLineGenerator: chars must be a Dataset (e.g. loadEmnistPart(...))');
  const H = o.height;
  const k28 = H / 28;
  const charset = lineCharset(chars.classes);

  // Images per class, ink boxes precomputed (blank images are never drawn).
  const imagePool = imagePoolOf(chars, o.split, o.valImageEvery);
  const boxes = new Map<number, Box>();
  const byClass: number[][] = chars.classes.map(() => []);
  for (const i of imagePool) {
    const box = inkBox(chars, i, o.inkThreshold);
    if (!box) continue;
    boxes.set(i, box);
    byClass[chars.labels[i]].push(i);
  }
  const classOf = new Map<string, number>(chars.classes.map((c, i) => [c, i]));
  const writable = (c: string): boolean => {
    const k = classOf.get(c);
    return k !== undefined && byClass[k].length > 0;
  };

  // Text sources.
  let vocabulary: Set<string> | undefined;
  let drawWord: (rng: Rng) => string;
  const wordLimit = o.maxChars;
  if (o.mode === 'words') {
    const corpus = options.words ?? englishWordCounts();
    const split = splitVocabulary(corpus, { seed: o.vocabularySeed, testFraction: o.testFraction, valFraction: o.valFraction });
    const mine: Array<VocabularyWord & { text: string }> = [];
    for (const w of split[o.split]) {
      if (w.count < o.minCount) continue;
      const text = foldWord(w.word, chars.classes);
      if (text === undefined || text.length > wordLimit || ![...text].every(writable)) continue;
      mine.push({ ...w, text });
    }
    if (mine.length === 0) {
      throw new Error(
        `createLineGenerator: no word of the ${o.split} vocabulary can be written with ${chars.name}'s classes ` +
          `(${chars.classes.join('')}) in at most ${wordLimit} characters with count >= ${o.minCount}; check words, minCount and maxChars`,
      );
    }
    vocabulary = new Set(mine.map((w) => w.key));
    const pick = weightedSampler(mine.map((w) => Math.pow(w.count, o.frequencyPower)));
    drawWord = (rng) => mine[pick(rng)].text;
  } else if (o.mode === 'random') {
    const alphabet = chars.classes.filter(writable);
    if (alphabet.length === 0) throw new Error(`createLineGenerator: ${chars.name} ${chars.split} has no usable image for any class`);
    const maxLen = Math.min(ENGLISH_WORD_LENGTHS.length, wordLimit);
    const pickLen = weightedSampler(ENGLISH_WORD_LENGTHS.slice(0, maxLen));
    drawWord = (rng) => {
      const n = pickLen(rng) + 1;
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)];
      return s;
    };
  } else {
    const digits = '0123456789'.split('');
    const missing = digits.filter((d) => !writable(d));
    if (missing.length > 0) {
      throw new Error(`createLineGenerator: 'digits' mode needs images of 0-9, but ${chars.name} ${chars.split} has none for ${missing.join(' ')}`);
    }
    const digitString = (rng: Rng, n: number): string => {
      let s = '';
      for (let i = 0; i < n; i++) s += String(rng.int(10));
      return s;
    };
    drawWord = (rng) => {
      const r = rng.next();
      if (r < 0.3) return String(intIn(rng, 1900, 2099)); // a year
      if (r < 0.55) return digitString(rng, intIn(rng, 3, 4)); // a phone-number group
      if (r < 0.85) return String(intIn(rng, 0, 10 ** intIn(rng, 1, 3) - 1)); // a small number
      return digitString(rng, intIn(rng, 5, 8)); // a long number
    };
  }

  const textOf = (rng: Rng): string => {
    const nWords = intIn(rng, o.minWords, o.maxWords);
    const words: string[] = [];
    let length = 0;
    for (let n = 0; n < nWords; n++) {
      let w = drawWord(rng);
      for (let tries = 0; tries < 3 && length + (n > 0 ? 1 : 0) + w.length > o.maxChars; tries++) w = drawWord(rng);
      if (length + (n > 0 ? 1 : 0) + w.length > o.maxChars) {
        if (n > 0) break;
        w = w.slice(0, o.maxChars); // only random/digit strings can be longer than maxChars
      }
      if (o.mode === 'words') {
        const plain = w;
        if (rng.next() < o.upperCase) w = foldWord(w.toUpperCase(), chars.classes) ?? w;
        else if (n === 0 && rng.next() < o.capitalizeFirst) w = (foldChar(w[0].toUpperCase(), chars.classes) ?? w[0]) + w.slice(1);
        // A capital some class cannot draw (no image of it in this split): keep the word as folded.
        if (![...w].every(writable)) w = plain;
      }
      words.push(w);
      length += (n > 0 ? 1 : 0) + w.length;
    }
    return words.join(' ');
  };

  const px = (v: number): number => v * k28;
  const maxGlyphWidth = Math.round(28 * o.scale[1] * (1 + o.charScaleJitter) * k28) + 1;
  const maxAdvance = Math.max(o.minCharPixels, maxGlyphWidth + Math.ceil(px(o.maxGap)), Math.ceil(px(o.wordGap[1])));
  const maxLineWidth = Math.ceil(px(o.margin[1])) * 2 + o.maxChars * maxAdvance;
  if (o.width !== undefined && !(Number.isInteger(o.width) && o.width >= maxLineWidth)) {
    throw new Error(`createLineGenerator: width ${o.width} is narrower than the widest possible line (${maxLineWidth} px for maxChars ${o.maxChars}); omit width to bucket, or pass >= ${maxLineWidth}`);
  }

  const line = (n: number): RenderedLine => {
    if (!(Number.isInteger(n) && n >= 0)) throw new Error(`lines: line number must be an integer >= 0, got ${n}`);
    const rng = createRng(deriveSeed(o.seed, 'line', o.split, o.mode, n));
    const text = textOf(rng);
    const lineScale = rng.uniform(o.scale[0], o.scale[1]);
    const shift = Math.round(rng.uniform(-o.lineShift, o.lineShift) * k28);

    // Glyphs first: a gap depends on both neighbours' widths.
    const glyphs: Array<{ g: Glyph; index: number } | undefined> = [];
    for (const c of text) {
      if (c === ' ') {
        glyphs.push(undefined);
        continue;
      }
      const members = byClass[classOf.get(c) as number];
      const index = members[rng.int(members.length)];
      const box = boxes.get(index) as Box;
      const s = lineScale * (1 + rng.uniform(-o.charScaleJitter, o.charScaleJitter)) * k28;
      // Never taller than the line.
      const kk = Math.min(s, H / (box.y1 - box.y0));
      glyphs.push({ g: scaledGlyph(chars, index, box, kk), index });
    }

    const placements: GlyphPlacement[] = [];
    let x = Math.round(px(rng.uniform(o.margin[0], o.margin[1])));
    for (let i = 0; i < text.length; i++) {
      const cur = glyphs[i];
      if (!cur) {
        x += Math.max(o.minCharPixels, Math.round(px(rng.uniform(o.wordGap[0], o.wordGap[1]))));
        continue;
      }
      const { g } = cur;
      const centre = Math.round((H - g.h) / 2);
      const jitter = Math.round(rng.uniform(-o.baselineJitter, o.baselineJitter) * k28);
      const y = Math.max(0, Math.min(H - g.h, centre + shift + jitter));
      placements.push({ char: text[i], textIndex: i, index: cur.index, x, y, width: g.w, height: g.h });
      const next = glyphs[i + 1];
      // Overlap only inside a word; the last glyph of a word keeps all its ink before the space.
      const gap = next ? Math.round(rng.uniform(-o.maxOverlap * Math.min(g.w, next.g.w), px(o.maxGap))) : 0;
      x += Math.max(o.minCharPixels, g.w + gap);
    }
    const width = x;
    const paddedWidth = width + Math.round(px(rng.uniform(o.margin[0], o.margin[1])));
    const pixels = new Uint8Array(H * paddedWidth);
    placements.forEach((p) => {
      const g = (glyphs[p.textIndex] as { g: Glyph }).g;
      for (let yy = 0; yy < g.h; yy++) {
        const row = (p.y + yy) * paddedWidth + p.x;
        for (let xx = 0; xx < g.w; xx++) {
          const v = Math.round(g.pixels[yy * g.w + xx]);
          if (v > pixels[row + xx]) pixels[row + xx] = v;
        }
      }
    });
    return { text, pixels, height: H, width, paddedWidth, glyphs: placements };
  };

  const lines = (first: number, count: number): LineBatch => {
    if (!(Number.isInteger(count) && count >= 1)) throw new Error(`lines: count must be a positive integer, got ${count}`);
    const rendered: RenderedLine[] = [];
    for (let i = 0; i < count; i++) rendered.push(line(first + i));
    const widest = Math.max(...rendered.map((r) => r.paddedWidth));
    const W = o.width ?? Math.ceil(widest / o.widthMultiple) * o.widthMultiple;
    const images = new Uint8Array(count * H * W); // [count, H, W]
    rendered.forEach((r, i) => {
      for (let y = 0; y < H; y++) images.set(r.pixels.subarray(y * r.paddedWidth, y * r.paddedWidth + Math.min(r.paddedWidth, W)), (i * H + y) * W);
    });
    return {
      images,
      size: count,
      height: H,
      width: W,
      texts: rendered.map((r) => r.text),
      widths: Int32Array.from(rendered.map((r) => r.width)),
      glyphs: rendered.map((r) => r.glyphs),
      first,
    };
  };

  return {
    split: o.split,
    mode: o.mode,
    name: o.mode,
    describe: { generator: 'emnist-lines', mode: o.mode, seed: o.seed, height: H, maxWords: o.maxWords, maxChars: o.maxChars, widthMultiple: o.widthMultiple },
    height: H,
    charset,
    options: o,
    vocabulary,
    imagePool,
    maxLineWidth,
    line,
    lines,
    batch: (index, size) => {
      if (!(Number.isInteger(index) && index >= 0)) throw new Error(`lines: batch index must be an integer >= 0, got ${index}`);
      return lines(index * size, size);
    },
  };
}

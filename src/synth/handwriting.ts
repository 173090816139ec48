/**
 * Synthetic handwriting for line models: a line of text (text.ts), written by one "writer" with a
 * handwriting font (font_line.ts) or with real EMNIST letters placed like real writing
 * (emnist_line.ts), put on paper in front of a camera (paper.ts), and then read in through the very
 * recipe a real photo goes through (src/image/line.ts: `withLineLighting`, then `preprocessLineGray`:
 * lighting, polarity, threshold, deskew, normalisation by the text's body height). What the model trains on is thus what
 * that recipe makes of a photo, never an idealised image the real path cannot produce.
 *
 * Deterministic by (seed, split, line number): any line can be rebuilt alone, so a training epoch
 * draws new lines (numbers (epoch - 1) x linesPerEpoch ...) without holding a set in memory.
 *
 * No leakage, by construction: the splits use disjoint fonts (`splitFonts`: the five test families
 * of fonts.ts never draw a training or validation line, and `VAL_FONT_FAMILIES` only validation
 * lines), disjoint EMNIST images (emnist_line.ts: test lines from the test part, validation lines
 * from every 10th training image, never used for training lines) and disjoint vocabularies (text.ts).
 */
import { Dataset } from '../data/dataset';
import { ctcMinFrames } from '../ctc/loss';
import { lineFrames } from '../ctc/frames';
import { preprocessLineGray, withLineLighting } from '../image/line';
import { rgbaToGray } from '../image/rgba';
import { Rng, createRng, deriveSeed } from '../util/rng';
import { LINE_CHARSET } from './charset';
import { EmnistGlyphs, EmnistLineOptions, createEmnistGlyphs, renderEmnistLine } from './emnist_line';
import { FontLineOptions, fontCanWrite, renderFontLine } from './font_line';
import { TEST_FONT_FAMILIES, loadFont, usableFonts } from './fonts';
import { InkLine } from './ink';
import { LineSource } from './line_source';
import { PaperOptions, putOnPaper } from './paper';
import { TextKind, TextSource, TextSourceOptions, createTextSource, isLineText } from './text';

export type HandwritingSplit = 'train' | 'val' | 'test';

/**
 * Training families held out for validation lines (keep-best and early stopping measure reading
 * a hand never trained on, as the test families do): a print hand, a scrawl and a joined script.
 */
export const VAL_FONT_FAMILIES: readonly string[] = ['kalam', 'nothing-you-could-do', 'marck-script'];

/** The font families a split writes with: test -> the held-out five; val -> VAL_FONT_FAMILIES; train -> the rest. */
export function splitFonts(split: HandwritingSplit): string[] {
  if (split === 'test') return usableFonts('test');
  const train = usableFonts('train');
  return split === 'val' ? train.filter((f) => VAL_FONT_FAMILIES.includes(f)) : train.filter((f) => !VAL_FONT_FAMILIES.includes(f));
}

/** Throws when anything but test writing (`split` 'train' or 'val') would use a held-out test font; `what` names the caller in the error. */
export function refuseTestFonts(fonts: readonly string[], split: HandwritingSplit, what: string): void {
  if (split === 'test') return;
  const leaked = fonts.filter((f) => TEST_FONT_FAMILIES.includes(f));
  if (leaked.length > 0) throw new Error(`${what} may not use the held-out test fonts (${leaked.join(', ')})`);
}

/** Where the writing of a line model's input sits: its height, the body (x-) height and the baseline row, pixels. */
export interface LineGeometry {
  height: number;
  bodyHeight: number;
  baselineRow: number;
}

/**
 * The geometry of new line models: 40 px high, a 14 px body on row 26, which leaves 12 px above the
 * body for capitals and ascenders (about 1.5 and 1.6 bodies) and 13 below the baseline for descenders
 * (about 0.6 of a body) and a margin. At 4 px per frame a body-high letter spans two to three frames.
 */
export const LINE_GEOMETRY: LineGeometry = { height: 40, bodyHeight: 14, baselineRow: 26 };

/** Options of `createHandwritingGenerator`. */
export interface HandwritingOptions {
  split: HandwritingSplit;
  /** A short name for reports; default 'handwriting'. */
  name?: string;
  /** Seed of the lines (text, writer, paper). Default 0. */
  seed?: number;
  /** EMNIST ByClass images (62 classes with case): the train part for train/val lines, the test part for test lines. Omit for fonts only. */
  emnist?: Dataset;
  /** Share of lines written with EMNIST letters when `emnist` is given (else 0). Default 0.5. */
  emnistShare?: number;
  /** Font families; default `splitFonts(split)`. Empty (with emnist) for EMNIST letters only. */
  fonts?: readonly string[];
  /** Text of the lines (split and seed are this generator's). */
  text?: Omit<TextSourceOptions, 'split' | 'seed'>;
  /** Fixed texts instead: line n writes `texts[n]` (e.g. prose.ts's held-out prose), as a 'sentence' line. */
  texts?: readonly string[];
  /** Share of lines on clean white paper with black ink; the rest get paper and camera at a random strength. Default 0.15. */
  cleanShare?: number;
  /** Strength range of the paper-and-camera mix for the other lines (paper.ts). Default [0.2, 1]. */
  strength?: [number, number];
  /** Paper options under the strength (paper.ts defaults). */
  paper?: PaperOptions;
  /**
   * The writer's body height range when drawing, pixels (the recipe rescales). Default [10, 24]: the
   * photo's resolution varies further by paper.ts's scale; larger drawings only cost time.
   */
  bodyHeight?: [number, number];
  /** Fonts: other drawing options. */
  font?: Omit<FontLineOptions, 'bodyHeight'>;
  /** EMNIST: other writer options. */
  emnistLine?: Omit<EmnistLineOptions, 'bodyHeight'>;
  /** The model input geometry; default LINE_GEOMETRY. */
  geometry?: LineGeometry;
  /** Width pixels per model frame (the crnn's 4): a drawn line too narrow for its label's CTC frames is drawn again. */
  downsample?: number;
  /** Tries per line before a line that does not fit (`HandwrittenLine.fits`) is kept anyway (CTC skips one too narrow). Default 4. */
  attempts?: number;
  /**
   * Training lines only: a line wider than this many body heights per character is drawn again
   * (default TRAIN_MAX_WIDTH_PER_CHAR). Validation and test lines stay as the reader reads them.
   */
  maxWidthPerChar?: number;
}

/**
 * Where the line recipe misjudged a photo's writing: on a faint, noisy photo it can take a few
 * specks for the ink and scale the line up until its letters are blobs (a 19-character training line
 * 4,816 px wide). Such a line teaches nothing, and padded into a batch of 32 on one wasm heap it ran
 * `hwr train --workers 1` out of memory. Of 3,000 training lines drawn well, the widest was 2.3 body
 * heights a character (a lone 'o'); 99.9% were under 1.8.
 */
export const TRAIN_MAX_WIDTH_PER_CHAR = 3;

/** One synthetic line as the model sees it. */
export interface HandwrittenLine {
  text: string;
  /** [height, paddedWidth] uint8, white ink on black: the line recipe's output. */
  pixels: Uint8Array;
  height: number;
  /** Columns >= width hold no ink (the recipe's right margin). */
  width: number;
  paddedWidth: number;
  /** 'emnist' or 'font:<family>'. */
  source: string;
  kind: TextKind;
  /** Paper-and-camera strength, 0 for a clean line. */
  strength: number;
  /** True when the label fits the line's CTC frames (and, for a training line, is not absurdly wide: `maxWidthPerChar`). */
  fits: boolean;
}

/** A deterministic source of synthetic handwritten lines for one split. */
export interface HandwritingGenerator extends LineSource<HandwrittenLine> {
  readonly split: HandwritingSplit;
  readonly charset: readonly string[];
  readonly height: number;
  readonly geometry: LineGeometry;
  readonly fonts: readonly string[];
  readonly text: TextSource;
  /** The stages of line n, for figures: the ink as drawn, the photo, and the model input. */
  stages(n: number): { ink: InkLine; photo: ReturnType<typeof putOnPaper>; line: HandwrittenLine };
}

const DEFAULTS = { seed: 0, emnistShare: 0.5, cleanShare: 0.15, strength: [0.2, 1] as [number, number], bodyHeight: [10, 24] as [number, number], downsample: 4, attempts: 4 };

/** Paper around the ink, body heights a side: enough for the recipe to see paper, not so much that making it costs time. */
const PAPER_MARGIN: [number, number] = [0.4, 1.5];

/** Creates a deterministic generator of synthetic handwritten lines (see the module comment). */
export function createHandwritingGenerator(opts: HandwritingOptions): HandwritingGenerator {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as HandwritingOptions & typeof DEFAULTS;
  const { split, seed } = o;
  if (!['train', 'val', 'test'].includes(split)) throw new Error(`createHandwritingGenerator: split must be 'train', 'val' or 'test', got '${String(split)}'`);
  const geometry = o.geometry ?? LINE_GEOMETRY;
  const fonts = [...(o.fonts ?? splitFonts(split))];
  refuseTestFonts(fonts, split, `createHandwritingGenerator: ${split} lines`);
  const glyphs: EmnistGlyphs | undefined = o.emnist ? createEmnistGlyphs(o.emnist, { split }) : undefined;
  const emnistShare = glyphs ? (fonts.length === 0 ? 1 : o.emnistShare) : 0;
  if (fonts.length === 0 && !glyphs) throw new Error('createHandwritingGenerator: no fonts and no EMNIST images: nothing to write with');
  const loaded = fonts.map((f) => loadFont(f));
  const source = createTextSource({ ...o.text, split, seed: deriveSeed(seed, 'text') });
  const texts = o.texts;
  const odd = texts?.findIndex((t) => t.length === 0 || !isLineText(t)) ?? -1;
  if (odd >= 0) throw new Error(`createHandwritingGenerator: fixed text ${odd} ${JSON.stringify(texts![odd])} is empty or holds a character outside the line charset`);
  const text: TextSource = !texts ? source : {
    ...source,
    line: (n: number) => {
      if (!(Number.isInteger(n) && n >= 0 && n < texts.length)) throw new Error(`handwriting: line ${n} of ${texts.length} fixed texts does not exist`);
      return { text: texts[n], kind: 'sentence' };
    },
  };
  const maxWidthPerChar = o.maxWidthPerChar ?? TRAIN_MAX_WIDTH_PER_CHAR;

  /** The ink of text `t` by a writer drawn from rng: EMNIST letters or a font that can write it. */
  const draw = (t: string, rng: Rng): { ink: InkLine; source: string } => {
    if (glyphs && rng.next() < emnistShare) {
      return { ink: renderEmnistLine(t, glyphs, rng, { ...o.emnistLine, bodyHeight: o.bodyHeight }), source: 'emnist' };
    }
    const first = rng.int(loaded.length);
    for (let k = 0; k < loaded.length; k++) {
      const font = loaded[(first + k) % loaded.length];
      if (fontCanWrite(font, t)) return { ink: renderFontLine(t, font, rng, { ...o.font, bodyHeight: o.bodyHeight }), source: `font:${fonts[(first + k) % loaded.length]}` };
    }
    if (glyphs) return { ink: renderEmnistLine(t, glyphs, rng, { ...o.emnistLine, bodyHeight: o.bodyHeight }), source: 'emnist' };
    throw new Error(`createHandwritingGenerator: no ${split} font can write ${JSON.stringify(t)}`);
  };

  const stages = (n: number) => {
    if (!(Number.isInteger(n) && n >= 0)) throw new Error(`handwriting: line number must be an integer >= 0, got ${n}`);
    const { text: t, kind } = text.line(n);
    const need = ctcMinFrames(t);
    let last: { ink: InkLine; photo: ReturnType<typeof putOnPaper>; line: HandwrittenLine } | undefined;
    for (let attempt = 0; attempt < o.attempts; attempt++) {
      const rng = createRng(deriveSeed(seed, 'handwriting', split, n, attempt));
      const { ink, source } = draw(t, rng);
      const strength = rng.next() < o.cleanShare ? 0 : rng.uniform(o.strength[0], o.strength[1]);
      const photo = putOnPaper(ink, rng, { margin: PAPER_MARGIN, ...o.paper, strength });
      const gray = rgbaToGray(photo.image, { maxSide: 2048 }).image;
      const pre = preprocessLineGray(gray, withLineLighting(gray, { ...geometry, maxWidth: Number.MAX_SAFE_INTEGER }), `line ${n}`);
      const frames = lineFrames(pre.inkEnd, o.downsample, Number.MAX_SAFE_INTEGER);
      const tooWide = split === 'train' && pre.inkEnd > geometry.bodyHeight * (maxWidthPerChar * [...t].length + 2);
      const line: HandwrittenLine = {
        text: t, pixels: pre.uint8, height: geometry.height, width: pre.inkEnd, paddedWidth: pre.width,
        source, kind, strength, fits: !pre.empty && frames >= need && !tooWide,
      };
      last = { ink, photo, line };
      if (line.fits) break;
    }
    return last!;
  };

  return {
    split,
    name: o.name ?? 'handwriting',
    charset: LINE_CHARSET,
    height: geometry.height,
    geometry,
    fonts,
    text,
    describe: {
      generator: 'handwriting', split, seed, emnistShare, fonts: fonts.join(','), cleanShare: o.cleanShare,
      strength: o.strength.join(','), height: geometry.height, bodyHeight: geometry.bodyHeight, baselineRow: geometry.baselineRow,
      ...(texts ? { texts: `${texts.length} fixed texts` } : { textMode: text.mode, maxChars: text.options.maxChars, maxWords: text.options.maxWords }),
      ...(split === 'train' ? { maxWidthPerChar } : {}),
    },
    line: (n) => stages(n).line,
    stages,
  };
}

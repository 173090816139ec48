/**
 * Reading image files of handwriting: with a line model (CTC), every line of a page or the single
 * word or line of an image (page.ts); or, by segmentation with a character model (the baseline), one
 * word or line. And a picture of each input as the reader saw it, one row per line, with its text.
 */
import * as nodePath from 'path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BeamSearchLm } from '../ctc/decode';
import { foldText } from '../synth/corpus';
import { decodeRgba, readImageBytes } from '../image/decode';
import { PixelBox } from '../image/gray';
import { LinePreprocessOptions, PreprocessedLine, preprocessLineRgba } from '../image/line';
import { PageOptions } from '../image/page';
import { EMNIST_GEOMETRY, PreprocessOptions } from '../image/preprocess';
import { textFromFilename } from '../image/samples';
import { LineModelMetadata, MAX_LINE_ASPECT, padRight } from '../lines/line_model';
import { imageGrid } from '../plot/imageGrid';
import { expandImagePaths } from './characters';
import { readPage } from './page';
import { SegmentReadOptions, SegmentedChar, readLineBySegmentation } from './segment/read';

export { MAX_LINE_ASPECT, padRight }; // defined with the pure line-reading code (lines/line_model.ts), which the web app bundles

/** One line of a file read with a line model. */
export interface LinePredictionLine {
  text: string;
  confidence: number;
  /** Where the line's ink is in the image file, pixels. */
  box: PixelBox;
  /** The line as the model saw it: uint8 [height, width], white ink on black, padded on the right. */
  input: Uint8Array;
  width: number;
}

/** A file whose writing was read (possibly as empty text, with a note saying why). */
export interface LinePredictionOk {
  ok: true;
  file: string;
  /** What was read, lines joined with '\n'; '' when the image holds no ink. */
  text: string;
  /**
   * The reader's confidence: best-path (greedy) or prefix (beam) probability, for several lines
   * their product; or the product of the characters' probabilities (segmentation).
   */
  confidence: number;
  /** The input as the reader saw it: uint8 [height, width], white ink on black (the first line of several; `lines` has each). */
  input: Uint8Array;
  width: number;
  height: number;
  /** Line models: each line read, top to bottom (empty when the image holds no ink). */
  lines?: LinePredictionLine[];
  /** Things worth telling the user (no ink, several lines of text). */
  notes: string[];
  /** True text from the file name (`word-HELLO-photo.jpg`), folded to what the reader can write; else null. */
  expected: string | null;
  /** Segmentation only: the characters and where they are. */
  chars?: SegmentedChar[];
  error?: undefined;
}

/** A file that could not be read or is unfit for the reader; the others are still read. */
export interface LinePredictionFailed {
  ok: false;
  file: string;
  /** What went wrong, naming the file and what to do. */
  error: string;
  expected: string | null;
}

/** The outcome for one file. */
export type LinePrediction = LinePredictionOk | LinePredictionFailed;

/** Decodes an image file (PNG, JPEG, WebP) and runs the line recipe on it; errors name the file. */
export async function preprocessLineFile(path: string, opts: LinePreprocessOptions = {}): Promise<PreprocessedLine> {
  const { rgba } = await decodeRgba(await readImageBytes(path), path);
  return preprocessLineRgba(rgba, opts, path);
}

/** Options of `predictLineFiles`. */
export interface LinePredictOptions {
  /** 'greedy' (default) or 'beam'. */
  decoder?: 'greedy' | 'beam';
  /** Beam width for 'beam' (default 10). */
  beamWidth?: number;
  /** A character LM and its weights for 'beam' (`loadLineModel` gives the model's); greedy ignores it. */
  lm?: BeamSearchLm | null;
  /** Line preprocessing on top of the model's own (`linePreprocessOptionsFor`); `height` always comes from the model. */
  preprocess?: LinePreprocessOptions;
  /** Page layout options. */
  page?: PageOptions;
  /** Body-height factors each line is read at (`ReadPageOptions.bodyScales`; default three). */
  bodyScales?: readonly number[];
  /** Shears each line is also read at (`ReadPageOptions.slants`; default two). */
  slants?: readonly number[];
}

/**
 * Reads every line of writing in each image file (folders are expanded) with a line model
 * (`readPage`: a single word or line, or a whole page). A blank image gives empty text and a note;
 * a file that cannot be read, or with a line far too wide for the model, gives a per-file error.
 */
export async function predictLineFiles(model: tfl.LayersModel, meta: LineModelMetadata, paths: string[], opts: LinePredictOptions = {}): Promise<LinePrediction[]> {
  const charset = meta.charset.filter((c) => c !== ' ');
  const out: LinePrediction[] = [];
  for (const file of await expandImagePaths(paths)) {
    const expected = expectedText(file, charset);
    try {
      const { rgba } = await decodeRgba(await readImageBytes(file), file);
      const page = readPage(model, meta, rgba, { preprocess: opts.preprocess, page: opts.page, decoder: opts.decoder, beamWidth: opts.beamWidth, lm: opts.lm, bodyScales: opts.bodyScales, slants: opts.slants, name: file });
      const lines = page.lines.map((l) => ({ text: l.text, confidence: l.confidence, box: l.box, input: l.line.uint8, width: l.line.width }));
      // A blank image shows as a black strip, as the line recipe returns it.
      const blankWidth = Math.max(1, 2 * Math.round((2 / 28) * meta.height));
      const first = lines[0] ?? { input: new Uint8Array(meta.height * blankWidth), width: blankWidth };
      out.push({
        ok: true, file, text: page.text, confidence: page.confidence, input: first.input, width: first.width, height: meta.height, lines, notes: page.notes, expected,
      });
    } catch (e) {
      out.push({ ok: false, file, error: e instanceof Error ? e.message : `${file}: ${String(e)}`, expected });
    }
  }
  return out;
}

/** Options of `predictSegmentedFiles`. */
export interface SegmentPredictOptions {
  /** Line preprocessing before segmentation; default height 56 (twice a line model's: characters keep their detail). */
  preprocess?: LinePreprocessOptions;
  /** The character model's input geometry; default EMNIST's. */
  geometry?: PreprocessOptions;
  /** Segmentation and reading options (see `readLinesBySegmentation`). */
  read?: SegmentReadOptions;
}

/**
 * Reads the word or line in each image file with a character model, by segmentation: the line
 * recipe, then `readLineBySegmentation`. Same outcomes as `predictLineFiles`.
 */
export async function predictSegmentedFiles(
  charModel: tfl.LayersModel,
  classes: string[],
  paths: string[],
  opts: SegmentPredictOptions = {},
): Promise<LinePrediction[]> {
  const out: LinePrediction[] = [];
  for (const file of await expandImagePaths(paths)) {
    const expected = expectedText(file, classes);
    try {
      const height = opts.preprocess?.height ?? 56;
      const line = await preprocessLineFile(file, { maxWidth: MAX_LINE_ASPECT * height, ...opts.preprocess, height });
      const read = line.empty
        ? { text: '', confidence: 0, chars: [] }
        : readLineBySegmentation(charModel, classes, line.uint8, line.width, { geometry: opts.geometry ?? EMNIST_GEOMETRY, ...opts.read });
      out.push({
        ok: true,
        file,
        text: read.text,
        confidence: read.confidence,
        chars: read.chars,
        input: line.uint8,
        width: line.width,
        height: line.height,
        notes: line.notes,
        expected,
      });
    } catch (e) {
      out.push({ ok: false, file, error: e instanceof Error ? e.message : `${file}: ${String(e)}`, expected });
    }
  }
  return out;
}

/** The text a sample's file name carries, folded to the characters `classes` can write (e.g. Balanced: 'c' -> 'C'). */
function expectedText(file: string, classes: readonly string[]): string | null {
  const text = textFromFilename(file);
  return text === null ? null : foldText(text, classes);
}

/**
 * Saves a PNG of each input as the reader saw it (white on black at its working height), captioned
 * with the text read and the confidence; a wrong reading (when the file name carries the text) and
 * an unreadable file are framed in red. Segmented readings show each character's columns as bars
 * under the image. Returns the file written.
 */
export function saveLinePredictionGrid(preds: LinePrediction[], outPath: string, opts: { title?: string; scale?: number } = {}): string {
  if (preds.length === 0) throw new Error(`saveLinePredictionGrid: no predictions to draw into ${outPath}`);
  const images: number[][][] = [];
  const labels: string[] = [];
  const titles: string[] = [];
  const highlight: boolean[] = [];
  for (const p of preds) {
    const name = nodePath.basename(p.file);
    if (p.ok && p.lines && p.lines.length > 1) {
      // A page: one row per line.
      p.lines.forEach((l, i) => {
        images.push(rowsOf(l.input, l.width, p.height));
        labels.push(`"${l.text}" ${(100 * l.confidence).toFixed(0)}%`);
        titles.push(`${name} line ${i + 1}/${p.lines?.length}`);
        highlight.push(false);
      });
      continue;
    }
    const wrong = !p.ok || (p.expected !== null && !readsAsExpected(p));
    images.push(p.ok ? rowsWithBars(p) : [new Array<number>(64).fill(0)]);
    const read = !p.ok ? 'error (see the console)' : p.text === '' ? 'nothing read' : `"${p.text}" ${(100 * p.confidence).toFixed(0)}%`;
    labels.push(p.ok && wrong ? `${read}\nexpected "${p.expected}"` : read);
    titles.push(name);
    highlight.push(wrong);
  }
  const figure = imageGrid(images, { labels, titles, highlight, title: opts.title, cols: 1, scale: opts.scale ?? 2 });
  const target = nodePath.extname(outPath).toLowerCase() === '.png' ? outPath : `${outPath}.png`;
  figure.save(target);
  return target;
}

/** True when the text read is the one the file name carries (lines of a page read as one, joined by spaces). */
export function readsAsExpected(p: LinePredictionOk): boolean {
  return p.expected !== null && p.expected === p.text.replace(/\n/g, ' ');
}

/** A uint8 [height, width] image as rows of numbers. */
function rowsOf(input: Uint8Array, width: number, height: number): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < height; y++) rows.push(Array.from(input.subarray(y * width, (y + 1) * width)));
  return rows;
}

/** The input's rows, plus (segmentation) a strip of alternating bars marking each character's columns. */
function rowsWithBars(p: LinePredictionOk): number[][] {
  const rows = rowsOf(p.input, p.width, p.height);
  if (!p.chars) return rows;
  const bar = new Array<number>(p.width).fill(0);
  p.chars.forEach((c, i) => bar.fill(i % 2 === 0 ? 255 : 110, c.x0, c.x1));
  rows.push(new Array<number>(p.width).fill(0), bar, bar, bar);
  return rows;
}

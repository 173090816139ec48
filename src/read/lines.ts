/**
 * Reading words and lines in image files: with a line model (CTC), or by segmentation with a
 * character model (the baseline); and a picture of each input as the reader saw it, with its text.
 */
import * as nodePath from 'path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { foldText } from '../synth/corpus';
import { decodeRgba, readImageBytes } from '../image/decode';
import { LinePreprocessOptions, PreprocessedLine, preprocessLineRgba } from '../image/line';
import { EMNIST_GEOMETRY, PreprocessOptions } from '../image/preprocess';
import { textFromFilename } from '../image/samples';
import { LineModelMetadata, MAX_LINE_ASPECT, padRight, readPreprocessedLine } from '../lines/line_model';
import { imageGrid } from '../plot/imageGrid';
import { expandImagePaths } from './characters';
import { SegmentReadOptions, SegmentedChar, readLineBySegmentation } from './segment/read';

export { MAX_LINE_ASPECT, padRight }; // defined with the pure line-reading code (lines/line_model.ts), which the web app bundles

/** A file whose writing was read (possibly as empty text, with a note saying why). */
export interface LinePredictionOk {
  ok: true;
  file: string;
  /** What was read; '' when the image holds no ink. */
  text: string;
  /** The reader's confidence: best-path (greedy) or prefix (beam) probability, or the product of the characters' probabilities (segmentation). */
  confidence: number;
  /** The input as the reader saw it: uint8 [height, width], white ink on black. */
  input: Uint8Array;
  width: number;
  height: number;
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
  /** Line preprocessing; `height` always comes from the model. Default `maxWidth`: MAX_LINE_ASPECT x height. */
  preprocess?: LinePreprocessOptions;
}

/**
 * Reads the word or line in each image file (folders are expanded) with a line model: the line
 * recipe at the model's height, then `readLineBatch`. A blank image gives empty text and a note; a
 * file that cannot be read, or whose writing is far too wide for one line, gives a per-file error.
 */
export async function predictLineFiles(model: tfl.LayersModel, meta: LineModelMetadata, paths: string[], opts: LinePredictOptions = {}): Promise<LinePrediction[]> {
  const charset = meta.charset.filter((c) => c !== ' ');
  const out: LinePrediction[] = [];
  for (const file of await expandImagePaths(paths)) {
    const expected = expectedText(file, charset);
    try {
      const pre = await preprocessLineFile(file, { maxWidth: MAX_LINE_ASPECT * meta.height, ...opts.preprocess, height: meta.height });
      const { line, text, confidence } = readPreprocessedLine(model, meta, pre, { decoder: opts.decoder, beamWidth: opts.beamWidth });
      out.push({ ok: true, file, text, confidence, input: line.uint8, width: line.width, height: line.height, notes: line.notes, expected });
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
  const images = preds.map((p) => (p.ok ? rowsWithBars(p) : [new Array<number>(64).fill(0)]));
  const labels = preds.map((p) => {
    if (!p.ok) return 'error (see the console)';
    const read = p.text === '' ? 'nothing read' : `"${p.text}" ${(100 * p.confidence).toFixed(0)}%`;
    return p.expected !== null && p.expected !== p.text ? `${read}\nexpected "${p.expected}"` : read;
  });
  const titles = preds.map((p) => nodePath.basename(p.file));
  const highlight = preds.map((p) => !p.ok || (p.expected !== null && p.expected !== p.text));
  const figure = imageGrid(images, { labels, titles, highlight, title: opts.title, cols: 1, scale: opts.scale ?? 2 });
  const target = nodePath.extname(outPath).toLowerCase() === '.png' ? outPath : `${outPath}.png`;
  figure.save(target);
  return target;
}

/** The input's rows, plus (segmentation) a strip of alternating bars marking each character's columns. */
function rowsWithBars(p: LinePredictionOk): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < p.height; y++) rows.push(Array.from(p.input.subarray(y * p.width, (y + 1) * p.width)));
  if (!p.chars) return rows;
  const bar = new Array<number>(p.width).fill(0);
  p.chars.forEach((c, i) => bar.fill(i % 2 === 0 ? 255 : 110, c.x0, c.x1));
  rows.push(new Array<number>(p.width).fill(0), bar, bar, bar);
  return rows;
}

/**
 * Running the current model on what the pad shows (a drawing or a photo): the library's own
 * preprocessing (the code `hwr predict` runs), the model, and for a line model CTC decoding. A line
 * model reads the input as a page (`readPage`, as `hwr predict` does): its lines found and each read,
 * so two lines written on the pad or a photo of a page come back line by line, and a single word or
 * line is read whole; beam decoding uses the model's character LM when it has one, as `hwr predict
 * --decoder beam` does. No DOM: it returns the prediction (what tests and the benchmark read) and
 * what the view should draw.
 */
import type { PixelBox } from '../../src/image/gray';
import { PreprocessedImage, preprocessRgba } from '../../src/image/preprocess';
import type { RgbaImage } from '../../src/image/rgba';
import type { LineModelMetadata } from '../../src/lines/line_model';
import { ClassProbability, predictProbabilities, topClasses } from '../../src/read/classify';
import { PageReading, readPage } from '../../src/read/page';
import { preprocessOptionsFor } from './models';
import type { CurrentModel } from './state';

/** The CTC decoder of a line model: best path, or beam search. */
export type Decoder = 'greedy' | 'beam';

/** The last prediction, as the page shows it (and tests and the benchmark read it). */
export interface PagePrediction {
  /** Which drawing/photo and model (and decoder) it was made from (see `LiveReader.key`). */
  key: string;
  source: 'drawing' | 'photo';
  modelId: string;
  kind: 'character' | 'line';
  /**
   * The model input exactly, floats 0..1: [28 * 28] for a character; [height * width] for a line
   * (the preprocessed line padded on the right, row-major). Empty when there was no ink.
   */
  input: number[];
  /** Character models; empty for a line model. */
  top3: ClassProbability[];
  probs: number[];
  /**
   * Line models: the text read (one line of text per line found, joined with '\n'), its confidence
   * (the product of the lines'), the decoder, the size of the first line's input (`input` is that
   * line's: for a drawn word, the only one), the page's notes and skew, and every line read.
   */
  text?: string;
  confidence?: number;
  decoder?: Decoder;
  width?: number;
  height?: number;
  notes?: string[];
  skewDegrees?: number;
  lines?: PageLinePrediction[];
  /**
   * Preprocessing and model time of this prediction. A line model's page reading (layout, line
   * recipe, model, decoding) is one call: all of it is in `predictMs`, and `preprocessMs` is 0.
   */
  preprocessMs: number;
  predictMs: number;
  /** Set when nothing could be predicted (no ink). */
  note?: string;
}

/** One line of a page as the model read it. */
export interface PageLinePrediction {
  text: string;
  confidence: number;
  /** Where the line's ink is in the image read (the drawing's or the photo's pixels). */
  box: PixelBox;
  /** The model input: [height * width] floats 0..1, the line recipe's output padded on the right; `inkEnd` its ink's end. */
  input: number[];
  width: number;
  inkEnd: number;
}

/** What the view draws for a prediction: the model's image and answers, or a hint instead. */
export type Shown =
  | { kind: 'character'; pre: PreprocessedImage | null; top3: ClassProbability[]; hint: string | null }
  | { kind: 'line'; page: PageReading | null; meta: LineModelMetadata; decoder: Decoder; source: 'drawing' | 'photo'; hint: string | null };

/** What to read: the pad's pixels or the photo's, or null for an empty pad. */
export interface PredictInput {
  key: string;
  source: 'drawing' | 'photo';
  rgba: RgbaImage | null;
  /** Names the input in errors ('the drawing', the photo's file name). */
  name: string;
}

/** Preprocesses the input and runs the model on it. */
export function predictInput(current: CurrentModel, input: PredictInput, decoder: Decoder): { prediction: PagePrediction; shown: Shown } {
  const { key, source, rgba, name } = input;
  const modelId = current.entry.id;
  if (rgba === null) {
    const what = current.line ? 'Write a word, or a line or two,' : current.entry.classes.length === 10 ? 'Draw a digit' : 'Draw a character';
    const hint = `${what} in the box`;
    const kind = current.line ? 'line' : 'character';
    const prediction: PagePrediction = { key, source, modelId, kind, input: [], top3: [], probs: [], preprocessMs: 0, predictMs: 0, note: 'empty' };
    const shown: Shown = current.line
      ? { kind: 'line', page: null, meta: current.line, decoder, source, hint }
      : { kind: 'character', pre: null, top3: [], hint };
    return { prediction, shown };
  }
  if (current.line) return predictLine(current, current.line, input as PredictInput & { rgba: RgbaImage }, decoder);
  const base = { key, source, modelId, kind: 'character' as const };
  const t0 = performance.now();
  let pre: PreprocessedImage;
  try {
    pre = preprocessRgba(rgba, preprocessOptionsFor(current.entry), name);
  } catch (e) {
    const note = (e as Error).message;
    const prediction = { ...base, input: [], top3: [], probs: [], preprocessMs: performance.now() - t0, predictMs: 0, note };
    return { prediction, shown: { kind: 'character', pre: null, top3: [], hint: note.replace(/^.*?: no ink found/, 'No ink found') } };
  }
  const t1 = performance.now();
  const probs = predictProbabilities(current.model, current.entry.classes, [pre])[0];
  const top3 = topClasses(probs, current.entry.classes, 3);
  const t2 = performance.now();
  const prediction = { ...base, input: Array.from(pre.pixels), top3, probs: Array.from(probs), preprocessMs: t1 - t0, predictMs: t2 - t1 };
  return { prediction, shown: { kind: 'character', pre, top3, hint: null } };
}

/**
 * `readPage` as `hwr predict` runs it on a file: the lines found, each through the line recipe at
 * the model's height (body-height scaling when its metadata has `body`, five versions a line), read in one batch. Layout,
 * recipe and model are one call, so `preprocessMs` is 0 and `predictMs` is the whole reading.
 */
function predictLine(current: CurrentModel, meta: LineModelMetadata, input: PredictInput & { rgba: RgbaImage }, decoder: Decoder): { prediction: PagePrediction; shown: Shown } {
  const { key, source, rgba, name } = input;
  const base = { key, source, modelId: current.entry.id, kind: 'line' as const, top3: [], probs: [], decoder };
  const t0 = performance.now();
  let page: PageReading;
  try {
    page = readPage(current.model, meta, rgba, { decoder, lm: current.lm, name });
  } catch (e) {
    const note = (e as Error).message; // e.g. writing far too wide for one line
    const prediction: PagePrediction = { ...base, input: [], preprocessMs: 0, predictMs: performance.now() - t0, note };
    return { prediction, shown: { kind: 'line', page: null, meta, decoder, source, hint: note } };
  }
  const predictMs = performance.now() - t0;
  const lines: PageLinePrediction[] = page.lines.map((l) => ({
    text: l.text, confidence: l.confidence, box: l.box, input: Array.from(l.line.pixels), width: l.line.width, inkEnd: l.line.inkEnd,
  }));
  const first = lines[0];
  const prediction: PagePrediction = {
    ...base,
    input: first ? first.input : [],
    text: page.text,
    confidence: page.confidence,
    width: first?.width,
    height: meta.height,
    notes: page.notes,
    skewDegrees: page.skewDegrees,
    lines,
    preprocessMs: 0,
    predictMs,
    ...(first ? {} : { note: page.notes[0] ?? 'no writing found' }),
  };
  return { prediction, shown: { kind: 'line', page: first ? page : null, meta, decoder, source, hint: lineHint(page, source) } };
}

/** What to tell the user about a page reading: why nothing was read, or the notes worth reading. */
function lineHint(page: PageReading, source: 'drawing' | 'photo'): string | null {
  const notes = page.notes.map((n) => n.replace(/^.*?: /, ''));
  if (page.lines.length === 0) {
    const blank = notes.length === 0 || notes.some((n) => /^no ink found/.test(n));
    if (blank) return source === 'photo' ? 'No writing found in the photo: it looks blank or too faint.' : 'No ink found: write a word in the box';
  }
  if (notes.length === 0) return null;
  const hint = notes.join(' ');
  return hint[0].toUpperCase() + hint.slice(1);
}

/**
 * The few words a screen reader says for a prediction: the top answer, or the hint. Short, and
 * only for a final result (see live.ts), so a screen reader is not talking over the drawing.
 */
export function announcement(shown: Shown): string {
  if (shown.kind === 'character') {
    const best = shown.top3[0];
    return best ? `Reads ${best.label}, ${Math.round(100 * best.p)} percent` : shown.hint ?? '';
  }
  if (!shown.page) return shown.hint ?? '';
  const texts = shown.page.lines.map((l) => l.text);
  if (texts.every((t) => t === '')) return 'Nothing read';
  return texts.length === 1 ? `Reads: ${texts[0]}` : `Reads ${texts.length} lines: ${texts.join('; ')}`;
}

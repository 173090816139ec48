/**
 * Running the current model on what the pad shows (a drawing or a photo): the library's own
 * preprocessing (the code `hwr predict` runs), the model, and for a line model CTC decoding. No DOM:
 * it returns the prediction (what tests and the benchmark read) and what the view should draw.
 */
import { ClassProbability, predictProbabilities, topClasses } from '../../src/read/classify';
import { PreprocessedLine, preprocessLineRgba } from '../../src/image/line';
import { PreprocessedImage, preprocessRgba } from '../../src/image/preprocess';
import type { RgbaImage } from '../../src/image/rgba';
import { LineModelMetadata, ReadLine, readPreprocessedLine } from '../../src/lines/line_model';
import { linePreprocessOptionsFor, preprocessOptionsFor } from './models';
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
  /** Line models: the text read, its confidence, the decoder, the input's size and the recipe's notes. */
  text?: string;
  confidence?: number;
  decoder?: Decoder;
  width?: number;
  height?: number;
  notes?: string[];
  /** Preprocessing and model time of this prediction. */
  preprocessMs: number;
  predictMs: number;
  /** Set when nothing could be predicted (no ink). */
  note?: string;
}

/** What the view draws for a prediction: the model's image and answers, or a hint instead. */
export type Shown =
  | { kind: 'character'; pre: PreprocessedImage | null; top3: ClassProbability[]; hint: string | null }
  | { kind: 'line'; read: ReadLine | null; height: number; decoder: Decoder; hint: string | null };

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
    const what = current.line ? 'Write a word or a short line' : current.entry.classes.length === 10 ? 'Draw a digit' : 'Draw a character';
    const hint = `${what} in the box`;
    const kind = current.line ? 'line' : 'character';
    const prediction: PagePrediction = { key, source, modelId, kind, input: [], top3: [], probs: [], preprocessMs: 0, predictMs: 0, note: 'empty' };
    return { prediction, shown: current.line ? lineShown(current.line, null, decoder, hint) : { kind: 'character', pre: null, top3: [], hint } };
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

/** The line recipe at the model's height (as `hwr predict`), the model, CTC decoding. */
function predictLine(current: CurrentModel, meta: LineModelMetadata, input: PredictInput & { rgba: RgbaImage }, decoder: Decoder): { prediction: PagePrediction; shown: Shown } {
  const { key, source, rgba, name } = input;
  const base = { key, source, modelId: current.entry.id, kind: 'line' as const, top3: [], probs: [], decoder };
  const t0 = performance.now();
  let pre: PreprocessedLine;
  try {
    pre = preprocessLineRgba(rgba, linePreprocessOptionsFor(meta), name);
  } catch (e) {
    const note = (e as Error).message; // e.g. writing far too wide for one line
    return { prediction: { ...base, input: [], preprocessMs: performance.now() - t0, predictMs: 0, note }, shown: lineShown(meta, null, decoder, note) };
  }
  const t1 = performance.now();
  const read = readPreprocessedLine(current.model, meta, pre, { decoder });
  const t2 = performance.now();
  const prediction: PagePrediction = {
    ...base,
    input: pre.empty ? [] : Array.from(read.line.pixels),
    text: read.text,
    confidence: read.confidence,
    width: read.line.width,
    height: read.line.height,
    notes: pre.notes,
    preprocessMs: t1 - t0,
    predictMs: t2 - t1,
    ...(pre.empty ? { note: pre.notes[0] } : {}),
  };
  const hint = pre.empty ? 'No ink found: write a word in the box' : pre.notes.map((n) => n.replace(/^.*?: /, '')).join(' ');
  return { prediction, shown: lineShown(meta, pre.empty ? null : read, decoder, hint ? hint[0].toUpperCase() + hint.slice(1) : null) };
}

function lineShown(meta: LineModelMetadata, read: ReadLine | null, decoder: Decoder, hint: string | null): Shown {
  return { kind: 'line', read, height: meta.height, decoder, hint };
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
  if (!shown.read) return shown.hint ?? '';
  return shown.read.text === '' ? 'Nothing read' : `Reads: ${shown.read.text}`;
}

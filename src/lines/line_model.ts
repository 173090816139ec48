/**
 * A line model's contract and reading line pixels with one, with no file access: the metadata a
 * line model carries, the frames a line covers, the right padding prediction adds, and the forward
 * pass + CTC decoding. Pure (tfjs-core and tfjs-layers only), so the web app runs exactly what
 * `hwr predict` runs; loading from a folder is in read.ts.
 *
 * A line model's metadata.json: family 'crnn', task 'lines', `charset` (class index -> character,
 * ' ' included), `blank` = charset.length (the last class), `height` (input height, pixels) and
 * `downsample` (input width pixels per output time step); optionally `body` (where its training
 * lines put the writing's body band), which switches the line recipe to body-height scaling, and
 * `lm` (its character language model for beam decoding, line_lm.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BeamSearchLm, beamSearchDecode, greedyDecode } from '../ctc/decode';
import { lineFrames } from '../ctc/frames';
import type { LinePreprocessOptions, PreprocessedLine } from '../image/line';
import { TRAINING_SLANTS } from '../image/slant';
import type { ModelMetadata } from '../io/metadata';

/** The metadata fields of a line model (on top of the usual ones). */
export interface LineModelMetadata extends ModelMetadata {
  task: 'lines';
  /** Class index -> character; ' ' included. */
  charset: string[];
  /** Index of the CTC blank: charset.length, the last class. */
  blank: number;
  /** Input height, pixels. */
  height: number;
  /** Input width pixels per output time step. */
  downsample: number;
  /**
   * The body band (x-height) of its input lines, pixels at `height`: `height` rows tall with its
   * lower edge (the baseline) `baseline` rows from the top. Models trained on lines scaled by their
   * body carry it, and every reader scales by it (`linePreprocessOptionsFor`); without it, the
   * older median-character scaling is used.
   */
  body?: { height: number; baseline: number };
  /** Its character language model for beam decoding, when one was built (scripts/build-line-lm.js; see line_lm.ts). */
  lm?: LineLmMetadata;
}

/** metadata.json's `lm`: the LM file in the model's folder and the weights tuned on its validation lines. */
export interface LineLmMetadata {
  /** File name in the model's folder, e.g. 'lm.json'. */
  file: string;
  order: number;
  /** Weights in the beam search (`BeamSearchLm`). */
  alpha: number;
  beta: number;
  /** Case-sensitive CER on the validation lines the weights were tuned on, without and with the LM. */
  valCer?: { greedy?: number; beam: number; beamLm: number };
  [extra: string]: unknown;
}

/** True when metadata describes a line model (task 'lines'). */
export function isLineModel(meta: ModelMetadata | undefined | null): meta is LineModelMetadata {
  return meta != null && meta.task === 'lines';
}

/** Why `meta` is not a usable line model's metadata (read from `file`), or null when it is. */
export function lineMetadataProblem(meta: ModelMetadata, file: string): string | null {
  if (!isLineModel(meta)) {
    return `${file} describes a ${meta.family ?? 'unknown'} model for ${meta.dataset ?? 'an unknown dataset'}, not a line model ` +
      "(no task: 'lines'): it reads single characters. Pass a line model such as saved_models/lines, " +
      "or train one with 'hwr train --dataset lines'.";
  }
  const { charset, blank, height, downsample } = meta;
  if (!Array.isArray(charset) || charset.length === 0 || charset.some((c) => typeof c !== 'string' || Array.from(c).length !== 1)) {
    return `${file}: 'charset' must be a list of single characters (class index -> character).`;
  }
  if (blank !== charset.length) return `${file}: 'blank' is ${String(blank)} but must be charset.length = ${charset.length} (the last class).`;
  if (!(Number.isInteger(height) && height > 0)) return `${file}: 'height' must be the input height in pixels, got ${String(height)}.`;
  if (!(Number.isInteger(downsample) && downsample > 0)) return `${file}: 'downsample' must be a positive integer, got ${String(downsample)}.`;
  const { body } = meta;
  if (body !== undefined) {
    const ok = body !== null && typeof body === 'object' && Number.isFinite(body.height) && Number.isFinite(body.baseline) &&
      body.height > 0 && body.height < height && body.baseline >= body.height && body.baseline <= height;
    if (!ok) {
      return `${file}: 'body' must be { height, baseline } in pixels with 0 < height <= baseline <= the input height (${height}), ` +
        `got ${JSON.stringify(body)}; fix it or remove it to use the older median-character scaling.`;
    }
  }
  return null;
}

/**
 * The line recipe's options for a line model: its height, the widest line it reads, and, when its
 * metadata has `body`, body-height scaling with the baseline where its training lines had it. The
 * one place that decides, for `hwr predict`, page reading and the web app alike. Such a model also
 * reads writing that leans further than its training lines with the slant sheared out (slant.ts).
 */
export function linePreprocessOptionsFor(meta: LineModelMetadata): LinePreprocessOptions {
  const opts: LinePreprocessOptions = { height: meta.height, maxWidth: MAX_LINE_ASPECT * meta.height };
  if (meta.body) {
    opts.bodyHeight = meta.body.height;
    opts.baselineRow = meta.body.baseline;
    // The models scaled by the body are the ones trained on the generator's slants (slant.ts).
    opts.slantRange = TRAINING_SLANTS;
  }
  return opts;
}

/** Why a loaded model (from `dir`) does not match its line metadata, or null when it does. */
export function lineModelMismatch(model: tfl.LayersModel, meta: LineModelMetadata, dir: string): string | null {
  const out = model.outputs[0].shape;
  const inShape = model.inputs[0].shape;
  if (out.length !== 3 || out[2] !== meta.charset.length + 1 || inShape[1] !== meta.height) {
    return `${dir}: the model (input [${inShape}], output [${out}]) does not match metadata.json ` +
      `(height ${meta.height}, ${meta.charset.length} characters + blank): the files do not belong together.`;
  }
  return null;
}

/**
 * Widest line read, as a multiple of the height: 80 (2,240 px at height 28, about 100 characters;
 * the synthetic training lines hold at most 32). Wider writing is an error that says to crop it.
 */
export const MAX_LINE_ASPECT = 80;

export { lineFrames }; // frames per line: one rule for training batches, prediction and the generators

/**
 * The line padded on the right with black to a multiple of 16 columns, at least 16 after the ink:
 * a line model's last frames then see black after the writing, as in its training batches (lines
 * padded to the widest of the batch, rounded up to 16), not the edge of the feature map.
 */
export function padRight(line: PreprocessedLine, multiple = 16): PreprocessedLine {
  const width = Math.ceil((line.inkEnd + multiple) / multiple) * multiple;
  if (line.empty || width <= line.width) return line;
  const pixels = new Float32Array(line.height * width);
  const uint8 = new Uint8Array(line.height * width);
  for (let y = 0; y < line.height; y++) {
    pixels.set(line.pixels.subarray(y * line.width, (y + 1) * line.width), y * width);
    uint8.set(line.uint8.subarray(y * line.width, (y + 1) * line.width), y * width);
  }
  return { ...line, pixels, uint8, width };
}

/** Options of `readLineBatch`. */
export interface ReadLineOptions {
  /** 'greedy' (default, best path) or 'beam' (prefix beam search). */
  decoder?: 'greedy' | 'beam';
  /** Prefixes kept by the beam search (default 10). */
  beamWidth?: number;
  /**
   * Ink width of each line, pixels [n]: frames past it are ignored (default: the whole width). Line
   * models train on their lines' own frames only, so pass it whenever lines are padded.
   */
  widths?: Int32Array;
  /** Lines per forward pass (default 64): bounds memory on long batches. */
  batchSize?: number;
  /** A character LM and its weights for decoder 'beam' (`loadLineModel` gives the model's own); greedy ignores it. */
  lm?: BeamSearchLm | null;
}

/** A line read by the model. */
export interface LineReading {
  text: string;
  /** Greedy: probability of the best path; beam: p(text | image) summed over the alignments the beam kept (the LM's score not included). */
  confidence: number;
  /** log(confidence), finite where confidence underflows to 0 on a long line. */
  logProb: number;
}

/** Options of `lineScores`: `ReadLineOptions` without the decoder's. */
export type LineScoreOptions = Pick<ReadLineOptions, 'widths' | 'batchSize'>;

/**
 * The model's per-frame logits for `n` line images [n, height, width] (white ink on black; uint8
 * 0..255 or float 0..1): one array per line, [frames * classes] over its own frames (all T frames
 * without `widths`). The forward pass every reader shares; decode with `decodeLineScores`.
 */
export function lineScores(
  model: tfl.LayersModel, meta: LineModelMetadata, images: Uint8Array | Float32Array, n: number, width: number, opts: LineScoreOptions = {},
): Float32Array[] {
  const { widths, batchSize = 64 } = opts;
  const H = meta.height;
  if (images.length !== n * H * width) {
    throw new Error(`readLineBatch: ${images.length} pixels is not n x height x width = ${n} x ${H} x ${width}; ` +
      `scale the lines to the model's height (${H} px) first.`);
  }
  if (widths && widths.length !== n) throw new Error(`readLineBatch: ${widths.length} widths for ${n} lines; pass one ink width per line.`);
  const scale = images instanceof Uint8Array ? 1 / 255 : 1;
  const C = meta.charset.length + 1;
  const out: Float32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const pixels = new Float32Array(m * H * width);
    for (let i = 0; i < pixels.length; i++) pixels[i] = images[start * H * width + i] * scale;
    const logits = tf.tidy(() => model.predict(tf.tensor4d(pixels, [m, H, width, 1])) as tf.Tensor3D); // [m, T, C]
    const T = logits.shape[1];
    if (logits.shape[2] !== C) {
      logits.dispose();
      throw new Error(`readLineBatch: the model emits ${logits.shape[2]} classes per frame but the metadata's charset has ${C - 1} + blank.`);
    }
    const data = logits.dataSync() as Float32Array;
    logits.dispose();
    for (let i = 0; i < m; i++) {
      const frames = widths ? lineFrames(widths[start + i], meta.downsample, T) : T;
      out.push(data.subarray(i * T * C, (i * T + frames) * C));
    }
  }
  return out;
}

/** One line's text from its logits [frames * classes] (`lineScores`), by best path or beam search (with `lm`). */
export function decodeLineScores(scores: Float32Array, meta: LineModelMetadata, opts: Pick<ReadLineOptions, 'decoder' | 'beamWidth' | 'lm'> = {}): LineReading {
  const { decoder = 'greedy', beamWidth = 10, lm } = opts;
  if (decoder !== 'greedy' && decoder !== 'beam') throw new Error(`readLineBatch: decoder must be 'greedy' or 'beam', got '${String(decoder)}'.`);
  const C = meta.charset.length + 1;
  const frames = scores.length / C;
  const decoded = decoder === 'beam'
    ? beamSearchDecode(scores, frames, C, { blank: meta.blank, beamWidth, lm: lm ?? undefined })
    : greedyDecode(scores, frames, C, { blank: meta.blank });
  let text = '';
  for (const k of decoded.labels) text += meta.charset[k];
  return { text, confidence: decoded.confidence, logProb: decoded.logProb };
}

/**
 * Reads `n` line images [n, height, width] (white ink on black; uint8 0..255 or float 0..1) with a
 * line model: a forward pass to per-frame logits [n, T, classes], then CTC decoding of each line.
 */
export function readLineBatch(
  model: tfl.LayersModel, meta: LineModelMetadata, images: Uint8Array | Float32Array, n: number, width: number, opts: ReadLineOptions = {},
): LineReading[] {
  const { decoder = 'greedy' } = opts;
  // Checked before the forward pass, so a wrong decoder costs nothing.
  if (decoder !== 'greedy' && decoder !== 'beam') throw new Error(`readLineBatch: decoder must be 'greedy' or 'beam', got '${String(decoder)}'.`);
  return lineScores(model, meta, images, n, width, opts).map((scores) => decodeLineScores(scores, meta, opts));
}

/** A preprocessed line as the model read it: the padded input and the reading. */
export interface ReadLine extends LineReading {
  /** The line padded on the right (`padRight`): the model's input exactly. */
  line: PreprocessedLine;
}

/**
 * Reads one preprocessed line (`preprocessLineRgba` at the model's height): padded on the right,
 * then `readLineBatch` over its ink's frames. A line with no ink reads as '' with confidence 0.
 * What `hwr predict` does per file, and what the web app does with a drawing or a photo.
 */
export function readPreprocessedLine(
  model: tfl.LayersModel, meta: LineModelMetadata, preprocessed: PreprocessedLine, opts: Pick<ReadLineOptions, 'decoder' | 'beamWidth' | 'lm'> = {},
): ReadLine {
  const line = padRight(preprocessed);
  if (line.empty) return { line, text: '', confidence: 0, logProb: -Infinity };
  const [read] = readLineBatch(model, meta, line.pixels, 1, line.width, { ...opts, widths: Int32Array.of(line.inkEnd) });
  return { line, ...read };
}

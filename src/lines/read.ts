/**
 * Reading lines with a saved line model: what makes a model folder a line model (its metadata),
 * loading one with clear errors, and turning a batch of line images into text with a CTC decoder.
 *
 * A line model's metadata.json: family 'crnn', task 'lines', `charset` (class index -> character,
 * ' ' included), `blank` = charset.length (the last class), `height` (input height, pixels) and
 * `downsample` (input width pixels per output time step).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beamSearchDecode, greedyDecode } from '../ctc/decode';
import { LoadedModel, ModelMetadata, loadModel } from '../io/saved_model';
import { lineFrames } from './task';

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
  return null;
}

/** A loaded line model. */
export interface LoadedLineModel extends LoadedModel {
  metadata: LineModelMetadata;
}

/** Loads a line model folder; a folder that is not a line model is an error naming its metadata file. */
export async function loadLineModel(dir: string): Promise<LoadedLineModel> {
  const loaded = await loadModel(dir);
  const problem = lineMetadataProblem(loaded.metadata, `${dir}/metadata.json`);
  if (problem) {
    loaded.model.dispose();
    throw new Error(problem);
  }
  const meta = loaded.metadata as LineModelMetadata;
  const out = loaded.model.outputs[0].shape;
  const inShape = loaded.model.inputs[0].shape;
  if (out.length !== 3 || out[2] !== meta.charset.length + 1 || inShape[1] !== meta.height) {
    loaded.model.dispose();
    throw new Error(`${dir}: the model (input [${inShape}], output [${out}]) does not match metadata.json ` +
      `(height ${meta.height}, ${meta.charset.length} characters + blank): the files do not belong together.`);
  }
  return { model: loaded.model, metadata: meta };
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
}

/** A line read by the model. */
export interface LineReading {
  text: string;
  /** Greedy: probability of the best path; beam: p(text | image) summed over the alignments the beam kept. */
  confidence: number;
}

/**
 * Reads `n` line images [n, height, width] (white ink on black; uint8 0..255 or float 0..1) with a
 * line model: a forward pass to per-frame logits [n, T, classes], then CTC decoding of each line.
 */
export function readLineBatch(
  model: tfl.LayersModel, meta: LineModelMetadata, images: Uint8Array | Float32Array, n: number, width: number, opts: ReadLineOptions = {},
): LineReading[] {
  const { decoder = 'greedy', beamWidth = 10, widths, batchSize = 64 } = opts;
  const H = meta.height;
  if (images.length !== n * H * width) {
    throw new Error(`readLineBatch: ${images.length} pixels is not n x height x width = ${n} x ${H} x ${width}; ` +
      `scale the lines to the model's height (${H} px) first.`);
  }
  if (widths && widths.length !== n) throw new Error(`readLineBatch: ${widths.length} widths for ${n} lines; pass one ink width per line.`);
  if (decoder !== 'greedy' && decoder !== 'beam') throw new Error(`readLineBatch: decoder must be 'greedy' or 'beam', got '${String(decoder)}'.`);
  const scale = images instanceof Uint8Array ? 1 / 255 : 1;
  const C = meta.charset.length + 1;
  const out: LineReading[] = [];
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
      const scores = data.subarray(i * T * C, (i * T + frames) * C);
      const decoded = decoder === 'beam'
        ? beamSearchDecode(scores, frames, C, { blank: meta.blank, beamWidth })
        : greedyDecode(scores, frames, C, { blank: meta.blank });
      let text = '';
      for (const k of decoded.labels) text += meta.charset[k];
      out.push({ text, confidence: decoded.confidence });
    }
  }
  return out;
}

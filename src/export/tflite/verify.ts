/**
 * Checking an exported model against the TensorFlow.js model on a dataset: accuracy and agreement,
 * and the thresholds a character model's .tflite must meet (the one place `hwr export` and
 * bench:tflite read them from).
 */
import { Dataset } from '../../data/dataset';
import type { TfliteQuantization } from './build';
import { LiteRtInterpreter } from './litert_client';
import { grayToRgb } from './rgb_input';

/**
 * The dataset's images as float input in 0..1 (the models' input), rows start..end-1: [n, h, w, 1],
 * or [n, h, w, 3] with R = G = B for a file with an RGB input (`channels` 3).
 */
export function floatImages(ds: Dataset, start = 0, end = ds.count, channels: 1 | 3 = 1): Float32Array {
  const size = ds.height * ds.width;
  const out = new Float32Array((end - start) * size);
  for (let i = 0; i < out.length; i++) out[i] = ds.images[start * size + i] / 255;
  return channels === 3 ? grayToRgb(out) : out;
}

/** Options of `tfliteOutputs`. */
export interface TfliteOutputsOptions {
  /** Images per interpreter request (default 1000). */
  chunk?: number;
  /** The file's input channels: 3 for an RGB input (fed the gray images as R = G = B), default 1. */
  channels?: 1 | 3;
}

/** Output rows of a .tflite file for every image of `ds`, through the interpreter, in chunks. */
export async function tfliteOutputs(interp: LiteRtInterpreter, file: string, ds: Dataset, opts: TfliteOutputsOptions = {}): Promise<{ output: Float32Array; ms: number }> {
  const { chunk = 1000, channels = 1 } = opts;
  const parts: Float32Array[] = [];
  let ms = 0;
  for (let start = 0; start < ds.count; start += chunk) {
    const end = Math.min(ds.count, start + chunk);
    const r = await interp.run(file, floatImages(ds, start, end, channels), end - start);
    parts.push(r.output);
    ms += r.ms;
  }
  const output = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    output.set(p, at);
    at += p.length;
  }
  return { output, ms };
}

/** How a model's probabilities compare with a reference's on labelled images. */
export interface Agreement {
  count: number;
  /** Top-1 accuracy of the reference and of the candidate. */
  referenceAccuracy: number;
  accuracy: number;
  /** Share of images where both pick the same class. */
  agreement: number;
  /** Largest |p_candidate - p_reference| over all images and classes. */
  maxAbsDiff: number;
}

function argmax(row: Float32Array, at: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (row[at + c] > row[at + best]) best = c;
  return best;
}

/** Accuracy, top-1 agreement and max |probability difference| of `got` against `ref` ([n, k] each). */
export function compareOutputs(ref: Float32Array, got: Float32Array, labels: Uint8Array, classes: number): Agreement {
  const n = labels.length;
  if (ref.length !== n * classes || got.length !== n * classes) {
    throw new Error(`Expected ${n} x ${classes} outputs, got ${ref.length} (reference) and ${got.length}.`);
  }
  let refOk = 0;
  let ok = 0;
  let same = 0;
  let maxAbsDiff = 0;
  for (let i = 0; i < n; i++) {
    const a = argmax(ref, i * classes, classes);
    const b = argmax(got, i * classes, classes);
    if (a === labels[i]) refOk++;
    if (b === labels[i]) ok++;
    if (a === b) same++;
    for (let c = 0; c < classes; c++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(ref[i * classes + c] - got[i * classes + c]));
  }
  return { count: n, referenceAccuracy: refOk / n, accuracy: ok / n, agreement: same / n, maxAbsDiff };
}

/**
 * What a .tflite must reach against its tfjs model, per quantization (issue 8): float32 the same
 * answers and probabilities to 1e-4, float16 the same answers nearly always, int8 the same accuracy
 * within a point (its probabilities move, its answers should not on the whole).
 */
export const TFLITE_THRESHOLDS = {
  none: { minAgreement: 0.9999, maxAbsDiff: 1e-4 },
  float16: { minAgreement: 0.999 },
  int8: { maxAccuracyChange: 0.01 },
} as const;

/** Whether an agreement meets `TFLITE_THRESHOLDS` for its quantization, and the check in words. */
export function tfliteVerdict(quantize: TfliteQuantization, a: Agreement): { check: string; pass: boolean } {
  if (quantize === 'none') {
    const t = TFLITE_THRESHOLDS.none;
    return { check: `agreement >= ${100 * t.minAgreement}% and max abs dp <= ${t.maxAbsDiff}`, pass: a.agreement >= t.minAgreement && a.maxAbsDiff <= t.maxAbsDiff };
  }
  if (quantize === 'float16') {
    const t = TFLITE_THRESHOLDS.float16;
    return { check: `agreement >= ${100 * t.minAgreement}%`, pass: a.agreement >= t.minAgreement };
  }
  const t = TFLITE_THRESHOLDS.int8;
  // Rounded to a millionth: 0.01 as a difference of two accuracies is often 0.010000000000000009.
  const change = Math.round(Math.abs(a.accuracy - a.referenceAccuracy) * 1e6) / 1e6;
  return { check: `accuracy within ${100 * t.maxAccuracyChange} point of tfjs`, pass: change <= t.maxAccuracyChange };
}

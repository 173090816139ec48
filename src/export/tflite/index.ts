/** TFLite export: a tfjs layers model -> a .tflite flatbuffer (float32, float16 or full int8). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { lowerModel } from '../inference_graph';
import { buildTfliteSpec, TfliteQuantization } from './build';
import { calibrateGraph } from './calibrate';
import { serializeModel } from './flatbuffer';

export type { TfliteQuantization, CalibrationRanges } from './build';
export { buildTfliteSpec, hwioToOhwi, transpose2d, DEFAULT_FREE_SIZE } from './build';
export { calibrateGraph, calibrationImages } from './calibrate';
export type { ModelSpec, TensorSpec, OperatorSpec } from './flatbuffer';
export { serializeModel } from './flatbuffer';
export * as tfliteSchema from './schema';
export { LiteRtInterpreter } from './litert_client';
export type { LiteRtResult } from './litert_client';

/** Options of `tfliteBytes`. */
export interface TfliteOptions {
  quantize?: TfliteQuantization;
  /** int8 only: calibration images [n, h, w, c] in the model's input scale, from the TRAINING split. */
  calibration?: tf.Tensor4D;
  description?: string;
  /** Size written for a free input dimension (a line model's width; its signature says -1). Default DEFAULT_FREE_SIZE. */
  freeSize?: number;
}

/** The .tflite bytes of a model (throws UnsupportedLayerError before doing any work on a bad layer). */
export function tfliteBytes(model: tfl.LayersModel, opts: TfliteOptions = {}): Uint8Array {
  const quantize = opts.quantize ?? 'none';
  const graph = lowerModel(model);
  let ranges;
  if (quantize === 'int8') {
    if (!opts.calibration) throw new Error('int8 TFLite export needs calibration images (a few hundred from the training split).');
    ranges = calibrateGraph(graph, opts.calibration);
  }
  return serializeModel(buildTfliteSpec(graph, quantize, ranges, opts.description, opts.freeSize));
}

/** labels.txt: one class character per line, in output order (what Android/iOS TFLite examples read). */
export function labelsText(classes: string[]): string {
  return classes.map((c) => `${c}\n`).join('');
}

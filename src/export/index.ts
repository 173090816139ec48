/** Export of trained models for deployment: compact TensorFlow.js folders and TFLite flatbuffers. */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFilesAtomically } from './atomic_file';
import { labelsText, tfliteBytes, TfliteQuantization } from './tflite';

export * from './web';
export * from './float16';
export * from './quantize';
export * from './atomic_file';
export {
  lowerModel, runInferenceGraph, describeGraph, stepShapes, UnsupportedLayerError, SUPPORTED_LAYERS,
} from './inference_graph';
export type { InferenceGraph, InferenceStep } from './inference_graph';
export {
  tfliteBytes, labelsText, buildTfliteSpec, serializeModel, calibrateGraph, calibrationImages,
} from './tflite';
export type { TfliteQuantization, TfliteOptions, CalibrationRanges, ModelSpec } from './tflite';

export const TFLITE_QUANTIZATIONS: readonly TfliteQuantization[] = ['none', 'float16', 'int8'];

/** What `exportTflite` wrote. */
export interface TfliteExportResult {
  file: string;
  labelsFile: string;
  bytes: number;
}

/**
 * Writes `out` (.tflite) and `labels.txt` beside it, both atomically: on an unsupported layer or an
 * unwritable path it throws before anything is left on disk. An image classifier (one score per
 * class, 1 or 3 input channels) also carries TFLite model metadata with labels.txt packed inside
 * the file; other models (a line model: scores per time step) have the side file only.
 */
export function exportTflite(
  model: tfl.LayersModel, classes: string[], out: string,
  opts: { quantize: TfliteQuantization; calibration?: tf.Tensor4D; description?: string; version?: string },
): TfliteExportResult {
  const channels = model.inputs[0].shape[3];
  const isImageClassifier = model.outputs[0].shape.length === 2 && (channels === 1 || channels === 3);
  const classifier = isImageClassifier ? { classes, version: opts.version } : undefined;
  const bytes = tfliteBytes(model, { ...opts, classifier });
  const labelsFile = path.join(path.dirname(out), 'labels.txt');
  const labels = labelsText(classes);
  // One labels.txt per folder: refuse to overwrite another model's class list.
  if (fs.existsSync(labelsFile) && fs.statSync(labelsFile).isFile() && fs.readFileSync(labelsFile, 'utf8') !== labels) {
    throw new Error(`${labelsFile} already lists other classes than this model's ${classes.length}: ` +
      `write each model's .tflite into its own folder (or remove that labels.txt).`);
  }
  writeFilesAtomically([{ path: out, data: bytes }, { path: labelsFile, data: labels }]);
  return { file: out, labelsFile, bytes: bytes.length };
}

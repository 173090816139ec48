/** Export of trained models for deployment: compact TensorFlow.js folders and TFLite flatbuffers. */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFilesAtomically } from './atomic_file';
import { labelsText, tfliteBytes, TfliteInput, TfliteQuantization } from './tflite';

export * from './web';
export * from './float16';
export * from './quantize';
export * from './atomic_file';
export {
  lowerModel, runInferenceGraph, describeGraph, stepShapes, UnsupportedLayerError, SUPPORTED_LAYERS,
} from './inference_graph';
export type { InferenceGraph, InferenceStep } from './inference_graph';
export {
  tfliteBytes, labelsText, buildTfliteSpec, serializeModel, calibrateGraph, calibrationImages, grayToRgb, rgbInputGraph, TFLITE_INPUTS,
} from './tflite';
export type { TfliteQuantization, TfliteOptions, TfliteInput, CalibrationRanges, ModelSpec } from './tflite';

export const TFLITE_QUANTIZATIONS: readonly TfliteQuantization[] = ['none', 'float16', 'int8'];

/** What `exportTflite` wrote. */
export interface TfliteExportResult {
  file: string;
  labelsFile: string;
  bytes: number;
  /** The file's input channels: feed it [1, h, w, channels] (3: RGB, whose mean the model reads). */
  channels: number;
  /** 'rgb' or 'gray' when the file reads 3 or 1 channels. */
  input?: TfliteInput;
}

/**
 * The input an exported file gets by default: RGB for an image classifier (the Task Library and
 * MediaPipe load only 3-channel RGB inputs, so the file loads there as it is); undefined, the
 * model's own, otherwise (a line model reads gray lines; no loader of ours needs RGB there).
 */
export function defaultTfliteInput(model: tfl.LayersModel): TfliteInput | undefined {
  return isImageClassifier(model) ? 'rgb' : undefined;
}

/** One score per class from one [h, w, 1 or 3] image: what an ImageClassifier loads. */
function isImageClassifier(model: tfl.LayersModel): boolean {
  const channels = model.inputs[0].shape[3];
  return model.outputs[0].shape.length === 2 && (channels === 1 || channels === 3);
}

/**
 * Writes `out` (.tflite) and `labels.txt` beside it, both atomically: on an unsupported layer or an
 * unwritable path it throws before anything is left on disk. An image classifier (one score per
 * class, 1 or 3 input channels) also carries TFLite model metadata with labels.txt packed inside
 * the file, and reads RGB unless `input` says 'gray' (defaultTfliteInput); other models (a line
 * model: scores per time step) have the side file only.
 */
export function exportTflite(
  model: tfl.LayersModel, classes: string[], out: string,
  opts: { quantize: TfliteQuantization; calibration?: tf.Tensor4D; description?: string; version?: string; input?: TfliteInput },
): TfliteExportResult {
  const classifier = isImageClassifier(model) ? { classes, version: opts.version } : undefined;
  const input = opts.input ?? defaultTfliteInput(model);
  const bytes = tfliteBytes(model, { ...opts, input, classifier });
  const labelsFile = path.join(path.dirname(out), 'labels.txt');
  const labels = labelsText(classes);
  // One labels.txt per folder: refuse to overwrite another model's class list.
  if (fs.existsSync(labelsFile) && fs.statSync(labelsFile).isFile() && fs.readFileSync(labelsFile, 'utf8') !== labels) {
    throw new Error(`${labelsFile} already lists other classes than this model's ${classes.length}: ` +
      `write each model's .tflite into its own folder (or remove that labels.txt).`);
  }
  writeFilesAtomically([{ path: out, data: bytes }, { path: labelsFile, data: labels }]);
  const channels = input === 'rgb' ? 3 : input === 'gray' ? 1 : model.inputs[0].shape[3] as number;
  return { file: out, labelsFile, bytes: bytes.length, channels, input: channels === 3 ? 'rgb' : channels === 1 ? 'gray' : undefined };
}

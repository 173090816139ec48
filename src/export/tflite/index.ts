/** TFLite export: a tfjs layers model -> a .tflite flatbuffer (float32, float16 or full int8). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InferenceGraph, lowerModel } from '../inference_graph';
import { buildTfliteSpec, TfliteQuantization } from './build';
import { calibrateGraph } from './calibrate';
import { serializeModel } from './flatbuffer';
import { appendAssociatedFiles, characterClassifierMetadata, ClassifierInfo, imageClassifierMetadataBytes, METADATA_BUFFER_NAME } from './metadata';
import { rgbInputGraph, TfliteInput } from './rgb_input';

export type { TfliteQuantization, CalibrationRanges } from './build';
export { buildTfliteSpec, hwioToOhwi, transpose2d, DEFAULT_FREE_SIZE } from './build';
export { calibrateGraph, calibrationImages } from './calibrate';
export type { ModelSpec, TensorSpec, OperatorSpec } from './flatbuffer';
export { serializeModel } from './flatbuffer';
export * as tfliteSchema from './schema';
export { LiteRtInterpreter } from './litert_client';
export type { LiteRtResult } from './litert_client';
export {
  appendAssociatedFiles, characterClassifierMetadata, imageClassifierMetadataBytes, METADATA_BUFFER_NAME, METADATA_FILE_IDENTIFIER,
} from './metadata';
export type { ClassifierInfo, ImageClassifierMetadata } from './metadata';
export { grayToRgb, rgbInputGraph, TFLITE_INPUTS } from './rgb_input';
export type { TfliteInput } from './rgb_input';

/** Options of `tfliteBytes`. */
export interface TfliteOptions {
  quantize?: TfliteQuantization;
  /**
   * int8 only: calibration images [n, h, w, c] in the model's input scale, from the TRAINING split,
   * with the model's own channels (gray for a gray model written with an RGB input).
   */
  calibration?: tf.Tensor4D;
  description?: string;
  /** Size written for a free input dimension (a line model's width; its signature says -1). Default DEFAULT_FREE_SIZE. */
  freeSize?: number;
  /**
   * An image classifier's classes (and name, version): the file then carries TFLite model metadata
   * (input normalisation, labels.txt as an associated file, packed in a zip after the model), so
   * metadata-aware loaders need no side file.
   */
  classifier?: ClassifierInfo;
  /**
   * The file's input channels: 'rgb' gives a gray model a 3-channel input whose mean it reads
   * (rgbInputGraph; what the Task Library and MediaPipe load), 'gray' keeps 1 channel. Default:
   * the model's own.
   */
  input?: TfliteInput;
}

/** The model's graph with the file's input channels (`input`; undefined keeps the model's own). */
function withInput(graph: InferenceGraph, input: TfliteInput | undefined): InferenceGraph {
  const channels = graph.inputShape[2];
  if (input === undefined || (input === 'rgb' && channels === 3) || (input === 'gray' && channels === 1)) return graph;
  if (input === 'rgb' && channels === 1) return rgbInputGraph(graph);
  throw new Error(`TFLite export: model ${graph.name} reads ${channels} channels; it cannot be written with a ${input} input (pass input '${channels === 3 ? 'rgb' : 'gray'}').`);
}

/** The .tflite bytes of a model (throws UnsupportedLayerError before doing any work on a bad layer). */
export function tfliteBytes(model: tfl.LayersModel, opts: TfliteOptions = {}): Uint8Array {
  const quantize = opts.quantize ?? 'none';
  const modelGraph = lowerModel(model);
  let ranges;
  if (quantize === 'int8') {
    if (!opts.calibration) throw new Error('int8 TFLite export needs calibration images (a few hundred from the training split).');
    // On the model's own graph: an RGB input changes only the first layer's input, so every step's range holds for it.
    ranges = calibrateGraph(modelGraph, opts.calibration);
  }
  const graph = withInput(modelGraph, opts.input);
  const spec = buildTfliteSpec(graph, quantize, ranges, opts.description, opts.freeSize);
  if (!opts.classifier) return serializeModel(spec);
  const meta = imageClassifierMetadataBytes(characterClassifierMetadata(graph, opts.classifier));
  const bytes = serializeModel({ ...spec, metadata: [{ name: METADATA_BUFFER_NAME, data: meta }] });
  return appendAssociatedFiles(bytes, [{ name: 'labels.txt', data: new TextEncoder().encode(labelsText(opts.classifier.classes)) }]);
}

/** labels.txt: one class character per line, in output order (what Android/iOS TFLite examples read). */
export function labelsText(classes: string[]): string {
  return classes.map((c) => `${c}\n`).join('');
}

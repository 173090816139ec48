import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeDirAtomically } from './atomic_dir';
import type { ModelMetadata } from './metadata';
// Registers the FusedBiLSTM layer class (a line model's 'lstm' head), so loadModel reads such a model
// even where nothing has imported the kernels or the crnn factory.
import '../kernels/fused_lstm';

export type { ModelMetadata } from './metadata';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const METADATA_JSON = 'metadata.json';

/**
 * Saves a model in the TensorFlow.js layers format (model.json + weights.bin) plus metadata.json.
 * Writes into a temporary sibling folder and renames it into place, so an interrupted save never
 * leaves a half-written model where a good one was. Needs no tfjs-node (`file://` is not used).
 */
export async function saveModel(model: tfl.LayersModel, dir: string, metadata: ModelMetadata): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!artifacts) throw new Error(`Saving model ${model.name}: TensorFlow.js produced no artifacts.`);
  const weights = artifacts.weightData === undefined ? new ArrayBuffer(0)
    : new tf.io.CompositeArrayBuffer(artifacts.weightData).slice();
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
  writeDirAtomically(dir, (tmp) => {
    fs.writeFileSync(path.join(tmp, WEIGHTS_BIN), Buffer.from(weights));
    fs.writeFileSync(path.join(tmp, MODEL_JSON), JSON.stringify(modelJson));
    fs.writeFileSync(path.join(tmp, METADATA_JSON), JSON.stringify(metadata, null, 2) + '\n');
  });
}

function readJson(file: string, what: string): any {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`Missing ${what} ${file}: is this a folder written by 'hwr train' (or saveModel)?`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`Corrupt ${what} ${file}: ${(e as Error).message}. Re-train or restore the model folder.`);
  }
}

/** A loaded model with its metadata. */
export interface LoadedModel {
  model: tfl.LayersModel;
  metadata: ModelMetadata;
}

/** Loads a model folder written by `saveModel`, checking that weights and metadata match the model. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`Model folder ${dir} not found: pass a folder like saved_models/mnist (train one with 'hwr train').`);
  }
  const modelJson = readJson(path.join(dir, MODEL_JSON), 'model file');
  const metadata = readJson(path.join(dir, METADATA_JSON), 'metadata file') as ModelMetadata;
  const manifest = modelJson.weightsManifest as tf.io.WeightsManifestConfig | undefined;
  if (!modelJson.modelTopology || !Array.isArray(manifest)) {
    throw new Error(`${path.join(dir, MODEL_JSON)} is not a TensorFlow.js layers model (no modelTopology/weightsManifest).`);
  }
  const specs = manifest.flatMap((group) => group.weights);
  const buffers = manifest.flatMap((group) => group.paths).map((p) => {
    const file = path.join(dir, p);
    if (!fs.existsSync(file)) throw new Error(`Missing weights file ${file}: the model folder is incomplete.`);
    return fs.readFileSync(file);
  });
  const weights = Buffer.concat(buffers);
  // Quantized weights (hwr export --format web) are stored in their quantized dtype.
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * bytesPerElement(w.quantization?.dtype ?? w.dtype), 0);
  if (weights.length !== expected) {
    throw new Error(`Weights in ${dir} are ${weights.length} bytes but model.json describes ${expected}: ` +
      `the file is truncated or from another model. Re-train or restore it.`);
  }
  const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length);
  const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData: data }));
  const outShape = model.outputs[0].shape; // [batch, classes], or a line model's [batch, T, classes]
  const outputs = outShape[outShape.length - 1] as number;
  // A line model (task 'lines') emits its charset plus the CTC blank at every time step.
  const list = metadata.task === 'lines' ? metadata.charset : metadata.classes;
  const listed = Array.isArray(list) ? list.length + (metadata.task === 'lines' ? 1 : 0) : undefined;
  if (listed !== outputs) {
    model.dispose();
    throw new Error(`Model in ${dir} has ${outputs} outputs but metadata.json lists ` +
      `${listed ?? 'no'} ${metadata.task === 'lines' ? 'characters + blank' : 'classes'}: the files do not belong together.`);
  }
  return { model, metadata };
}

function bytesPerElement(dtype: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool' || dtype === 'uint8') return 1;
  if (dtype === 'float16' || dtype === 'uint16') return 2;
  throw new Error(`Unsupported weight dtype '${dtype}' in model.json.`);
}

/**
 * Web export: a TensorFlow.js layers model folder (model.json + weights.bin + metadata.json) whose
 * weights may be stored as uint8 or float16 with the standard `weightsManifest` quantization entries
 * that tensorflowjs_converter writes ({ dtype: 'uint8', min, scale } / { dtype: 'float16' }), so
 * stock `tf.loadLayersModel` dequantizes them on load. The topology is the model's own, unchanged.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeDirAtomically } from '../io/atomic_dir';
import { ModelMetadata } from '../io/saved_model';
import { toFloat16Array } from './float16';
import { quantizeUint8, uint8Params } from './quantize';

export type WebQuantization = 'none' | 'float16' | 'uint8';
export const WEB_QUANTIZATIONS: readonly WebQuantization[] = ['none', 'float16', 'uint8'];

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const METADATA_JSON = 'metadata.json';

/** Weight specs and bytes as they go into model.json / weights.bin. */
export interface WebWeights {
  specs: tf.io.WeightsManifestEntry[];
  data: Uint8Array;
}

/**
 * Re-encodes float32 weights (tfjs layout: specs in order, data concatenated) as uint8 or float16
 * with a manifest `quantization` entry per weight; other dtypes (int32) stay as they are.
 */
export function quantizeWebWeights(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer, quantize: WebQuantization): WebWeights {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    if (spec.quantization) throw new Error(`Weight ${spec.name} is already quantized (${spec.quantization.dtype}): export from the float32 model.`);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 : spec.dtype === 'bool' ? 1 : NaN;
    if (!Number.isFinite(bytes)) throw new Error(`Weight ${spec.name} has dtype ${spec.dtype}, which the web export does not handle.`);
    const raw = new Uint8Array(data, offset, n * bytes);
    offset += n * bytes;
    if (quantize === 'none' || spec.dtype !== 'float32') {
      parts.push(raw.slice());
      out.push({ ...spec });
      continue;
    }
    const values = new Float32Array(raw.slice().buffer);
    if (quantize === 'float16') {
      parts.push(new Uint8Array(toFloat16Array(values).buffer));
      out.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      const p = uint8Params(values);
      parts.push(quantizeUint8(values, p));
      out.push({ ...spec, quantization: { dtype: 'uint8', min: p.min, scale: p.scale } });
    }
  }
  if (offset !== data.byteLength) throw new Error(`Weight data is ${data.byteLength} bytes but the specs describe ${offset}.`);
  const total = parts.reduce((s, p) => s + p.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return { specs: out, data: joined };
}

/** The model's topology and float32 weights, as `model.save` produces them (no files touched). */
export async function modelArtifacts(model: tfl.LayersModel): Promise<{ topology: object; specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!artifacts?.modelTopology) throw new Error(`Saving model ${model.name}: TensorFlow.js produced no artifacts.`);
  const data = artifacts.weightData === undefined ? new ArrayBuffer(0) : new tf.io.CompositeArrayBuffer(artifacts.weightData).slice();
  return { topology: artifacts.modelTopology as object, specs: artifacts.weightSpecs ?? [], data };
}

/** What `exportWeb` wrote. */
export interface WebExportResult {
  dir: string;
  /** Bytes of each file written, by file name. */
  files: Record<string, number>;
  totalBytes: number;
}

/** Export settings recorded in the exported metadata.json under `export`. */
export interface WebExportSettings {
  format: 'web';
  quantize: WebQuantization;
  source?: string;
  command?: string;
  createdAt?: string;
  [extra: string]: unknown;
}

/**
 * Writes the web export folder atomically (a temporary sibling renamed into place): model.json with
 * the quantized manifest, weights.bin, and the source metadata plus the export settings.
 */
export async function exportWeb(model: tfl.LayersModel, metadata: ModelMetadata, dir: string, settings: WebExportSettings): Promise<WebExportResult> {
  const { topology, specs, data } = await modelArtifacts(model);
  const weights = quantizeWebWeights(specs, data, settings.quantize);
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
    convertedBy: `handwriting-tfjs hwr export (${settings.quantize === 'none' ? 'float32' : settings.quantize} weights)`,
    modelTopology: topology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: weights.specs }],
  });
  const meta = JSON.stringify({ ...metadata, export: { createdAt: new Date().toISOString(), ...settings } }, null, 2) + '\n';
  writeDirAtomically(dir, (tmp) => {
    fs.writeFileSync(path.join(tmp, WEIGHTS_BIN), weights.data);
    fs.writeFileSync(path.join(tmp, MODEL_JSON), modelJson);
    fs.writeFileSync(path.join(tmp, METADATA_JSON), meta);
  });
  const files = Object.fromEntries([MODEL_JSON, WEIGHTS_BIN, METADATA_JSON].map((f) => [f, fs.statSync(path.join(dir, f)).size]));
  return { dir, files, totalBytes: files[MODEL_JSON] + files[WEIGHTS_BIN] };
}

/**
 * Loads a web export folder with stock TensorFlow.js (tf.loadLayersModel over the folder's files,
 * which dequantizes the manifest's uint8/float16 weights), as a browser would.
 */
export async function loadWebExport(dir: string): Promise<tfl.LayersModel> {
  const file = path.join(dir, MODEL_JSON);
  if (!fs.existsSync(file)) throw new Error(`${file} not found: pass a folder written by 'hwr export --format web'.`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
  const specs = manifest.flatMap((g) => g.weights);
  const buffers = manifest.flatMap((g) => g.paths).map((p) => fs.readFileSync(path.join(dir, p)));
  const joined = Buffer.concat(buffers);
  const data = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.length);
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data }));
}

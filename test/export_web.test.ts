/** Web export: quantized weightsManifest folders that stock tf.loadLayersModel loads. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { baselineCnn, cnn } from '../src/models/cnn';
import { loadModel, ModelMetadata } from '../src/io/saved_model';
import { exportWeb, fromFloat16Array, toFloat16Array, WebQuantization } from '../src/export';

const classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const meta: ModelMetadata = { family: 'baseline', dataset: 'mnist', classes, imageSize: 28, testAccuracy: 0.5 };

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-web-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Stock TensorFlow.js loading of the folder's files: tf.io.fromMemory + tf.loadLayersModel, nothing of ours. */
async function stockLoad(folder: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(fs.readFileSync(path.join(folder, 'model.json'), 'utf8'));
  const group = json.weightsManifest[0];
  const bin = fs.readFileSync(path.join(folder, group.paths[0]));
  return tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: group.weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
  }));
}

const params = (m: tfl.LayersModel) => m.getWeights().reduce((s, w) => s + w.size, 0);

describe.each(['none', 'float16', 'uint8'] as WebQuantization[])('web export, quantize %s', (quantize) => {
  test('stock tfjs loads it; weights decode to the definitional values; sizes and metadata recorded', async () => {
    const model = cnn({ numClasses: 10, seed: 4, blocks: [[8], [16]], denseUnits: 16 });
    const out = path.join(dir, 'web');
    const r = await exportWeb(model, meta, out, { format: 'web', quantize, source: 'saved_models/x' });
    expect(fs.readdirSync(out).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
    expect(fs.readdirSync(dir)).toEqual(['web']); // no temporary folder left

    const n = params(model);
    const bytesPer = { none: 4, float16: 2, uint8: 1 }[quantize];
    expect(r.files['weights.bin']).toBe(n * bytesPer);

    const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    for (const spec of json.weightsManifest[0].weights) {
      expect(spec.dtype).toBe('float32'); // the dtype the weight has after dequantization
      if (quantize === 'none') expect(spec.quantization).toBeUndefined();
      if (quantize === 'float16') expect(spec.quantization).toEqual({ dtype: 'float16' });
      if (quantize === 'uint8') {
        expect(spec.quantization.dtype).toBe('uint8');
        expect(typeof spec.quantization.min).toBe('number');
        expect(spec.quantization.scale).toBeGreaterThan(0);
      }
    }

    const loaded = await stockLoad(out);
    const specs = json.weightsManifest[0].weights;
    model.getWeights().forEach((w, i) => {
      const orig = w.dataSync() as Float32Array;
      const got = loaded.getWeights()[i].dataSync() as Float32Array;
      if (quantize === 'none') expect(Array.from(got)).toEqual(Array.from(orig));
      if (quantize === 'float16') expect(Array.from(got)).toEqual(Array.from(fromFloat16Array(toFloat16Array(orig))));
      if (quantize === 'uint8') {
        const { min, scale } = specs[i].quantization;
        for (let j = 0; j < orig.length; j++) {
          // Within half a step of the original, and exactly on tfjs's grid q * scale + min.
          expect(Math.abs(got[j] - orig[j])).toBeLessThanOrEqual(scale / 2 + 1e-6);
          const q = Math.round((got[j] - min) / scale);
          expect(q).toBeGreaterThanOrEqual(0);
          expect(q).toBeLessThanOrEqual(255);
        }
        // Zero (e.g. an untrained bias) is exact when the range contains it.
        if (orig.every((v) => v === 0)) expect(Array.from(got).every((v) => v === 0)).toBe(true);
      }
    });

    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 2);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.predict(x) as tf.Tensor).dataSync();
    const d = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
    if (quantize === 'none') expect(d).toBe(0);
    else expect(d).toBeLessThan(0.05);

    const written = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8'));
    expect(written.classes).toEqual(classes);
    expect(written.testAccuracy).toBe(0.5);
    expect(written.export).toMatchObject({ format: 'web', quantize, source: 'saved_models/x' });
  });
});

test('uint8 keeps exact zeros of a weight whose range spans zero (the nudged minimum)', async () => {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, kernelInitializer: 'zeros', biasInitializer: 'zeros' })] });
  model.layers[0].setWeights([tf.tensor2d([-1, 0.5, 0, 0, 0.3, 2], [3, 2]), tf.tensor1d([0, 0.7])]);
  await exportWeb(model, meta, dir, { format: 'web', quantize: 'uint8' });
  const loaded = await stockLoad(dir);
  const k = loaded.getWeights()[0].dataSync();
  expect(k[2]).toBe(0);
  expect(k[3]).toBe(0);
  expect(Math.abs(k[0] - -1)).toBeLessThan(3 / 255 / 2 + 1e-7);
});

test('exporting over an existing folder replaces it whole; a failing export leaves the old one', async () => {
  const model = baselineCnn({ numClasses: 10 });
  await exportWeb(model, meta, dir, { format: 'web', quantize: 'none' });
  const before = fs.statSync(path.join(dir, 'weights.bin')).size;
  await exportWeb(model, meta, dir, { format: 'web', quantize: 'uint8' });
  expect(fs.statSync(path.join(dir, 'weights.bin')).size).toBe(before / 4);

  const blocker = path.join(dir, 'file');
  fs.writeFileSync(blocker, 'x');
  await expect(exportWeb(model, meta, path.join(blocker, 'web'), { format: 'web', quantize: 'none' })).rejects.toThrow(/not-a-directory|ENOTDIR|EEXIST/i);
  expect(fs.readdirSync(dir).sort()).toEqual(['file', 'metadata.json', 'model.json', 'weights.bin']);
});

test('the project\'s own loadModel (hwr predict/evaluate/serve) reads a quantized export too', async () => {
  const model = baselineCnn({ numClasses: 10, seed: 8 });
  await exportWeb(model, meta, dir, { format: 'web', quantize: 'uint8' });
  const { model: loaded, metadata } = await loadModel(dir);
  expect(metadata.classes).toEqual(classes);
  expect((metadata.export as { quantize: string }).quantize).toBe('uint8');
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 4);
  const a = (model.predict(x) as tf.Tensor).dataSync();
  const b = (loaded.predict(x) as tf.Tensor).dataSync();
  expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])))).toBeLessThan(0.05);
});

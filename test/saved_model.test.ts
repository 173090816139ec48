import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { baselineCnn, summarizeModel } from '../src/models/cnn';
import { loadModel, saveModel, ModelMetadata } from '../src/io/saved_model';
import { evaluate } from '../src/eval/evaluate';
import { Dataset } from '../src/data/dataset';

const classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const meta: ModelMetadata = { family: 'baseline', dataset: 'test', classes, imageSize: 28 };

function tinyDataset(n: number): Dataset {
  const images = new Uint8Array(n * 784);
  for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) % 251;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  return { name: 'tiny', split: 'test', images, labels, count: n, height: 28, width: 28, classes };
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-model-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('baseline model', () => {
  test('has the parameter count of conv32-pool-conv64-pool-dense128-dense10', () => {
    // conv 3*3*1*32+32, conv 3*3*32*64+64, dense 5*5*64*128+128, dense 128*10+10
    expect(summarizeModel(baselineCnn({ numClasses: 10 })).totalParams).toBe(320 + 18496 + 204928 + 1290);
  });

  test('the same seed builds the same weights, another seed different ones', () => {
    const w = (seed: number) => baselineCnn({ numClasses: 10, seed }).getWeights()[0].dataSync();
    expect(Array.from(w(1))).toEqual(Array.from(w(1)));
    expect(Array.from(w(1))).not.toEqual(Array.from(w(2)));
  });
});

describe('saveModel / loadModel', () => {
  test('save -> load gives identical predictions and keeps metadata', async () => {
    const model = baselineCnn({ numClasses: 10, seed: 3 });
    const ds = tinyDataset(12);
    const before = evaluate(model, ds);
    await saveModel(model, path.join(dir, 'm'), { ...meta, testAccuracy: before.accuracy });
    const { model: loaded, metadata } = await loadModel(path.join(dir, 'm'));
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 7);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    expect(evaluate(loaded, ds).accuracy).toBe(before.accuracy);
    expect(metadata.classes).toEqual(classes);
    expect(metadata.testAccuracy).toBe(before.accuracy);
  });

  test('saving over an existing model replaces it and leaves no temporary folders', async () => {
    const target = path.join(dir, 'm');
    await saveModel(baselineCnn({ numClasses: 10, seed: 1 }), target, meta);
    await saveModel(baselineCnn({ numClasses: 10, seed: 2 }), target, { ...meta, seed: 2 });
    expect(fs.readdirSync(dir)).toEqual(['m']);
    expect((await loadModel(target)).metadata.seed).toBe(2);
  });

  test('a save that fails half-way keeps the old model and cleans up', async () => {
    const target = path.join(dir, 'm');
    await saveModel(baselineCnn({ numClasses: 10, seed: 1 }), target, meta);
    const bad = { ...meta, bad: BigInt(1) } as unknown as ModelMetadata; // JSON.stringify throws on BigInt
    await expect(saveModel(baselineCnn({ numClasses: 10, seed: 2 }), target, bad)).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual(['m']);
    expect((await loadModel(target)).metadata.seed).toBeUndefined();
  });

  test('missing, truncated and mismatched models give clear errors', async () => {
    await expect(loadModel(path.join(dir, 'nope'))).rejects.toThrow(/nope not found/);
    const target = path.join(dir, 'm');
    await saveModel(baselineCnn({ numClasses: 10 }), target, meta);
    const weights = path.join(target, 'weights.bin');
    const full = fs.readFileSync(weights);
    fs.writeFileSync(weights, full.subarray(0, full.length - 100));
    await expect(loadModel(target)).rejects.toThrow(/truncated/);
    fs.writeFileSync(weights, full);
    fs.writeFileSync(path.join(target, 'metadata.json'), JSON.stringify({ ...meta, classes: ['a', 'b'] }));
    await expect(loadModel(target)).rejects.toThrow(/10 outputs but metadata.json lists 2 classes/);
    fs.writeFileSync(path.join(target, 'model.json'), '{"modelTopology": ');
    await expect(loadModel(target)).rejects.toThrow(/Corrupt model file/);
  });
});

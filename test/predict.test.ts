import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { preprocessFile, toModelInput } from '../src/image';
import { Prediction, PredictionOk, expandImagePaths, predictFiles, savePredictionGrid, topClasses } from '../src/read/characters';

const SAMPLES_DIR = path.join(__dirname, '..', 'data', 'samples');
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** A tiny untrained classifier with fixed weights: enough to check plumbing, not accuracy. */
function tinyModel(activation: 'softmax' | 'linear' = 'softmax', units = 10): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [28, 28, 1] }),
      tfl.layers.dense({ units, activation, kernelInitializer: tfl.initializers.randomNormal({ seed: 7, stddev: 0.3 }) }),
    ],
  });
  return model;
}

let dir: string;
let model: tfl.LayersModel;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = tinyModel();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'predict-'));
  await fs.writeFile(path.join(dir, 'broken.png'), 'not a png');
});
afterAll(async () => {
  model.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

function oks(preds: Prediction[]): PredictionOk[] {
  return preds.filter((p): p is PredictionOk => p.ok);
}

describe('predictFiles', () => {
  let preds: Prediction[];
  let sampleFiles: string[];
  beforeAll(async () => {
    sampleFiles = (await fs.readdir(SAMPLES_DIR)).filter((f) => /\.(png|jpe?g|webp)$/i.test(f)).sort().map((f) => path.join(SAMPLES_DIR, f)); // not words/
    const before = tf.memory().numTensors;
    preds = await predictFiles(model, DIGITS, [SAMPLES_DIR, path.join(dir, 'broken.png'), path.join(dir, 'missing.jpg')]);
    expect(tf.memory().numTensors).toBe(before); // nothing leaked
  });

  test('a directory expands to its image files, sorted, followed by the other paths in order', () => {
    expect(preds.map((p) => p.file)).toEqual([...sampleFiles, path.join(dir, 'broken.png'), path.join(dir, 'missing.jpg')]);
  });

  test('each readable file gets a 28x28 input, a label and a sorted top 3', () => {
    const good = oks(preds);
    expect(good).toHaveLength(sampleFiles.length);
    for (const p of good) {
      expect(p.input).toBeInstanceOf(Float32Array);
      expect(p.input).toHaveLength(28 * 28);
      expect(p.top3).toHaveLength(3);
      expect(p.top3[0].p).toBeGreaterThanOrEqual(p.top3[1].p);
      expect(p.top3[1].p).toBeGreaterThanOrEqual(p.top3[2].p);
      expect(p.label).toBe(p.top3[0].label);
      expect(p.confidence).toBe(p.top3[0].p);
      expect(DIGITS).toContain(p.label);
      expect(p.expected).toMatch(/^[0-9A-Za-z]$/); // sample names carry their true label
    }
  });

  test('the probabilities are what the model gives for the preprocessed input', async () => {
    const p = oks(preds)[3];
    const pre = await preprocessFile(p.file);
    expect(Array.from(p.input)).toEqual(Array.from(pre.pixels));
    const probs = tf.tidy(() => (model.predict(toModelInput([pre])) as tf.Tensor).dataSync());
    expect(p.confidence).toBeCloseTo(Math.max(...probs), 6);
  });

  test('unreadable files are reported per file without stopping the others', () => {
    const failed = preds.filter((p) => !p.ok);
    expect(failed.map((p) => p.file)).toEqual([path.join(dir, 'broken.png'), path.join(dir, 'missing.jpg')]);
    expect(failed[0].error).toContain(`${path.join(dir, 'broken.png')}: not a readable image`);
    expect(failed[1].error).toContain('no such file');
  });

  test('the grid shows every input with its caption', async () => {
    const out = savePredictionGrid(preds, path.join(dir, 'grid.png'), { title: 'samples' });
    expect(out).toBe(path.join(dir, 'grid.png'));
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(6 * 28 * 4); // 6 columns of 4x-scaled 28 px cells
  });
});

describe('model and class checks', () => {
  test('raw scores are turned into probabilities', async () => {
    const linear = tinyModel('linear');
    const [p] = oks(await predictFiles(linear, DIGITS, [path.join(SAMPLES_DIR, 'digit-1-canvas.png')]));
    const [raw, soft] = tf.tidy(() => {
      const scores = linear.predict(toModelInput([p.input])) as tf.Tensor;
      return [scores.dataSync(), tf.softmax(scores).dataSync()];
    });
    linear.dispose();
    expect(Math.min(...raw)).toBeLessThan(0); // these scores are not probabilities ...
    expect(p.confidence).toBeCloseTo(Math.max(...soft), 6); // ... so they were softmaxed
  });

  test('a class list that does not match the model output is an error', async () => {
    await expect(predictFiles(model, ['a', 'b'], [path.join(SAMPLES_DIR, 'digit-1-canvas.png')])).rejects.toThrow(/outputs shape \[1,10\] but 2 classes/);
  });

  test('topClasses sorts by probability and expandImagePaths skips non-images in a directory', async () => {
    expect(topClasses([0.1, 0.6, 0.3], ['a', 'b', 'c'], 2)).toEqual([{ label: 'b', p: 0.6 }, { label: 'c', p: 0.3 }]);
    const sub = path.join(dir, 'sub');
    await fs.mkdir(sub);
    await fs.writeFile(path.join(sub, 'b.JPG'), '');
    await fs.writeFile(path.join(sub, 'a.png'), '');
    await fs.writeFile(path.join(sub, 'readme.txt'), '');
    expect(await expandImagePaths([sub])).toEqual([path.join(sub, 'a.png'), path.join(sub, 'b.JPG')]);
  });
});

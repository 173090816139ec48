/**
 * The crnn line model: shapes (width / 4 time steps, charset + blank), standard layers only (a
 * worker rebuilds it from JSON), the summary, an overfit of 16 lines to CER 0 through `train` on
 * wasm, reading lines back, and clear errors for model folders that are not line models.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import { CRNN_HEADS, crnn, timeDownsample } from '../src/models/crnn';
import { buildModel, formatSummary, MODEL_FAMILIES } from '../src/models/cnn';
import { linesTask } from '../src/lines/task';
import { LineModelMetadata, isLineModel, loadLineModel, readLineBatch } from '../src/lines/read';
import { characterErrorRate } from '../src/eval/text_metrics';
import { saveModel } from '../src/io/saved_model';
import { train } from '../src/train/train';
import { glyphLines } from './lines_task_fixtures';

beforeAll(async () => {
  expect((await initBackend({ backend: 'wasm' })).name).toBe('wasm');
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crnn-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const lineMeta = (charset: string[], over: Partial<LineModelMetadata> = {}): LineModelMetadata => ({
  family: 'crnn', task: 'lines', dataset: 'glyphs-lines', classes: charset, charset, blank: charset.length,
  height: 28, imageSize: 28, downsample: 4, ...over,
});

describe.each(CRNN_HEADS)('crnn with a %s head', (head) => {
  test('maps [n, 28, W, 1] to logits [n, W / 4, classes], rebuilt from JSON to the same outputs', async () => {
    const model = crnn({ numClasses: 7, head, blocks: [[4], [8]], features: 8, headUnits: 8, headLayers: 1, seed: 3 });
    expect(timeDownsample(model)).toBe(4);
    // What a data-parallel worker does: the topology as JSON, then the weights.
    const copy = await tfl.models.modelFromJSON(JSON.parse(JSON.stringify(model.toJSON(null, false))));
    copy.setWeights(model.getWeights());
    for (const W of [32, 96]) {
      const x = tf.randomUniform([2, 28, W, 1], 0, 1, 'float32', 1);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, W / 4, 7]);
      expect(Array.from((copy.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(y.dataSync()));
    }
  });
});

test("buildModel knows 'crnn'; the summary shows the width as time and the time steps", () => {
  expect(MODEL_FAMILIES).toContain('crnn');
  const model = buildModel('crnn', { numClasses: 49, imageSize: 28, seed: 1 });
  expect(model.outputs[0].shape).toEqual([null, null, 49]);
  const text = formatSummary(model);
  expect(text).toMatch(/\[batch,28,W,32\]/);
  expect(text).toMatch(/\[batch,7,W\/4,64\]/);
  expect(text).toMatch(/\[batch,T,49\]/);
  expect(text).toMatch(/time steps: input width \/ 4 \(a 256-px line gives 64 frames\)/);
  expect(formatSummary(buildModel('cnn', { numClasses: 10 }))).not.toMatch(/time steps/);
  expect(() => crnn({ numClasses: 1 })).toThrow(/charset size \+ 1/);
});

test('a small crnn learns 16 lines to CER 0 through train on wasm', async () => {
  const lines = glyphLines('train');
  const task = linesTask({ train: lines, linesPerEpoch: 16, freshLines: false, bucketBatches: 1 });
  const model = crnn({ numClasses: task.charset.length + 1, blocks: [[8], [16]], features: 32, headUnits: 32, headLayers: 1, seed: 1 });
  const result = await train(model, task, { epochs: 150, batchSize: 16, learningRate: 0.01, schedule: 'constant', workers: 1, log: null, earlyStopping: false });
  // Read them back as a user would: the padded batch and each line's ink width.
  const b = task.trainBatch(1, 0, 16);
  const [n, H, W] = b.x.shape;
  const targets = Array.from({ length: 16 }, (_, i) => lines.line(i));
  const byText = new Map(targets.map((l) => [l.text, l]));
  const [labels, lengths] = b.targets;
  const L = labels.shape[1];
  const texts = Array.from(lengths.data, (len, i) => Array.from(labels.data.subarray(i * L, i * L + len), (k) => task.charset[k]).join(''));
  const widths = Int32Array.from(texts, (t) => byText.get(t)!.width);
  const read = readLineBatch(model, lineMeta(task.charset), b.x.data as Uint8Array, n, W, { widths });
  expect(characterErrorRate(read.map((r) => r.text), texts).cer).toBe(0);
  expect(result.history[result.history.length - 1].loss).toBeLessThan(0.5);
  expect(H).toBe(28);
});

test('readLineBatch: uint8 and float input read alike; greedy and beam; clear errors for wrong sizes', () => {
  const charset = ['A', 'B', ' '];
  const model = crnn({ numClasses: 4, blocks: [[4], [8]], features: 8, headUnits: 8, headLayers: 1, seed: 2 });
  const pixels = new Uint8Array(2 * 28 * 32).map((_, i) => (i * 37) % 256);
  const meta = lineMeta(charset);
  const a = readLineBatch(model, meta, pixels, 2, 32);
  const b = readLineBatch(model, meta, Float32Array.from(pixels, (v) => v / 255), 2, 32, { batchSize: 1 });
  expect(b.map((r) => r.text)).toEqual(a.map((r) => r.text));
  b.forEach((r, i) => expect(r.confidence).toBeCloseTo(a[i].confidence, 5));
  const beam = readLineBatch(model, meta, pixels, 2, 32, { decoder: 'beam', beamWidth: 4 });
  // Beam confidence sums alignments of its labelling; the best path is one of them for the same labelling.
  beam.forEach((r, i) => { if (r.text === a[i].text) expect(r.confidence).toBeGreaterThanOrEqual(a[i].confidence * (1 - 1e-5)); });
  expect(() => readLineBatch(model, meta, pixels, 2, 30)).toThrow(/is not n x height x width = 2 x 28 x 30.*height \(28 px\)/);
  expect(() => readLineBatch(model, meta, pixels, 2, 32, { widths: new Int32Array(3) })).toThrow(/3 widths for 2 lines/);
});

test('loadLineModel: a character model folder, or metadata that does not fit, is an error naming the file and what to do', async () => {
  // A character classifier saved the usual way.
  const charDir = path.join(tmp, 'chars');
  const cnn = buildModel('baseline', { numClasses: 10 });
  await saveModel(cnn, charDir, { family: 'baseline', dataset: 'mnist', classes: '0123456789'.split(''), imageSize: 28 });
  await expect(loadLineModel(charDir)).rejects.toThrow(new RegExp(`${charDir}/metadata.json describes a baseline model for mnist, not a line model.*saved_models/lines.*hwr train --dataset lines`));
  expect(isLineModel({ family: 'baseline', dataset: 'mnist', classes: [], imageSize: 28 })).toBe(false);

  // A line model whose metadata puts the blank elsewhere, or lists a different charset.
  const charset = ['A', 'B', ' '];
  const model = crnn({ numClasses: 4, blocks: [[4], [8]], features: 8, headUnits: 8, headLayers: 1 });
  const good = path.join(tmp, 'good');
  await saveModel(model, good, lineMeta(charset));
  const loaded = await loadLineModel(good);
  expect(loaded.metadata.charset).toEqual(charset);
  expect(isLineModel(loaded.metadata)).toBe(true);
  const badBlank = path.join(tmp, 'bad-blank');
  await saveModel(model, badBlank, lineMeta(charset, { blank: 0 }));
  await expect(loadLineModel(badBlank)).rejects.toThrow(/bad-blank\/metadata.json: 'blank' is 0 but must be charset.length = 3/);
  const badCharset = path.join(tmp, 'bad-charset');
  await saveModel(model, badCharset, lineMeta(['A', 'B', 'C', ' '], { blank: 4 }));
  await expect(loadLineModel(badCharset)).rejects.toThrow(/has 4 outputs but metadata.json lists 5 characters \+ blank: the files do not belong together/);
});

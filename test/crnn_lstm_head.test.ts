/**
 * The crnn 'lstm' head is the project's FusedBiLSTM layer (src/kernels/fused_lstm.ts): its shapes and
 * its wasm kernels, the same outputs as tfjs-layers' bidirectional(lstm) with the same weights (the
 * head it replaced), a save/load round trip through io/saved_model, a wasm backend without the
 * project's kernels (the web app's), a few CTC training steps through the engine's replica, and
 * data-parallel workers rebuilding it from its JSON (needs the compiled worker in dist/); the web
 * app's bundle registers the layer without the Node-side wasm module.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import { registerWasmTrainingKernels } from '../src/kernels';
import { LSTM_SEQUENCE } from '../src/kernels/fused_lstm';
import { crnn } from '../src/models/crnn';
import { loadModel, saveModel } from '../src/io/saved_model';
import { loadLineModel } from '../src/lines/read';
import { LineModelMetadata } from '../src/lines/line_model';
import { createReplica } from '../src/engine/replica';
import { createOptimizer } from '../src/engine/optimizer';
import { HostBatch } from '../src/engine/host_batch';
import { linesTask } from '../src/lines/task';
import { train } from '../src/train/train';
import { glyphLines } from './lines_task_fixtures';

const CLASSES = 7; // 6 characters + the blank
const small = (seed = 3, headLayers = 2) =>
  crnn({ numClasses: CLASSES, head: 'lstm', blocks: [[4], [8]], features: 8, headUnits: 8, headLayers, seed });

beforeAll(async () => {
  expect((await initBackend({ backend: 'wasm' })).name).toBe('wasm');
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crnn-lstm-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Seeded pixels in 0..1, [n, 28, W, 1]. */
const lines = (n: number, W: number, seed = 1) => tf.randomUniform([n, 28, W, 1], 0, 1, 'float32', seed);

const values = (t: tf.Tensor | tf.Tensor[]) => Array.from((t as tf.Tensor).dataSync());

function maxRelError(a: number[], b: number[]): number {
  const scale = Math.max(...b.map(Math.abs), 1e-12);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0) / scale;
}

test("crnn({ head: 'lstm' }) holds FusedBiLSTM layers (hard sigmoid, headUnits per direction) run by the wasm kernel; logits [n, W / 4, classes]", async () => {
  const model = small();
  expect(model.layers.map((l) => l.getClassName()).filter((c) => /LSTM|Bidirectional|GRU/.test(c))).toEqual(['FusedBiLSTM', 'FusedBiLSTM']);
  for (const layer of model.layers.filter((l) => l.getClassName() === 'FusedBiLSTM')) {
    expect(layer.outputShape).toEqual([null, null, 16]); // concat of both directions: 2 * headUnits
    expect(layer.getConfig()).toMatchObject({ units: 8, recurrentActivation: 'hardSigmoid' });
  }
  const x = lines(2, 64);
  const profile = await tf.profile(() => { (model.predict(x) as tf.Tensor).dispose(); });
  expect(profile.kernels.filter((k) => k.name === LSTM_SEQUENCE).length).toBe(4); // 2 layers x 2 directions
  const y = model.predict(x) as tf.Tensor;
  expect(y.shape).toEqual([2, 16, CLASSES]);
  expect(values(y).every(Number.isFinite)).toBe(true);
  tf.dispose([x, y]);
});

test("the head computes what the old one did: tfjs-layers' bidirectional(lstm) (hard sigmoid, concat) with the same weights", () => {
  const model = small(5);
  // The same conv layers (shared), each FusedBiLSTM replaced by tfjs-layers' BiLSTM given its weights.
  const input = tfl.input({ shape: [28, null, 1] });
  let y = input as tfl.SymbolicTensor;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'FusedBiLSTM') {
      y = layer.apply(y) as tfl.SymbolicTensor;
      continue;
    }
    const old = tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: 8, returnSequences: true }) as tfl.RNN, mergeMode: 'concat' });
    y = old.apply(y) as tfl.SymbolicTensor;
    old.setWeights(layer.getWeights()); // forward kernel, recurrent kernel, bias, then backward's
  }
  const reference = tfl.model({ inputs: input, outputs: y });
  const x = lines(2, 48, 2);
  expect(maxRelError(values(model.predict(x) as tf.Tensor), values(reference.predict(x) as tf.Tensor))).toBeLessThan(1e-4);
  x.dispose();
});

test('saved and loaded (io/saved_model, loadLineModel): the same layers and identical logits', async () => {
  const model = small(7);
  const charset = ['A', 'B', 'C', 'D', 'E', ' '];
  const meta: LineModelMetadata = {
    family: 'crnn', task: 'lines', dataset: 'test-lines', classes: charset, charset, blank: charset.length,
    height: 28, imageSize: 28, downsample: 4, crnn: { head: 'lstm' },
  } as LineModelMetadata;
  const dir = path.join(tmp, 'lstm-model');
  await saveModel(model, dir, meta);
  expect(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).toMatch(/"class_name":"FusedBiLSTM"/);
  const x = lines(3, 40, 3);
  const before = values(model.predict(x) as tf.Tensor);
  for (const loaded of [(await loadModel(dir)).model, (await loadLineModel(dir)).model]) {
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect(values(loaded.predict(x) as tf.Tensor)).toEqual(before);
    loaded.dispose();
  }
  x.dispose();
});

test("on a wasm backend without the project's kernels (the web app's) the layer runs its tfjs-ops path to the same logits", () => {
  const model = small(9, 1);
  const x = lines(2, 32, 4);
  const fused = values(model.predict(x) as tf.Tensor);
  tf.unregisterKernel(LSTM_SEQUENCE, 'wasm');
  try {
    expect(tf.getKernel(LSTM_SEQUENCE, 'wasm')).toBeUndefined();
    expect(maxRelError(values(model.predict(x) as tf.Tensor), fused)).toBeLessThan(1e-4);
  } finally {
    registerWasmTrainingKernels();
  }
  expect(tf.getKernel(LSTM_SEQUENCE, 'wasm')).toBeDefined();
  x.dispose();
});

/** A seeded CTC batch: n lines [28, W] of random pixels, `L`-character targets, W / 4 frames each. */
function ctcBatch(n: number, W: number, L: number, seed: number): HostBatch {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const x = Uint8Array.from({ length: n * 28 * W }, () => (next() < 0.2 ? 220 : 0));
  const labels = Int32Array.from({ length: n * L }, () => Math.floor(next() * (CLASSES - 1)));
  return {
    x: { data: x, shape: [n, 28, W, 1] },
    targets: [{ data: labels, shape: [n, L] }, { data: new Int32Array(n).fill(L), shape: [n] }, { data: new Int32Array(n).fill(W / 4), shape: [n] }],
    transforms: null,
  };
}

test('CTC training through the replica: finite, non-zero gradients for both recurrent kernels, and the loss falls', () => {
  const model = small(11, 1);
  const replica = createReplica(model, createOptimizer(1e-2), { kind: 'ctc', blank: CLASSES - 1 });
  const batch = ctcBatch(4, 64, 5, 1);
  const { loss: first, grads } = replica.gradients(batch);
  expect(Number.isFinite(first) && first > 0).toBe(true);
  expect(grads.every(Number.isFinite)).toBe(true);
  // The flattened gradient follows model.trainableWeights: find each recurrent kernel's slice.
  let offset = 0;
  const recurrent: Record<string, number> = {};
  for (const w of model.trainableWeights) {
    const size = w.shape.reduce((a, b) => a * (b as number), 1);
    if (/recurrent_kernel/.test(w.name)) recurrent[w.name.split('/').pop()!] = grads.subarray(offset, offset + size).reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    offset += size;
  }
  expect(offset).toBe(grads.length);
  expect(Object.keys(recurrent).sort()).toEqual(['backward_recurrent_kernel', 'forward_recurrent_kernel']);
  for (const g of Object.values(recurrent)) expect(g).toBeGreaterThan(0);
  const losses = Array.from({ length: 8 }, () => replica.step(batch, 1e-2).loss);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[losses.length - 1]).toBeLessThan(first);
});

test('2 worker threads rebuild the lstm-head crnn from its JSON and train it like 1 worker', async () => {
  const trainLines = glyphLines('train');
  const task = () => linesTask({ train: trainLines, linesPerEpoch: 32, freshLines: false, bucketBatches: 1 });
  const model = () => crnn({ numClasses: trainLines.charset.length + 1, head: 'lstm', blocks: [[4], [8]], features: 8, headUnits: 8, headLayers: 1, seed: 13 });
  const opts = { epochs: 1, batchSize: 16, learningRate: 0.01, log: null, earlyStopping: false as const, restoreBest: false, monitor: 'loss' as const };
  const one = await train(model(), task(), { ...opts, workers: 1 });
  const two = await train(model(), task(), { ...opts, workers: 2 });
  expect(two.workers).toBe(2);
  const [a, b] = [one.history[0].loss, two.history[0].loss];
  expect(Number.isFinite(a) && a > 0).toBe(true);
  expect(Math.abs(b - a) / a).toBeLessThan(1e-4);
});

test("the web app's bundle registers the layer (kernels/fused_lstm.ts) and leaves the Node-side wasm module out", async () => {
  // esbuild as `npm run build:web` runs it (src/web/build.ts), without writing anything.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const esbuild = require('esbuild') as typeof import('esbuild');
  const root = path.join(__dirname, '..');
  const r = await esbuild.build({
    entryPoints: [path.join(root, 'web', 'src', 'main.ts')], bundle: true, platform: 'browser', format: 'iife',
    write: false, metafile: true, logLevel: 'silent', define: { 'process.env.NODE_ENV': '"production"' },
  });
  const ours = Object.keys(r.metafile!.inputs).map((f) => path.relative(root, path.resolve(f))).filter((f) => f.startsWith('src/kernels/'));
  expect(ours).toEqual(['src/kernels/fused_lstm.ts']);
});

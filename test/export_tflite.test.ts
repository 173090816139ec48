/**
 * TFLite export checked by a real TFLite interpreter (LiteRT, @litertjs/core, in a child process):
 * small random-weight models per op, compared with TensorFlow.js on the same inputs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '../src/runtime/tf'; // chained ops, which tfjs-layers' LSTM initializer needs
import { baselineCnn, cnn } from '../src/models/cnn';
import {
  exportTflite, fromFloat16Array, lowerModel, runInferenceGraph, tfliteBytes, toFloat16Array, UnsupportedLayerError,
  InferenceGraph,
} from '../src/export';
import { asymmetricInt8 } from '../src/export/quantize';
import { calibrateGraph } from '../src/export/tflite';
import { LiteRtInterpreter } from '../src/export/tflite/litert_client';

let interp: LiteRtInterpreter;
beforeAll(async () => {
  await tf.setBackend('cpu');
  interp = await LiteRtInterpreter.start();
});
afterAll(async () => {
  await interp?.close();
});

const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });
const randomBias = (seed: number) => tfl.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed });

/** Random inputs in [0, 1) like images, [n, ...shape]. */
function inputs(shape: number[], n: number, seed = 7): tf.Tensor4D {
  return tf.randomUniform([n, ...shape], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** Gives every batch-norm layer non-trivial statistics, so folding is really exercised. */
function randomizeBatchNorm(model: tfl.LayersModel, seed = 3): void {
  model.layers.filter((l) => l.getClassName() === 'BatchNormalization').forEach((l, k) => {
    const c = l.getWeights()[0].shape[0];
    const u = (lo: number, hi: number, s: number) => tf.randomUniform([c], lo, hi, 'float32', seed * 100 + k * 10 + s);
    // [gamma, beta, moving mean, moving variance]
    l.setWeights([u(0.5, 1.5, 1), u(-0.5, 0.5, 2), u(-0.3, 0.3, 3), u(0.2, 2, 4)]);
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Interpreter output for `x` on the model exported with `quantize`. */
async function runTflite(model: tfl.LayersModel, x: tf.Tensor4D, quantize: 'none' | 'float16' | 'int8' = 'none', calibration?: tf.Tensor4D) {
  const bytes = tfliteBytes(model, { quantize, calibration });
  const r = await interp.run(bytes, x.dataSync() as Float32Array, x.shape[0]);
  expect(r.inputShape).toEqual([1, ...x.shape.slice(1)]);
  return { out: r.output, outputShape: r.outputShape, size: bytes.length };
}

function predict(model: tfl.LayersModel, x: tf.Tensor4D): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

/** Small models covering one op variant each; all end in linear logits. */
const PER_OP: { name: string; inputShape: number[]; build: (input: number[]) => tfl.LayersModel }[] = [
  {
    name: 'conv valid, no activation (nothing fused), non-square multi-channel flatten + dense',
    inputShape: [9, 11, 2],
    build: (inputShape) => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape, filters: 4, kernelSize: 3, padding: 'valid', kernelInitializer: glorot(1), biasInitializer: randomBias(2) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 5, kernelInitializer: glorot(3), biasInitializer: randomBias(4) }),
    ] }),
  },
  {
    name: 'conv same, stride 2, rectangular kernel, relu fused from the layer\'s activation',
    inputShape: [10, 9, 3],
    build: (inputShape) => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape, filters: 6, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu', kernelInitializer: glorot(5), biasInitializer: randomBias(6) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4, kernelInitializer: glorot(7), biasInitializer: randomBias(8) }),
    ] }),
  },
  {
    name: 'conv same with dilation 2, relu from an Activation layer (fused), max pool 2',
    inputShape: [12, 12, 1],
    build: (inputShape) => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape, filters: 5, kernelSize: 3, dilationRate: 2, padding: 'same', kernelInitializer: glorot(9), biasInitializer: randomBias(10) }),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, activation: 'relu', kernelInitializer: glorot(11), biasInitializer: randomBias(12) }),
      tfl.layers.dense({ units: 3, kernelInitializer: glorot(13), biasInitializer: randomBias(14) }),
    ] }),
  },
  {
    name: 'max pool 3 stride 2 same padding on odd sizes, then a ReLU that cannot be fused',
    inputShape: [7, 9, 2],
    build: (inputShape) => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape, filters: 3, kernelSize: 1, kernelInitializer: glorot(15), biasInitializer: randomBias(16) }),
      tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4, kernelInitializer: glorot(17), biasInitializer: randomBias(18) }),
    ] }),
  },
  {
    name: 'batch norm folded: conv(no bias) -> BN -> relu and dense(no bias) -> BN -> relu, dropout dropped',
    inputShape: [8, 8, 2],
    build: (inputShape) => {
      const m = tfl.sequential({ layers: [
        tfl.layers.conv2d({ inputShape, filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: glorot(19) }),
        tfl.layers.batchNormalization(),
        tfl.layers.activation({ activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 6, useBias: false, kernelInitializer: glorot(20) }),
        tfl.layers.batchNormalization(),
        tfl.layers.activation({ activation: 'relu' }),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.dense({ units: 3, kernelInitializer: glorot(21), biasInitializer: randomBias(22) }),
      ] });
      randomizeBatchNorm(m);
      return m;
    },
  },
];

describe('float32 TFLite vs TensorFlow.js, per op (logits, 1e-4)', () => {
  for (const c of PER_OP) {
    test(c.name, async () => {
      const model = c.build(c.inputShape);
      const x = inputs(c.inputShape, 6);
      const ref = predict(model, x);
      const { out } = await runTflite(model, x);
      expect(maxAbsDiff(out, ref)).toBeLessThan(1e-4);
      // The lowering itself (fusion, folding) keeps the model's maths, checked in tfjs alone.
      const [g] = runInferenceGraph(lowerModel(model), x);
      expect(maxAbsDiff(g.dataSync(), ref)).toBeLessThan(1e-5);
      g.dispose();
    });
  }

  test('a wrong layout would be caught: transposing the dense weights changes the logits by far more than 1e-4', async () => {
    // The comparison above can fail: swap two output units of the tfjs model and it no longer matches.
    const c = PER_OP[0];
    const model = c.build(c.inputShape);
    const x = inputs(c.inputShape, 4);
    const { out } = await runTflite(model, x);
    const dense = model.layers[2];
    const [k, b] = dense.getWeights();
    const perm = [1, 0, 2, 3, 4];
    dense.setWeights([tf.gather(k, perm, 1), tf.gather(b, perm)]);
    expect(maxAbsDiff(out, predict(model, x))).toBeGreaterThan(1e-2);
  });
});

/** Full-size model families (28x28), with softmax: probabilities and, separately, logits. */
async function withoutSoftmax(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  const topology = model.toJSON(null, false) as { config: { layers: { config: { activation?: string } }[] } };
  const layers = topology.config.layers;
  expect(layers[layers.length - 1].config.activation).toBe('softmax');
  layers[layers.length - 1].config.activation = 'linear';
  const logits = await tfl.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelArtifacts['modelTopology'] } as never);
  logits.setWeights(model.getWeights());
  return logits;
}

describe('model families at 28x28 with random weights', () => {
  const families: [string, () => tfl.LayersModel][] = [
    ['baseline', () => baselineCnn({ numClasses: 10, seed: 5 })],
    ['cnn', () => cnn({ numClasses: 47, seed: 6 })],
    ['cnn with batch norm', () => { const m = cnn({ numClasses: 10, seed: 7, batchNorm: true }); randomizeBatchNorm(m); return m; }],
  ];
  for (const [name, build] of families) {
    test(`${name}: float32 logits within 1e-4, softmax probabilities within 1e-6, SOFTMAX output sums to 1`, async () => {
      const model = build();
      const x = inputs([28, 28, 1], 4, 11);
      const logitsModel = await withoutSoftmax(model);
      const logits = await runTflite(logitsModel, x);
      expect(maxAbsDiff(logits.out, predict(logitsModel, x))).toBeLessThan(1e-4);
      const probs = await runTflite(model, x);
      const ref = predict(model, x);
      expect(maxAbsDiff(probs.out, ref)).toBeLessThan(1e-6);
      const classes = probs.outputShape[1];
      for (let i = 0; i < 4; i++) {
        const row = probs.out.slice(i * classes, (i + 1) * classes);
        expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      }
    });
  }
});

/** The graph with every weight and bias rounded through float16: what a float16 file computes. */
function roundedToFloat16(g: InferenceGraph): InferenceGraph {
  const r = (a: Float32Array) => fromFloat16Array(toFloat16Array(a));
  return { ...g, steps: g.steps.map((s) => (s.kind === 'conv2d' || s.kind === 'dense' ? { ...s, kernel: r(s.kernel), bias: r(s.bias) } : s)) };
}

describe('float16 TFLite', () => {
  test('equals float32 maths on float16-rounded weights (1e-4) and stays near the float32 model', async () => {
    const c = PER_OP[4]; // batch norm: rounding must happen after folding, as in the file
    const model = c.build(c.inputShape);
    const x = inputs(c.inputShape, 6);
    const f16 = await runTflite(model, x, 'float16');
    const f32 = await runTflite(model, x, 'none');
    const [ref] = runInferenceGraph(roundedToFloat16(lowerModel(model)), x);
    expect(maxAbsDiff(f16.out, ref.dataSync())).toBeLessThan(1e-4);
    ref.dispose();
    // Relative rounding of 2^-11 per weight over three layers: well under 1% of the logit range.
    const exact = predict(model, x);
    const range = Math.max(...exact) - Math.min(...exact);
    const d = maxAbsDiff(f16.out, exact);
    expect(d).toBeGreaterThan(0); // the weights really are float16
    expect(d).toBeLessThan(0.01 * range);
    expect(f32.out.length).toBe(f16.out.length);
  });

  test('a float16 file of the baseline model is about half the float32 file', () => {
    const model = baselineCnn({ numClasses: 10, seed: 3 });
    const f32 = tfliteBytes(model).length;
    const f16 = tfliteBytes(model, { quantize: 'float16' }).length;
    expect(f16).toBeLessThan(0.52 * f32);
    expect(f16).toBeGreaterThan(0.48 * f32);
  });
});

/**
 * Reference for the int8 file: the same graph in float32 with "fake quantization", i.e. every
 * weight, bias and activation rounded to the grid the file uses (same scales and zero points).
 * The interpreter's integer kernels differ from it only by requantization rounding, at most about
 * one step of a layer's output grid, which later layers carry forward.
 */
function fakeQuantRun(g: InferenceGraph, x: tf.Tensor4D, calib: tf.Tensor4D): { out: Float32Array; outScale: number } {
  const ranges = calibrateGraph(g, calib);
  const fq = (t: tf.Tensor, q: { scale: number; zeroPoint: number }) => tf.tidy(() =>
    tf.mul(tf.sub(tf.clipByValue(tf.add(tf.round(tf.div(t, q.scale)), q.zeroPoint), -128, 127), q.zeroPoint), q.scale));
  let xq = asymmetricInt8(ranges.input.min, ranges.input.max);
  let h: tf.Tensor = fq(x, xq);
  let outScale = xq.scale;
  g.steps.forEach((s, k) => {
    let q = xq;
    if (s.kind === 'conv2d' || s.kind === 'dense') {
      q = asymmetricInt8(ranges.steps[k].min, ranges.steps[k].max);
      const cout = s.bias.length;
      const kernel = Float32Array.from(s.kernel);
      const wScales: number[] = [];
      for (let c = 0; c < cout; c++) {
        let m = 0;
        // conv: per output channel; dense: one scale for the whole matrix (as the writer does)
        for (let i = c; i < kernel.length; i += cout) m = Math.max(m, Math.abs(kernel[i]));
        wScales.push(m / 127 || 1);
      }
      if (s.kind === 'dense') wScales.fill(Math.max(...wScales));
      for (let i = 0; i < kernel.length; i++) kernel[i] = Math.round(kernel[i] / wScales[i % cout]) * wScales[i % cout];
      const bias = s.bias.map((b, c) => Math.round(b / (xq.scale * wScales[c])) * xq.scale * wScales[c]);
      const [y] = runInferenceGraph({ ...g, steps: [{ ...s, kernel, bias }] }, h);
      h.dispose();
      h = fq(y, q);
      y.dispose();
    } else if (s.kind === 'softmax') {
      q = { scale: 1 / 256, zeroPoint: -128 };
      const [y] = runInferenceGraph({ ...g, steps: [s] }, h);
      h.dispose();
      h = fq(y, q);
      y.dispose();
    } else {
      if (s.kind === 'relu') q = asymmetricInt8(ranges.steps[k].min, ranges.steps[k].max);
      const [y] = runInferenceGraph({ ...g, steps: [s] }, h);
      h.dispose();
      h = s.kind === 'relu' ? fq(y, q) : y;
      if (s.kind === 'relu') y.dispose();
    }
    xq = q;
    outScale = q.scale;
  });
  const out = h.dataSync() as Float32Array;
  h.dispose();
  return { out, outScale };
}

describe('int8 TFLite (full integer, calibrated)', () => {
  for (const k of [0, 1, 2, 3, 4]) {
    const c = PER_OP[k];
    test(`${c.name}: within 3 output steps of a fake-quantized float reference`, async () => {
      const model = c.build(c.inputShape);
      const calib = inputs(c.inputShape, 64, 99); // calibration images are never the test inputs
      const x = inputs(c.inputShape, 8, 5);
      const int8 = await runTflite(model, x, 'int8', calib);
      const ref = fakeQuantRun(lowerModel(model), x, calib);
      expect(maxAbsDiff(int8.out, ref.out)).toBeLessThanOrEqual(3 * ref.outScale + 1e-6);
      // And near the float model: a few percent of the logit range.
      const exact = predict(model, x);
      const range = Math.max(...exact) - Math.min(...exact);
      expect(maxAbsDiff(int8.out, exact)).toBeLessThan(0.08 * range);
    });
  }

  test('int8 file is about a quarter of the float32 file and its softmax output sits on the 1/256 grid', async () => {
    const model = baselineCnn({ numClasses: 10, seed: 3 });
    const calib = inputs([28, 28, 1], 32, 1);
    const x = inputs([28, 28, 1], 2, 2);
    const int8 = await runTflite(model, x, 'int8', calib);
    const f32 = tfliteBytes(model).length;
    expect(int8.size).toBeLessThan(0.3 * f32);
    for (const p of int8.out) expect(Math.abs(p * 256 - Math.round(p * 256))).toBeLessThan(1e-3);
  });
});

describe('errors leave nothing behind', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-tflite-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an LSTM layer is refused by class and name, listing what is supported; no file written', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.lstm({ inputShape: [28, 28], units: 8, name: 'line_lstm' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    const out = path.join(dir, 'model.tflite');
    expect(() => exportTflite(model, ['a'], out, { quantize: 'none' })).toThrow(UnsupportedLayerError);
    expect(() => exportTflite(model, ['a'], out, { quantize: 'none' })).toThrow(/LSTM 'line_lstm'.*Supported layers: InputLayer, Conv2D/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('an unsupported activation names the layer and the activation', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: 'tanh', name: 'conv_tanh' }),
    ] });
    expect(() => lowerModel(model)).toThrow(/Conv2D 'conv_tanh'.*activation 'tanh'/);
  });

  test('an unwritable output path is a clear error and leaves no partial file', () => {
    const model = PER_OP[0].build(PER_OP[0].inputShape);
    const blocker = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocker, 'x');
    const out = path.join(blocker, 'model.tflite');
    expect(() => exportTflite(model, ['a', 'b', 'c', 'd', 'e'], out, { quantize: 'none' })).toThrow(/Cannot create folder .*not-a-folder.*output path you can write to/);
    expect(fs.readdirSync(dir)).toEqual(['not-a-folder']);
  });

  test('a labels.txt of another model in the target folder is an error, not overwritten', () => {
    const model = PER_OP[0].build(PER_OP[0].inputShape);
    fs.writeFileSync(path.join(dir, 'labels.txt'), '0\n1\n');
    expect(() => exportTflite(model, ['a', 'b', 'c', 'd', 'e'], path.join(dir, 'm.tflite'), { quantize: 'none' })).toThrow(/labels\.txt already lists other classes.*its own folder/);
    expect(fs.readdirSync(dir)).toEqual(['labels.txt']);
    expect(fs.readFileSync(path.join(dir, 'labels.txt'), 'utf8')).toBe('0\n1\n');
  });

  test('a good export writes the .tflite and labels.txt, one class per line, and no temporary files', () => {
    const model = PER_OP[0].build(PER_OP[0].inputShape);
    const out = path.join(dir, 'sub', 'digits.tflite');
    const r = exportTflite(model, ['a', 'b', 'c', 'd', 'e'], out, { quantize: 'none' });
    expect(fs.readdirSync(path.join(dir, 'sub')).sort()).toEqual(['digits.tflite', 'labels.txt']);
    expect(fs.readFileSync(r.labelsFile, 'utf8')).toBe('a\nb\nc\nd\ne\n');
    const bytes = fs.readFileSync(out);
    expect(bytes.length).toBe(r.bytes);
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('TFL3'); // file identifier after the root offset
  });
});

test('the line model (crnn, LSTM head) is refused with the unsupported-layer error: it names the FusedBiLSTM layer and says to train with --head conv', async () => {
  const { crnn } = await import('../src/models/crnn');
  // Small widths: the orthogonal recurrent initializer is slow on the cpu backend.
  const model = crnn({ numClasses: 12, blocks: [[4], [4]], features: 8, head: 'lstm', headUnits: 4, headLayers: 2 });
  const [first, second] = model.layers.filter((l) => l.getClassName() === 'FusedBiLSTM').map((l) => l.name);
  expect(() => lowerModel(model)).toThrow(UnsupportedLayerError);
  expect(() => lowerModel(model)).toThrow(/Cannot export layer \w+ '[^']+': .*Supported layers/);
  expect(() => lowerModel(model)).toThrow(`Cannot export layer FusedBiLSTM '${first}'`);
  expect(() => lowerModel(model)).toThrow(`(also unsupported here: FusedBiLSTM '${second}')`); // every unsupported layer is listed
  expect(() => lowerModel(model)).toThrow(/recurrent layer \(a line model trained with --head lstm or --head gru\).*train it with --head conv/);
  // The file is refused before anything is written.
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lstm-export-')), 'lines.tflite');
  expect(() => exportTflite(model, Array.from({ length: 11 }, (_, i) => String(i)), out, { quantize: 'none', input: 'gray' })).toThrow(/FusedBiLSTM/);
  expect(fs.existsSync(path.dirname(out)) && fs.readdirSync(path.dirname(out))).toEqual([]);
});

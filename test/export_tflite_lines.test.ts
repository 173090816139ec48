/**
 * Line models (crnn) to TFLite, checked by a real TFLite interpreter (LiteRT, in a child process):
 * the 1-D part lowered to height-1 2-D ops, a free width (shape_signature -1), per-op logits
 * against TensorFlow.js, a random crnn with batch norm and a dilated conv head, the committed
 * saved_models/lines, and the text agreement on its synthetic test lines (held-out-font lines for a
 * body-height model; EMNIST dev47 lines for an older one).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as flatbuffers from 'flatbuffers';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import { fromFloat16Array, lowerModel, runInferenceGraph, stepShapes, tfliteBytes, toFloat16Array, UnsupportedLayerError, InferenceGraph } from '../src/export';
import { LiteRtInterpreter } from '../src/export/tflite/litert_client';
import { compareLineReadings, lineAgreementVerdict, lineTfliteBuilder, padLine, syntheticLines, TestLine } from '../src/export/tflite/verify_lines';
import { loadLineModel } from '../src/lines/read';
import { dev47Dir } from './emnist_dir';

let interp: LiteRtInterpreter;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' }); // the cpu backend takes seconds per line of the committed model
  interp = await LiteRtInterpreter.start();
});
afterAll(async () => {
  await interp?.close();
});

const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });
const randomBias = (seed: number) => tfl.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed });
const inputs = (shape: number[], n: number, seed = 7) => tf.randomUniform([n, ...shape], 0, 1, 'float32', seed) as tf.Tensor4D;

function randomizeBatchNorm(model: tfl.LayersModel, seed = 3): void {
  model.layers.filter((l) => l.getClassName() === 'BatchNormalization').forEach((l, k) => {
    const c = l.getWeights()[0].shape[0];
    const u = (lo: number, hi: number, s: number) => tf.randomUniform([c], lo, hi, 'float32', seed * 100 + k * 10 + s);
    l.setWeights([u(0.5, 1.5, 1), u(-0.5, 0.5, 2), u(-0.3, 0.3, 3), u(0.2, 2, 4)]); // gamma, beta, mean, variance
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function predict(model: tfl.LayersModel, x: tf.Tensor4D): { data: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const y = model.predict(x) as tf.Tensor;
    return { data: y.dataSync() as Float32Array, shape: y.shape.slice(1) };
  });
}

/** LiteRT's output for `x` ([n, h, W, c]) on the model written with W as its free width. */
async function runTflite(model: tfl.LayersModel, x: tf.Tensor4D, quantize: 'none' | 'float16' | 'int8' = 'none', calibration?: tf.Tensor4D) {
  const bytes = tfliteBytes(model, { quantize, calibration, freeSize: x.shape[2] });
  const r = await interp.run(bytes, x.dataSync() as Float32Array, x.shape[0]);
  expect(r.inputShape).toEqual([1, ...x.shape.slice(1)]);
  return r;
}

/** Small sequence models, each ending in per-time-step logits [b, T, classes]; width free. */
const PER_OP: { name: string; inputShape: (number | null)[]; width: number; build: (input: (number | null)[]) => tfl.LayersModel }[] = [
  {
    name: 'reshape [b, 1, T, F] -> [b, T, F] after a [h, 1] valid collapse conv (the output itself)',
    inputShape: [3, null, 2], width: 9,
    build: (inputShape) => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape, filters: 5, kernelSize: [3, 1], padding: 'valid', kernelInitializer: glorot(1), biasInitializer: randomBias(2) }),
      tfl.layers.reshape({ targetShape: [-1, 5] }),
    ] }),
  },
  {
    name: 'conv1d kernel 3, dilation 2, same padding, relu; then dense on [b, T, F]',
    inputShape: [4, null, 2], width: 13,
    build: (inputShape) => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape, filters: 6, kernelSize: [4, 1], padding: 'valid', activation: 'relu', kernelInitializer: glorot(3), biasInitializer: randomBias(4) }),
      tfl.layers.reshape({ targetShape: [-1, 6] }),
      tfl.layers.conv1d({ filters: 5, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu', kernelInitializer: glorot(5), biasInitializer: randomBias(6) }),
      tfl.layers.dense({ units: 7, kernelInitializer: glorot(7), biasInitializer: randomBias(8) }),
    ] }),
  },
  {
    name: 'conv1d kernel 5 valid, linear; batch norm folded into a conv1d without bias; dense on 3-D with a relu Activation',
    inputShape: [2, null, 3], width: 16,
    build: (inputShape) => {
      const m = tfl.sequential({ layers: [
        tfl.layers.conv2d({ inputShape, filters: 4, kernelSize: [2, 3], padding: 'valid', kernelInitializer: glorot(9), biasInitializer: randomBias(10) }),
        tfl.layers.reshape({ targetShape: [-1, 4] }),
        tfl.layers.conv1d({ filters: 6, kernelSize: 5, padding: 'valid', kernelInitializer: glorot(11), biasInitializer: randomBias(12) }),
        tfl.layers.conv1d({ filters: 5, kernelSize: 3, dilationRate: 3, padding: 'same', useBias: false, kernelInitializer: glorot(13) }),
        tfl.layers.batchNormalization(),
        tfl.layers.activation({ activation: 'relu' }),
        tfl.layers.dense({ units: 8, kernelInitializer: glorot(14), biasInitializer: randomBias(15) }),
        tfl.layers.activation({ activation: 'relu' }),
        tfl.layers.dense({ units: 3, kernelInitializer: glorot(16), biasInitializer: randomBias(17) }),
      ] });
      randomizeBatchNorm(m);
      return m;
    },
  },
  {
    name: 'max pool 2x1 (height only) and 2x2 on an odd width, then the collapse and a dense on 4-D before it',
    inputShape: [8, null, 1], width: 11,
    build: (inputShape) => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape, filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: glorot(18), biasInitializer: randomBias(19) }),
      tfl.layers.maxPooling2d({ poolSize: [2, 1], strides: [2, 1] }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.dense({ units: 4, activation: 'relu', kernelInitializer: glorot(20), biasInitializer: randomBias(21) }),
      tfl.layers.conv2d({ filters: 5, kernelSize: [2, 1], padding: 'valid', kernelInitializer: glorot(22), biasInitializer: randomBias(23) }),
      tfl.layers.reshape({ targetShape: [-1, 5] }),
      tfl.layers.dense({ units: 4, kernelInitializer: glorot(24), biasInitializer: randomBias(25) }),
    ] }),
  },
];

describe('float32 TFLite vs TensorFlow.js on sequence ops (logits, 1e-4)', () => {
  for (const c of PER_OP) {
    test(c.name, async () => {
      const model = c.build(c.inputShape);
      const shape = [c.inputShape[0]!, c.width, c.inputShape[2]!];
      const x = inputs(shape, 3);
      const ref = predict(model, x);
      const r = await runTflite(model, x);
      expect(r.outputShape).toEqual([1, ...ref.shape]);
      expect(maxAbsDiff(r.output, ref.data)).toBeLessThan(1e-4);
      // The lowering keeps the maths (tfjs alone), and stepShapes predicts every tfjs shape at this width.
      const graph = lowerModel(model);
      expect(graph.inputShape).toEqual([shape[0], -1, shape[2]]);
      const outs = runInferenceGraph(graph, x, true);
      expect(maxAbsDiff(outs[outs.length - 1].dataSync(), ref.data)).toBeLessThan(1e-5);
      expect(stepShapes(graph, shape)).toEqual(outs.map((o) => o.shape.slice(1)));
      tf.dispose(outs);
    });
  }

  test('the same file runs other widths only when built at them: one graph, the shapes follow the width', async () => {
    const c = PER_OP[1];
    const model = c.build(c.inputShape);
    for (const width of [5, 21]) {
      const x = inputs([4, width, 2], 2, width);
      const r = await runTflite(model, x);
      expect(r.outputShape).toEqual([1, width, 7]);
      expect(maxAbsDiff(r.output, predict(model, x).data)).toBeLessThan(1e-4);
    }
  });
});

/** A line model as the new recipe builds it: conv + batch norm + relu blocks, [h, 1] collapse, dilated conv1d head with batch norm, dense logits. */
function crnnWithDilatedHead(): tfl.LayersModel {
  const he = (s: number) => tfl.initializers.heNormal({ seed: s });
  const convBn = (filters: number, seed: number, first = false) => [
    tfl.layers.conv2d({ ...(first ? { inputShape: [28, null, 1] } : {}), filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: he(seed) }),
    tfl.layers.batchNormalization(),
    tfl.layers.activation({ activation: 'relu' }),
  ];
  const head = (dilationRate: number, seed: number) => [
    tfl.layers.conv1d({ filters: 16, kernelSize: 3, dilationRate, padding: 'same', useBias: false, kernelInitializer: he(seed) }),
    tfl.layers.batchNormalization(),
    tfl.layers.activation({ activation: 'relu' }),
  ];
  const m = tfl.sequential({ layers: [
    ...convBn(8, 1, true), tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
    ...convBn(12, 2), tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
    ...convBn(16, 3), tfl.layers.maxPooling2d({ poolSize: [2, 1], strides: [2, 1] }),
    tfl.layers.conv2d({ filters: 24, kernelSize: [3, 1], padding: 'valid', activation: 'relu', kernelInitializer: he(4) }),
    tfl.layers.reshape({ targetShape: [-1, 24] }),
    ...head(1, 5), ...head(2, 6), ...head(4, 7),
    tfl.layers.dropout({ rate: 0.2 }),
    tfl.layers.dense({ units: 12, kernelInitializer: glorot(8), biasInitializer: randomBias(9) }),
  ] });
  randomizeBatchNorm(m);
  return m;
}

/** The graph with every weight and bias rounded through float16: what a float16 file computes. */
function roundedToFloat16(g: InferenceGraph): InferenceGraph {
  const r = (a: Float32Array) => fromFloat16Array(toFloat16Array(a));
  return { ...g, steps: g.steps.map((s) => (s.kind === 'conv2d' || s.kind === 'dense' ? { ...s, kernel: r(s.kernel), bias: r(s.bias) } : s)) };
}

describe('a random crnn with batch norm and a dilated conv1d head', () => {
  let model: tfl.LayersModel;
  beforeAll(() => { model = crnnWithDilatedHead(); });

  test('lowers to convs and pools, one squeeze at the end; every batch norm folded', () => {
    const g = lowerModel(model);
    expect(g.steps.map((s) => s.kind)).toEqual([
      'conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'conv2d', 'conv2d', 'conv2d', 'conv2d', 'conv2d', 'squeeze',
    ]);
    const head = g.steps.slice(7, 10) as Extract<InferenceGraph['steps'][number], { kind: 'conv2d' }>[];
    expect(head.map((s) => [s.kernelShape, s.dilations, s.activation])).toEqual([
      [[1, 3, 24, 16], [1, 1], 'relu'], [[1, 3, 16, 16], [1, 2], 'relu'], [[1, 3, 16, 16], [1, 4], 'relu'],
    ]);
    expect(g.steps[11].outputShape).toEqual([-1, 12]);
  });

  test('float32 logits within 1e-4 at two widths; float16 equals float16-rounded maths', async () => {
    for (const width of [64, 100]) {
      const x = inputs([28, width, 1], 2, width);
      const ref = predict(model, x);
      const f32 = await runTflite(model, x);
      expect(f32.outputShape).toEqual([1, width / 4, 12]);
      expect(maxAbsDiff(f32.output, ref.data)).toBeLessThan(1e-4);
      const f16 = await runTflite(model, x, 'float16');
      const [rounded] = runInferenceGraph(roundedToFloat16(lowerModel(model)), x);
      expect(maxAbsDiff(f16.output, rounded.dataSync())).toBeLessThan(1e-4);
      expect(maxAbsDiff(f16.output, ref.data)).toBeGreaterThan(0); // really float16 weights
      rounded.dispose();
    }
  });

  test('int8 (calibrated on other inputs): near the float logits, a few percent of their range', async () => {
    const calibration = inputs([28, 64, 1], 16, 99);
    const x = inputs([28, 64, 1], 2, 5);
    const int8 = await runTflite(model, x, 'int8', calibration);
    const exact = predict(model, x).data;
    const range = Math.max(...exact) - Math.min(...exact);
    expect(maxAbsDiff(int8.output, exact)).toBeLessThan(0.1 * range);
  });
});

/** Reads a tensor's shape and shape_signature from a .tflite (slots of schema.fbs: Tensor.shape 0, shape_signature 7). */
function inputShapes(bytes: Uint8Array): { shape: number[]; signature: number[] } {
  const bb = new flatbuffers.ByteBuffer(bytes);
  const field = (t: number, slot: number) => bb.__offset(t, 4 + 2 * slot);
  const ints = (t: number, slot: number) => {
    const o = field(t, slot);
    const v = bb.__vector(t + o);
    return Array.from({ length: bb.__vector_len(t + o) }, (_, i) => bb.readInt32(v + 4 * i));
  };
  const root = bb.readInt32(bb.position()) + bb.position();
  const subgraph = bb.__indirect(bb.__vector(root + field(root, 2)));
  const tensors = bb.__vector(subgraph + field(subgraph, 0));
  const input = ints(subgraph, 1)[0];
  const t = bb.__indirect(tensors + 4 * input);
  return { shape: ints(t, 0), signature: ints(t, 7) };
}

describe('the committed line model (saved_models/lines, conv head)', () => {
  test('exports (the old exporter refused Reshape and Conv1D); input width free in the signature', async () => {
    const { model, metadata } = await loadLineModel('saved_models/lines');
    const H = metadata.height;
    const bytes = tfliteBytes(model);
    expect(inputShapes(bytes)).toEqual({ shape: [1, H, 256, 1], signature: [-1, H, -1, 1] });
    expect(inputShapes(tfliteBytes(model, { freeSize: 96 })).shape).toEqual([1, H, 96, 1]);
  });

  test('float32 logits within 1e-4 of tfjs at two widths', async () => {
    const { model, metadata } = await loadLineModel('saved_models/lines');
    for (const width of [96, 160]) {
      const x = inputs([metadata.height, width, 1], 2, width);
      const r = await runTflite(model, x);
      expect(r.outputShape).toEqual([1, width / 4, metadata.charset.length + 1]);
      expect(maxAbsDiff(r.output, predict(model, x).data)).toBeLessThan(1e-4);
    }
  });
});

describe('layers the line lowering refuses, by name', () => {
  test('a Conv1D with no height collapse before it', () => {
    const model = tfl.sequential({ layers: [tfl.layers.conv1d({ inputShape: [10, 3], filters: 2, kernelSize: 3, name: 'lonely_conv1d' })] });
    expect(() => lowerModel(model)).toThrow(UnsupportedLayerError);
  });
  test('a Reshape that is not [b, 1, T, F] -> [b, T, F]', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [4, 6, 1], filters: 2, kernelSize: 3, padding: 'same' }),
      tfl.layers.reshape({ targetShape: [24, 2], name: 'fold_rows' }),
    ] });
    expect(() => lowerModel(model)).toThrow(/Reshape 'fold_rows': only the reshape \[b, 1, T, F\] -> \[b, T, F\]/);
  });
  test('causal padding', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [1, null, 1], filters: 2, kernelSize: 1 }),
      tfl.layers.reshape({ targetShape: [-1, 2] }),
      tfl.layers.conv1d({ filters: 2, kernelSize: 3, padding: 'causal', name: 'causal_conv' }),
    ] });
    expect(() => lowerModel(model)).toThrow(/Conv1D 'causal_conv': padding 'causal'/);
  });
});

describe('text agreement on lines (the verifier)', () => {
  test('padLine pads to a multiple of 16 at least 16 past the ink, like padRight', () => {
    const line: TestLine = { pixels: Uint8Array.from({ length: 2 * 5 }, (_, i) => i + 1), height: 2, width: 5, inkWidth: 4, text: 'a' };
    const p = padLine(line);
    expect(p.width).toBe(32);
    expect(Array.from(p.pixels.subarray(0, 6))).toEqual([1, 2, 3, 4, 5, 0]);
    expect(Array.from(p.pixels.subarray(32, 38))).toEqual([6, 7, 8, 9, 10, 0]);
  });

  test('saved_models/lines, float32 and float16: the .tflite reads 24 of its test lines as tfjs does', async () => {
    const { model, metadata } = await loadLineModel('saved_models/lines');
    const lines = syntheticLines(metadata, 'test', 24, { emnistDir: dev47Dir() });
    for (const q of ['none', 'float16'] as const) {
      const builder = lineTfliteBuilder(model, q);
      const a = await compareLineReadings(interp, model, metadata, (w) => builder.bytes(w), lines);
      expect(a.count).toBe(24);
      expect(lineAgreementVerdict(a).pass).toBe(true);
      if (q === 'none') {
        expect(a.agreement).toBe(1);
        // Float32 rounding, relative to the logits' scale: the blank logit on padding reaches ~250, where
        // an absolute 1e-4 is 7 float32 steps (tfjs's own Winograd convs on wasm gave 1.4e-4 of 247).
        expect(a.maxAbsLogit).toBeGreaterThan(10);
        expect(a.maxAbsDiff).toBeLessThan(2e-6 * a.maxAbsLogit);
      }
      expect(a.referenceCer).toBeLessThan(0.2); // the model reads the lines at all
    }
  }, 60000);

  test('a wrong file is caught: a model with other weights disagrees', async () => {
    const { model, metadata } = await loadLineModel('saved_models/lines');
    const other = await loadLineModel('saved_models/lines');
    const dense = other.model.layers[other.model.layers.length - 1];
    const [k, b] = dense.getWeights();
    dense.setWeights([tf.reverse(k, 1), b]); // classes permuted
    const H = metadata.height;
    const lines: TestLine[] = [0, 1, 2].map((i) => {
      const pixels = new Uint8Array(H * 64);
      for (let y = 8; y < 20; y++) for (let x = 4 + 8 * i; x < 40; x += 6) pixels[y * 64 + x] = 255;
      return { pixels, height: H, width: 64, inkWidth: 40, text: 'abc' };
    });
    const builder = lineTfliteBuilder(other.model, 'none');
    const a = await compareLineReadings(interp, model, metadata, (w) => builder.bytes(w), lines);
    expect(a.maxAbsDiff).toBeGreaterThan(1);
  });
});

test('the verdict: 99% of lines equal and CER within 0.2 points, both needed', () => {
  const a = { count: 200, agreement: 0.99, referenceCer: 0.03, cer: 0.032, maxAbsDiff: 0, maxAbsLogit: 1, disagreements: [], msPerLine: 1 };
  expect(lineAgreementVerdict(a).pass).toBe(true);
  expect(lineAgreementVerdict({ ...a, agreement: 0.985 }).pass).toBe(false);
  expect(lineAgreementVerdict({ ...a, cer: 0.0325 }).pass).toBe(false);
  expect(lineAgreementVerdict({ ...a, cer: 0.0275 }).pass).toBe(false); // better is also a difference
});

test('hwr export --model saved_models/lines --format tflite: writes the file and labels, verifies 30 lines, exit 0', async () => {
  const { main } = await import('../src/cli');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-export-lines-'));
  const logs: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a) => { logs.push(a.join(' ')); });
  const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const out = path.join(dir, 'lines.tflite');
    const code = await main(['export', '--model', 'saved_models/lines', '--format', 'tflite', '--out', out, '--limit', '30', ...(dev47Dir() ? ['--emnist-dir', dev47Dir()!] : []), '--backend', 'wasm']);
    expect(logs.join('\n')).toMatch(/LiteRT on 30 synthetic test lines: texts equal on 100\.00% of lines, CER (\S+) \(tfjs\) -> \1 \(tflite\).*: pass/);
    expect(code).toBe(0);
    const labels = fs.readFileSync(path.join(dir, 'labels.txt'), 'utf8').split('\n').slice(0, -1);
    const { metadata } = await loadLineModel('saved_models/lines');
    expect(labels).toEqual(metadata.charset);
    expect(inputShapes(new Uint8Array(fs.readFileSync(out))).signature).toEqual([-1, metadata.height, -1, 1]);
  } finally {
    log.mockRestore();
    err.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120000);

describe('hwr export of a line model keeps the verification contract (no test lines needed)', () => {
  let dir: string;
  let logs: string[];
  let errors: string[];
  async function hwr(...args: string[]): Promise<number> {
    const { main } = await import('../src/cli');
    logs = [];
    errors = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...a) => { logs.push(a.join(' ')); });
    const err = jest.spyOn(console, 'error').mockImplementation((...a) => { errors.push(a.join(' ')); });
    try {
      return await main(args);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  }
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-export-lines-cli-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(() => jest.restoreAllMocks());

  test('LiteRT cannot start: exit 1 with the reason and the --no-verify hint (it used to throw without the hint)', async () => {
    const start = LiteRtInterpreter.start.bind(LiteRtInterpreter);
    jest.spyOn(LiteRtInterpreter, 'start').mockImplementation(() => start({ runner: path.join(dir, 'no-such-runner.mjs') }));
    const out = path.join(dir, 'a', 'lines.tflite');
    expect(await hwr('export', '--model', 'saved_models/lines', '--format', 'tflite', '--out', out, '--backend', 'cpu')).toBe(1);
    expect(errors.join('\n')).toMatch(/lines\.tflite is written but NOT verified: the LiteRT interpreter did not start .*or pass --no-verify/);
    expect(fs.existsSync(out)).toBe(true);
  });

  test('--no-verify says the file is not verified; --input rgb is a usage error (lines are read gray)', async () => {
    const out = path.join(dir, 'b', 'lines.tflite');
    expect(await hwr('export', '--model', 'saved_models/lines', '--format', 'tflite', '--out', out, '--no-verify', '--backend', 'cpu')).toBe(0);
    expect(logs.join('\n')).toMatch(/not verified \(--no-verify\): .*lines\.tflite was not run through LiteRT/);
    const { metadata } = await loadLineModel('saved_models/lines');
    expect(inputShapes(new Uint8Array(fs.readFileSync(out))).shape).toEqual([1, metadata.height, 256, 1]);
    expect(await hwr('export', '--model', 'saved_models/lines', '--format', 'tflite', '--input', 'rgb', '--out', path.join(dir, 'c', 'l.tflite'), '--backend', 'cpu')).toBe(2);
    expect(errors.join('\n')).toMatch(/a line model's \.tflite reads gray lines \(--input gray\)/);
  });
});

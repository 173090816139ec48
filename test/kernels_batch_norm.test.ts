/**
 * Fused batch norm in training (src/kernels/fused_batch_norm.ts): the wasm kernels against a
 * float64 reference of the definition (statistics, output, and gradients by central differences),
 * and a BatchNormalization layer trained on wasm (fused) against the same layer on the cpu
 * backend (tfjs-layers' own ops): output, moving averages and the gradients of every input.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import { BATCH_NORM_TRAIN, batchNormTraining } from '../src/kernels/fused_batch_norm';
import { randomFloats, relError } from './kernels_helpers';

const TOL = 1e-4;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Float64 batch norm over the rows of x [rows, C]: y, and the batch's mean and biased variance. */
function reference(x: Float64Array, gamma: Float64Array, beta: Float64Array, C: number, eps: number) {
  const rows = x.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let i = 0; i < x.length; i++) mean[i % C] += x[i] / rows;
  for (let i = 0; i < x.length; i++) variance[i % C] += (x[i] - mean[i % C]) ** 2 / rows;
  const y = x.map((v, i) => ((v - mean[i % C]) / Math.sqrt(variance[i % C] + eps)) * gamma[i % C] + beta[i % C]);
  return { y, mean, variance };
}

describe('batch norm training kernels (wasm) vs a float64 reference', () => {
  const cases: Array<[string, number[], number]> = [
    ['[3, 5, 7, 8] (rows not a multiple of the chunk)', [3, 5, 7, 8], 0],
    ['[2, 9, 100, 16] (several 64-row chunks)', [2, 9, 100, 16], 0],
    ['[4, 50, 12] (a 1-D conv head)', [4, 50, 12], 0],
    ['[6, 40, 4], mean 1000 x std (no cancellation)', [6, 40, 4], 1000],
  ];
  test.each(cases)('%s', async (_, shape, offset) => {
    await tf.setBackend('wasm');
    const C = shape[shape.length - 1];
    const n = shape.reduce((a, b) => a * b, 1);
    const x32 = randomFloats(n, 11).map((v, i) => v * (1 + (i % C)) + offset + (i % C));
    const g32 = randomFloats(C, 12).map((v) => 1 + 0.5 * v);
    const b32 = randomFloats(C, 13);
    const eps = 1e-3;
    const [y, mean, variance] = batchNormTraining(tf.tensor(x32, shape), tf.tensor1d(g32), tf.tensor1d(b32), eps);
    const ref = reference(Float64Array.from(x32), Float64Array.from(g32), Float64Array.from(b32), C, eps);
    expect(relError(y.dataSync(), ref.y)).toBeLessThan(TOL);
    expect(relError(mean.dataSync(), ref.mean)).toBeLessThan(1e-6);
    expect(relError(variance.dataSync(), ref.variance)).toBeLessThan(TOL);
    tf.dispose([y, mean, variance]);
  });

  test('gradients of sum(y * w) w.r.t. x, gamma and beta match central differences of the float64 reference', async () => {
    await tf.setBackend('wasm');
    const [rows, C] = [37, 8];
    const x32 = randomFloats(rows * C, 21);
    const g32 = randomFloats(C, 22).map((v) => 1 + 0.5 * v);
    const b32 = randomFloats(C, 23);
    const w32 = randomFloats(rows * C, 24);
    const eps = 1e-3;
    const loss = (x: Float64Array, g: Float64Array, b: Float64Array) => reference(x, g, b, C, eps).y.reduce((s, v, i) => s + v * w32[i], 0);
    const numeric = (which: 0 | 1 | 2): Float64Array => {
      const args = [Float64Array.from(x32), Float64Array.from(g32), Float64Array.from(b32)];
      const out = new Float64Array(args[which].length);
      const h = 1e-5;
      for (let i = 0; i < out.length; i++) {
        const keep = args[which][i];
        args[which][i] = keep + h;
        const up = loss(args[0], args[1], args[2]);
        args[which][i] = keep - h;
        const down = loss(args[0], args[1], args[2]);
        args[which][i] = keep;
        out[i] = (up - down) / (2 * h);
      }
      return out;
    };
    const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(x, g as tf.Tensor1D, b as tf.Tensor1D, eps)[0], tf.tensor(w32, [rows, C])));
    const grads = tf.grads(f as (...args: tf.Tensor[]) => tf.Tensor)([tf.tensor(x32, [rows, C]), tf.tensor1d(g32), tf.tensor1d(b32)]);
    grads.forEach((g, i) => expect(relError(g.dataSync(), numeric(i as 0 | 1 | 2))).toBeLessThan(TOL));
    tf.dispose(grads);
  });
});

/** A model whose BatchNormalization sees [n, h, w, C] (or [n, t, C]) and is trained on backend `name`. */
async function layerResults(name: 'cpu' | 'wasm', inputShape: number[], layerArgs: object, seed: number) {
  await tf.setBackend(name);
  const layer = tfl.layers.batchNormalization({ ...layerArgs, gammaInitializer: 'ones', betaInitializer: 'zeros' });
  const n = inputShape.reduce((a, b) => a * b, 1);
  const C = inputShape[inputShape.length - 1];
  const x = tf.tensor(randomFloats(n, seed).map((v, i) => 3 * v + (i % 5)), inputShape);
  layer.build(x.shape);
  // Non-trivial gamma and beta, the same on both backends.
  const [gamma, beta] = layer.getWeights().slice(0, 2);
  layer.setWeights([tf.tensor1d(randomFloats(gamma.shape[0], seed + 1).map((v) => 1 + v / 2)), tf.tensor1d(randomFloats(beta.shape[0], seed + 2)), ...layer.getWeights().slice(2)]);
  const w = tf.tensor(randomFloats(n, seed + 3), inputShape);
  const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, w)) as tf.Scalar, vars);
  const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, w)))(x);
  const y = layer.apply(x, { training: true }) as tf.Tensor;
  const inference = layer.apply(x, { training: false }) as tf.Tensor;
  const out = {
    y: y.dataSync().slice(), loss: value.dataSync()[0], dx: dx.dataSync().slice(),
    grads: vars.map((v) => grads[v.name].dataSync().slice()),
    // Three training calls moved the averages three times.
    moving: layer.getWeights().slice(2).map((t) => t.dataSync().slice()),
    inference: inference.dataSync().slice(), channels: C,
  };
  return out;
}

describe('BatchNormalization layer trained on wasm (fused kernels) vs cpu (tfjs-layers ops)', () => {
  const cases: Array<[string, number[], object, boolean]> = [
    ['conv block [2, 6, 10, 16]', [2, 6, 10, 16], {}, true],
    ['1-D conv head [3, 25, 12]', [3, 25, 12], {}, true],
    ['momentum 0.9, epsilon 1e-5', [2, 5, 5, 8], { momentum: 0.9, epsilon: 1e-5 }, true],
    ['channels not a multiple of 4 (tfjs-layers path)', [2, 5, 5, 6], {}, false],
  ];
  test.each(cases)('%s', async (_, shape, args, fused) => {
    let calls = 0;
    const count = (info: { name: string }) => { if (info.name === BATCH_NORM_TRAIN) calls++; };
    await tf.setBackend('wasm');
    const profile = await tf.profile(() => layerResults('wasm', shape, args, 5).then(() => undefined));
    profile.kernels.forEach(count);
    expect(calls > 0).toBe(fused);
    const wasm = await layerResults('wasm', shape, args, 5);
    const cpu = await layerResults('cpu', shape, args, 5);
    expect(relError(wasm.y, cpu.y)).toBeLessThan(TOL);
    expect(relError(wasm.dx, cpu.dx)).toBeLessThan(TOL);
    wasm.grads.forEach((g, i) => expect(relError(g, cpu.grads[i])).toBeLessThan(TOL));
    wasm.moving.forEach((m, i) => expect(relError(m, cpu.moving[i])).toBeLessThan(TOL));
    expect(relError(wasm.inference, cpu.inference)).toBeLessThan(TOL);
    expect(Math.abs(wasm.loss - cpu.loss) / Math.max(1, Math.abs(cpu.loss))).toBeLessThan(TOL);
  });

  test('HWR_FUSED_BATCHNORM=0 runs tfjs-layers ops, with the same results', async () => {
    const fused = await layerResults('wasm', [2, 4, 6, 8], {}, 9);
    process.env.HWR_FUSED_BATCHNORM = '0';
    try {
      const profile = await tf.profile(() => layerResults('wasm', [2, 4, 6, 8], {}, 9).then(() => undefined));
      expect(profile.kernels.some((k) => k.name === BATCH_NORM_TRAIN)).toBe(false);
      const plain = await layerResults('wasm', [2, 4, 6, 8], {}, 9);
      expect(relError(fused.dx, plain.dx)).toBeLessThan(TOL);
      fused.grads.forEach((g, i) => expect(relError(g, plain.grads[i])).toBeLessThan(TOL));
    } finally {
      delete process.env.HWR_FUSED_BATCHNORM;
    }
  });

  test('a model with batch norm still serialises as a standard BatchNormalization', () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [3] }), tfl.layers.batchNormalization()] });
    const json = JSON.stringify(model.toJSON(null, false));
    expect(json).toContain('"class_name":"BatchNormalization"');
    expect(json).not.toContain('Handwriting');
    model.dispose();
  });
});

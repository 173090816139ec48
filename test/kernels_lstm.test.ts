/**
 * The fused LSTM (src/kernels/fused_lstm.ts): the wasm sequence kernels against the same maths in
 * tfjs ops on the cpu backend (outputs and the gradients of x, kernel, recurrent kernel and bias),
 * and the FusedBiLSTM layer (wasm kernels, and its tfjs-ops path on cpu) against tfjs-layers' own
 * bidirectional LSTM with the same weights;
 * the layer survives a save/load round trip through its JSON. Error metric as in kernels.test.ts
 * (max abs error over the largest reference value), bound 1e-4.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import { FusedBiLstm, LSTM_SEQUENCE, lstmSequence, RecurrentActivation } from '../src/kernels/fused_lstm';
import { randomFloats, relError } from './kernels_helpers';

const TOL = 1e-4;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Values of y = lstmSequence(...) and of d(sum(y * w))/d(each input), on a backend. */
async function sequenceResults(backend: 'cpu' | 'wasm', B: number, T: number, D: number, H: number, activation: RecurrentActivation, reverse: boolean) {
  await tf.setBackend(backend);
  const x = tf.tensor(randomFloats(B * T * D, 1), [B, T, D]) as tf.Tensor3D;
  const k = tf.tensor(randomFloats(D * 4 * H, 2).map((v) => v * 0.6), [D, 4 * H]) as tf.Tensor2D;
  const u = tf.tensor(randomFloats(H * 4 * H, 3).map((v) => v * 0.5), [H, 4 * H]) as tf.Tensor2D;
  const b = tf.tensor(randomFloats(4 * H, 4).map((v) => v * 0.3), [4 * H]) as tf.Tensor1D;
  const w = tf.tensor(randomFloats(B * T * H, 5), [B, T, H]);
  // Reversed: the kernel's own reverse on wasm; on cpu the definition, the forward LSTM of the reversed sequence, reversed.
  const lstm = (xx: tf.Tensor3D, kk: tf.Tensor2D, uu: tf.Tensor2D, bb: tf.Tensor1D) => (!reverse
    ? lstmSequence(xx, kk, uu, bb, activation)
    : backend === 'wasm' ? lstmSequence(xx, kk, uu, bb, activation, true) : tf.reverse(lstmSequence(tf.reverse(xx, 1), kk, uu, bb, activation), 1));
  let kernelCalls = 0;
  const profile = await tf.profile(() => {
    const grads = tf.grads((xx: tf.Tensor, kk: tf.Tensor, uu: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(lstm(xx as tf.Tensor3D, kk as tf.Tensor2D, uu as tf.Tensor2D, bb as tf.Tensor1D), w)))([x, k, u, b]);
    tf.dispose(grads);
  });
  kernelCalls = profile.kernels.filter((e) => e.name === LSTM_SEQUENCE).length;
  const y = lstm(x, k, u, b).dataSync().slice();
  const grads = tf.grads((xx: tf.Tensor, kk: tf.Tensor, uu: tf.Tensor, bb: tf.Tensor) =>
    tf.sum(tf.mul(lstm(xx as tf.Tensor3D, kk as tf.Tensor2D, uu as tf.Tensor2D, bb as tf.Tensor1D), w)))([x, k, u, b]);
  const g = grads.map((t) => t.dataSync().slice());
  tf.dispose([x, k, u, b, w, ...grads]);
  return { y, grads: g, kernelCalls };
}

describe('LSTM sequence kernels (wasm) vs tfjs ops (cpu)', () => {
  const cases: Array<[string, number, number, number, number, RecurrentActivation, boolean]> = [
    ['B 3, T 7, D 5, H 8, hard sigmoid', 3, 7, 5, 8, 'hardSigmoid', false],
    ['B 5, T 9, D 6, H 12, sigmoid (4-wide tails)', 5, 9, 6, 12, 'sigmoid', false],
    ['B 4, T 1, D 3, H 4, hard sigmoid (one step)', 4, 1, 3, 4, 'hardSigmoid', false],
    ['B 3, T 8, D 5, H 8, hard sigmoid, reversed', 3, 8, 5, 8, 'hardSigmoid', true],
    ['B 2, T 5, D 4, H 12, sigmoid, reversed', 2, 5, 4, 12, 'sigmoid', true],
  ];
  test.each(cases)('%s', async (_, B, T, D, H, activation, reverse) => {
    const wasm = await sequenceResults('wasm', B, T, D, H, activation, reverse);
    const cpu = await sequenceResults('cpu', B, T, D, H, activation, reverse);
    expect(wasm.kernelCalls).toBe(1);
    expect(cpu.kernelCalls).toBe(0);
    expect(relError(wasm.y, cpu.y)).toBeLessThan(TOL);
    ['x', 'kernel', 'recurrentKernel', 'bias'].forEach((name, i) => expect([name, relError(wasm.grads[i], cpu.grads[i]) < TOL]).toEqual([name, true]));
  });
});

/** The layer's and tfjs-layers' bidirectional LSTM's outputs and weight gradients with the same weights. */
async function layerPair(backend: 'cpu' | 'wasm', fused: boolean, activation: RecurrentActivation) {
  await tf.setBackend(backend);
  const [B, T, D, H] = [2, 6, 5, 8];
  const layer = fused
    ? new FusedBiLstm({ units: H, recurrentActivation: activation })
    : tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: H, returnSequences: true, recurrentActivation: activation }) as tfl.RNN, mergeMode: 'concat' });
  layer.build([B, T, D]);
  // The same weights in the same order: forward kernel, recurrent kernel, bias, then backward's.
  layer.setWeights(layer.getWeights().map((t, i) => tf.tensor(randomFloats(t.size, 20 + i).map((v) => v * 0.5), t.shape)));
  const x = tf.tensor(randomFloats(B * T * D, 30), [B, T, D]);
  const w = tf.tensor(randomFloats(B * T * 2 * H, 31), [B, T, 2 * H]);
  const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar, vars);
  const y = (layer.apply(x) as tf.Tensor).dataSync().slice();
  return { y, loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync().slice()) };
}

describe('FusedBiLSTM layer', () => {
  test.each(['hardSigmoid', 'sigmoid'] as const)('matches tfjs-layers bidirectional(lstm) (%s): wasm kernels vs tfjs on cpu', async (activation) => {
    const fused = await layerPair('wasm', true, activation);
    const reference = await layerPair('cpu', false, activation);
    expect(relError(fused.y, reference.y)).toBeLessThan(TOL);
    expect(fused.grads.length).toBe(6);
    fused.grads.forEach((g, i) => expect([i, relError(g, reference.grads[i]) < TOL]).toEqual([i, true]));
    // Off wasm the layer runs its tfjs-ops recurrence: the same maths.
    const opsPath = await layerPair('cpu', true, activation);
    expect(relError(opsPath.y, reference.y)).toBeLessThan(TOL);
    opsPath.grads.forEach((g, i) => expect([i, relError(g, reference.grads[i]) < TOL]).toEqual([i, true]));
  });

  test('saves and loads as FusedBiLSTM, with the same outputs', async () => {
    await tf.setBackend('wasm');
    const model = tfl.sequential({ layers: [new FusedBiLstm({ units: 4, inputShape: [null, 3] as never, seed: 3 }), tfl.layers.dense({ units: 2 })] });
    const x = tf.tensor(randomFloats(2 * 5 * 3, 40), [2, 5, 3]);
    const before = (model.predict(x) as tf.Tensor).dataSync().slice();
    const json = model.toJSON(null, false) as unknown as object;
    expect(JSON.stringify(json)).toContain('"class_name":"FusedBiLSTM"');
    const copy = await tfl.models.modelFromJSON({ modelTopology: json } as never);
    copy.setWeights(model.getWeights());
    expect(relError((copy.predict(x) as tf.Tensor).dataSync(), before)).toBeLessThan(1e-6);
    expect(() => new FusedBiLstm({ units: 4, recurrentActivation: 'relu' as never })).toThrow(/hardSigmoid/);
  });
});

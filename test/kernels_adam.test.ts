/**
 * The fused Adam (one wasm kernel per variable) against tfjs's own Adam on the same backend and
 * against the definition in float64; its state round trip, serialisation, and the two ways an
 * in-place update could go wrong (shared moment data; XNNPACK's cached packed weights).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/runtime/backend';
import { FusedAdamOptimizer } from '../src/kernels';
import { randomFloats, relError } from './kernels_helpers';

const SHAPES = [[7], [3, 3, 1, 5], [40, 25]]; // sizes 7, 45, 1000: SIMD body and scalar tail

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Runs `steps` Adam steps with seeded gradients and a changing learning rate; returns the final weights. */
function train(optimizer: tf.Optimizer & { learningRate: number }, prefix: string, steps: number): Float32Array[] {
  const vars = SHAPES.map((shape, i) => tf.variable(tf.tensor(randomFloats(shape.reduce((a, b) => a * b, 1), 100 + i), shape), true, `${prefix}${i}`));
  for (let s = 0; s < steps; s++) {
    optimizer.learningRate = 0.01 / (1 + s); // as a schedule would
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => { grads[v.name] = tf.tensor(randomFloats(v.size, 1000 * s + i), v.shape); });
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const out = vars.map((v) => v.dataSync().slice() as Float32Array);
  tf.dispose(vars);
  return out;
}

/** Adam by its definition in float64 (what both implementations approximate). */
function definitional(steps: number): Float64Array[] {
  return SHAPES.map((shape, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const w = Float64Array.from(randomFloats(n, 100 + i));
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    for (let s = 0; s < steps; s++) {
      const lr = 0.01 / (1 + s);
      const g = randomFloats(n, 1000 * s + i);
      for (let j = 0; j < n; j++) {
        m[j] = 0.9 * m[j] + 0.1 * g[j];
        v[j] = 0.999 * v[j] + 0.001 * g[j] * g[j];
        const mh = m[j] / (1 - 0.9 ** (s + 1));
        const vh = v[j] / (1 - 0.999 ** (s + 1));
        w[j] -= (lr * mh) / (Math.sqrt(vh) + 1e-7);
      }
    }
    return w;
  });
}

test('fused Adam gives tfjs Adam\'s weights (same float32 operations) and the definition\'s', () => {
  const fused = train(new FusedAdamOptimizer(0.01), 'fused', 6);
  const stock = train(tf.train.adam(0.01) as tf.AdamOptimizer & { learningRate: number }, 'stock', 6);
  const exact = definitional(6);
  fused.forEach((w, i) => {
    expect(relError(w, stock[i])).toBeLessThan(1e-6);
    expect(relError(w, exact[i])).toBeLessThan(1e-4);
  });
});

test('getWeights/setWeights round trip: a restored optimizer continues exactly like the original', async () => {
  const a = new FusedAdamOptimizer(0.01);
  const w = tf.variable(tf.tensor(randomFloats(10, 5)), true, 'roundtrip');
  const step = (opt: tf.Optimizer, seed: number) => {
    const g = tf.tensor(randomFloats(10, seed));
    opt.applyGradients({ roundtrip: g });
    g.dispose();
  };
  step(a, 1);
  step(a, 2);
  const saved = (await a.getWeights()).map((n) => ({ name: n.name, tensor: tf.clone(n.tensor) }));
  const savedW = w.dataSync().slice();
  step(a, 3);
  const continued = w.dataSync().slice();
  const b = new FusedAdamOptimizer(0.01);
  await b.setWeights(saved);
  w.assign(tf.tensor(savedW));
  step(b, 3);
  expect(relError(w.dataSync(), continued)).toBeLessThan(1e-6);
  tf.dispose([w, ...saved.map((n) => n.tensor)]);
});

test('serialisable by class name (how a worker thread rebuilds it)', () => {
  const opt = new FusedAdamOptimizer(0.003, 0.8, 0.99, 1e-6);
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[opt.getClassName()];
  expect(opt.getClassName()).toBe('FusedAdam');
  const rebuilt = entry[1](entry[0], opt.getConfig()) as tf.Optimizer;
  expect(rebuilt).toBeInstanceOf(FusedAdamOptimizer);
  expect(rebuilt.getConfig()).toEqual({ learningRate: 0.003, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 });
});

test('a clone of a moment keeps its values when the optimizer steps (no in-place write to shared data)', async () => {
  const opt = new FusedAdamOptimizer(0.01);
  const w = tf.variable(tf.zeros([8]), true, 'shared');
  opt.applyGradients({ shared: tf.ones([8]) });
  const [, m] = await opt.getWeights();
  const kept = tf.clone(m.tensor); // the wasm Identity shares the data
  const before = kept.dataSync().slice();
  opt.applyGradients({ shared: tf.fill([8], 5) });
  expect(Array.from(kept.dataSync())).toEqual(Array.from(before));
  expect(Array.from(m.tensor.dataSync())).not.toEqual(Array.from(before));
  tf.dispose([w, kept]);
});

test('a conv filter updated by the optimizer is seen by the next Conv2D (tfjs-wasm caches packed filters by data id)', () => {
  const opt = new FusedAdamOptimizer(0.1);
  const x = tf.tensor4d(randomFloats(2 * 6 * 6 * 3, 7), [2, 6, 6, 3]);
  const f = tf.variable(tf.tensor4d(randomFloats(3 * 3 * 3 * 4, 8), [3, 3, 3, 4]), true, 'filter');
  tf.conv2d(x, f, 1, 'valid').dispose(); // XNNPACK packs the filter now
  opt.applyGradients({ filter: tf.tensor4d(randomFloats(3 * 3 * 3 * 4, 9), [3, 3, 3, 4]) });
  const viaVariable = tf.conv2d(x, f, 1, 'valid').dataSync();
  const viaFreshCopy = tf.conv2d(x, tf.tensor4d(f.dataSync().slice(), f.shape), 1, 'valid').dataSync();
  expect(relError(viaVariable, viaFreshCopy)).toBeLessThan(1e-6);
  tf.dispose([x, f]);
});

/**
 * Every character-classifier family can learn: each overfits one batch of 32 real MNIST images through the
 * project's own training loop on the wasm backend (the FSDL "overfit one batch" check).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/runtime/backend';
import { loadMnistPart } from '../src/data/mnist';
import { buildModel, MODEL_FAMILIES, summarizeModel } from '../src/models/cnn';
import { train } from '../src/train/train';
import { headOf } from '../src/cli/common';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// The character classifiers; the line family (crnn) has its own tests in crnn.test.ts.
describe.each(MODEL_FAMILIES.filter((f) => f !== 'crnn'))('model family %s', (family) => {
  test('overfits one batch of 32 MNIST images (final training loss < 0.1)', async () => {
    const batch = headOf(loadMnistPart('train'), 32);
    const model = buildModel(family, { numClasses: 10, seed: 1 });
    const result = await train(model, batch, {
      epochs: 40, batchSize: 32, learningRate: 3e-3, schedule: 'constant', validationSplit: 0,
      augment: false, earlyStopping: false, restoreBest: false, log: null, workers: 1,
    });
    const losses = result.history.map((h) => h.loss);
    expect(losses[0]).toBeGreaterThan(1.5); // untrained: about ln 10
    expect(losses[losses.length - 1]).toBeLessThan(0.1);
    model.dispose();
  });

  test('maps [batch, 28, 28, 1] to [batch, classes] probabilities', () => {
    const model = buildModel(family, { numClasses: 47 });
    const y = tf.tidy(() => model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor);
    expect(y.shape).toEqual([3, 47]);
    expect(Array.from(tf.tidy(() => tf.sum(y, 1)).dataSync()).every((s) => Math.abs(s - 1) < 1e-5)).toBe(true);
    expect(summarizeModel(model).totalParams).toBeGreaterThan(100000);
    tf.dispose(y);
    model.dispose();
  });
});

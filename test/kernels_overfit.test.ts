/**
 * End-to-end proof that conv nets train on the wasm backend: a small CNN overfits one batch
 * of 64 real MNIST training images to loss < 0.05 within 100 Adam steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import { loadMnistPart } from '../src/data/mnist';

test('a small CNN overfits one batch of 64 MNIST images on wasm (loss < 0.05 in <= 100 steps)', async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.name).toBe('wasm');
  const mnist = loadMnistPart('train');
  const n = 64;
  const pixels = new Float32Array(n * 28 * 28);
  for (let i = 0; i < pixels.length; i++) pixels[i] = mnist.images[i] / 255;
  const xs = tf.tensor4d(pixels, [n, 28, 28, 1]); // [64, 28, 28, 1]
  const ys = tf.oneHot(tf.tensor1d(Array.from(mnist.labels.subarray(0, n)), 'int32'), 10);

  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'categoricalCrossentropy' });

  const losses: number[] = [];
  for (let step = 0; step < 100; step++) {
    const loss = (await model.trainOnBatch(xs, ys)) as number;
    losses.push(loss);
    if (loss < 0.05) break;
  }
  expect(losses[0]).toBeGreaterThan(1); // it started untrained (ln 10 ~ 2.3)
  expect(losses[losses.length - 1]).toBeLessThan(0.05);
  tf.dispose([xs, ys]);
  model.dispose();
});

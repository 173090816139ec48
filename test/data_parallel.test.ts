/**
 * Data-parallel training: two worker replicas on uneven shards must take the same step as one
 * process on the whole batch (SGD, so the comparison is linear in the gradient).
 * Needs the compiled worker (dist/), which `npm ci`/`npm run build` produce.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import { createDataParallelTrainer, shardRanges, splitRows } from '../src/parallel/data_parallel';
import { randomFloats, relError } from './kernels_helpers';

function tinyCnn(): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
}

test('splitRows covers every row once, in order, as evenly as possible', () => {
  expect(splitRows(13, 2)).toEqual([[0, 6], [6, 13]]);
  expect(splitRows(2, 3)).toEqual([[0, 1], [1, 2]]);
  expect(shardRanges(2, 3)).toEqual([[0, 0], [0, 1], [1, 2]]); // one per worker, even when empty
});

test('2 workers on uneven shards = one process on the full batch (3 SGD steps)', async () => {
  await initBackend({ backend: 'wasm' });
  const n = 13;
  const xs = tf.tensor4d(randomFloats(n * 144, 31).map((v) => (v + 1) / 2), [n, 12, 12, 1]);
  const ys = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 3) % 10), 'int32'), 10);

  const reference = tinyCnn();
  const parallelModel = tinyCnn();
  parallelModel.setWeights(reference.getWeights());
  const trainer = await createDataParallelTrainer(parallelModel, { workers: 2, optimizer: tf.train.sgd(0.5) });

  const sgd = tf.train.sgd(0.5);
  const vars = reference.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  try {
    for (let step = 0; step < 3; step++) {
      const parallelLoss = await trainer.trainOnBatch(xs, ys);
      const refLoss = sgd.minimize(() => {
        const out = reference.apply(xs, { training: true }) as tf.Tensor;
        return tf.mean(tf.neg(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(out, 1e-7, 1 - 1e-7))), -1))) as tf.Scalar;
      }, true, vars)!;
      expect(Math.abs(parallelLoss - refLoss.dataSync()[0])).toBeLessThan(1e-5);
      refLoss.dispose();
    }
    await trainer.copyWeightsTo(parallelModel);
  } finally {
    await trainer.dispose();
  }
  const got = parallelModel.getWeights();
  const want = reference.getWeights();
  // The weights moved (so the comparison means something) and match the single-process run.
  expect(relError(got[0].dataSync(), tinyCnn().getWeights()[0].dataSync())).toBeGreaterThan(1e-3);
  got.forEach((w, i) => expect(relError(w.dataSync(), want[i].dataSync())).toBeLessThan(1e-4));
  tf.dispose([xs, ys]);
});

test('a batch smaller than the workers: every replica still takes the step (3 workers, 2 rows)', async () => {
  await initBackend({ backend: 'wasm' });
  const n = 2;
  const xs = tf.tensor4d(randomFloats(n * 144, 7).map((v) => (v + 1) / 2), [n, 12, 12, 1]);
  const ys = tf.oneHot(tf.tensor1d([3, 8], 'int32'), 10);
  const reference = tinyCnn();
  const parallelModel = tinyCnn();
  parallelModel.setWeights(reference.getWeights());
  // One worker gets no rows; predicting 3 rows asks each replica for one, so a replica left behind shows.
  const probe = tf.tensor4d(randomFloats(3 * 144, 9).map((v) => (v + 1) / 2), [3, 12, 12, 1]);
  let predicted: tf.Tensor | undefined;
  const trainer = await createDataParallelTrainer(parallelModel, { workers: 3, optimizer: tf.train.sgd(0.5) });
  const sgd = tf.train.sgd(0.5);
  const vars = reference.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  try {
    for (let step = 0; step < 2; step++) {
      await trainer.trainOnBatch(xs, ys);
      sgd.minimize(() => {
        const out = reference.apply(xs, { training: true }) as tf.Tensor;
        return tf.mean(tf.neg(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(out, 1e-7, 1 - 1e-7))), -1))) as tf.Scalar;
      }, false, vars);
    }
    predicted = await trainer.predict(probe);
    await trainer.copyWeightsTo(parallelModel);
  } finally {
    await trainer.dispose();
  }
  const got = parallelModel.getWeights();
  expect(relError(got[0].dataSync(), tinyCnn().getWeights()[0].dataSync())).toBeGreaterThan(1e-3);
  reference.getWeights().forEach((w, i) => expect(relError(got[i].dataSync(), w.dataSync())).toBeLessThan(1e-4));
  const want = reference.predict(probe) as tf.Tensor;
  expect(relError(predicted!.dataSync(), want.dataSync())).toBeLessThan(1e-4);
  tf.dispose([xs, ys, probe, predicted!, want]);
});

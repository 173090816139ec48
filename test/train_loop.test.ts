import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TrainCheckpoint, loadCheckpoint, saveCheckpoint } from '../src/train/checkpoint';
import { TrainOptions, TrainingDivergedError, train } from '../src/train/train';
import { barsDataset, metrics, tinyModel, useCpu, weightsOf } from './train_fixtures';

beforeAll(useCpu);


// Unbalanced on purpose so `balance` has something to do; dropout and augmentation on, so every
// random stream of the loop is exercised by the reproducibility and resume tests.
const data = barsDataset([30, 12, 24, 16]);
const busy: TrainOptions = {
  epochs: 4, batchSize: 16, learningRate: 1e-2, seed: 3, balance: true, log: null,
  augment: { rotation: 5, shift: 0.5, scale: 0.05 }, earlyStopping: false, workers: 1,
};

describe('train', () => {
  test('overfits one batch: loss falls below 0.1 on 16 images', async () => {
    const one = barsDataset([4, 4, 4, 4], 8, 5);
    const model = tinyModel(4);
    const result = await train(model, one, {
      epochs: 40, batchSize: 16, learningRate: 2e-2, schedule: 'constant', validationSplit: 0,
      augment: false, earlyStopping: false, log: null, workers: 1,
    });
    expect(result.steps).toBe(40);
    expect(result.history[0].loss).toBeGreaterThan(1);
    expect(result.history[39].loss).toBeLessThan(0.1);
    expect(result.history[39].acc).toBe(1);
    expect(result.monitor).toBe('loss');
  });

  test('a model that ends in logits (no softmax) is trained with softmax cross-entropy', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [8, 8, 1] }),
        tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      ],
    });
    const result = await train(model, data, { ...busy, epochs: 5, augment: false });
    // Near-zero logits start at about ln(4) = 1.39; treating them as probabilities would give ~8.
    expect(result.history[0].loss).toBeLessThan(2);
    expect(result.history[4].valAcc).toBe(1);
  });

  test('same seed gives the same history; another seed a different one', async () => {
    const run = async (seed: number) => {
      const model = tinyModel(4, 8, 7, 0.3);
      return metrics((await train(model, data, { ...busy, seed })).history);
    };
    const a = await run(3);
    expect(await run(3)).toEqual(a);
    expect(await run(4)).not.toEqual(a);
  });

  test('a NaN loss stops training with an error naming epoch, batch and a lower learning rate', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [8, 8, 1] }),
        tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tfl.initializers.constant({ value: NaN }) }),
      ],
    });
    const err = await train(model, data, { ...busy, epochs: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const diverged = err as TrainingDivergedError;
    expect([diverged.epoch, diverged.batch]).toEqual([1, 1]);
    expect(diverged.message).toMatch(/loss is NaN at epoch 1, batch 1 .*lower learning rate/);
  });

  test('early stopping ends the run after `patience` epochs without improvement', async () => {
    // Learning rate 0: the validation loss can never improve on epoch 1.
    const opts: TrainOptions = { ...busy, epochs: 10, learningRate: 0, schedule: 'constant', earlyStopping: 2 };
    let last: TrainCheckpoint | undefined;
    const result = await train(tinyModel(4), data, { ...opts, onCheckpoint: (c) => void (last = c) });
    expect(result.stoppedEarly).toBe(true);
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(result.bestEpoch).toBe(1);
    // Resuming from the last checkpoint of a stopped run stops again without training more.
    const resumed = await train(tinyModel(4), data, { ...opts, resume: last });
    expect([resumed.stoppedEarly, resumed.history.length, resumed.steps]).toEqual([true, 3, result.steps]);
  });

  test('keep-best restores the weights of the best epoch, not the last', async () => {
    const snapshots: number[][][] = [];
    const model = tinyModel(4);
    // A rate this high makes the validation loss bounce, so the best epoch is not the last one.
    const result = await train(model, data, {
      ...busy, epochs: 6, learningRate: 0.3, schedule: 'constant', augment: false,
      onEpochEnd: () => void snapshots.push(weightsOf(model)),
    });
    expect(result.bestEpoch).toBeLessThan(result.history.length);
    const losses = result.history.map((h) => h.valLoss as number);
    expect(result.bestValue).toBe(Math.min(...losses));
    expect(weightsOf(model)).toEqual(snapshots[result.bestEpoch - 1]);
  });

  test('resuming from a saved checkpoint reproduces the uninterrupted run exactly', async () => {
    const checkpoints: TrainCheckpoint[] = [];
    // Batches of 4: enough Adam steps by epoch 2 (38) for beta^t from pow() to differ from the running product.
    const opts: TrainOptions = { ...busy, batchSize: 4, restoreBest: false };
    const full = await train(tinyModel(4, 8, 7, 0.3), data, {
      ...opts, onCheckpoint: (c) => void checkpoints.push(c),
    });
    expect(checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3, 4]);
    const fullModelWeights = checkpoints[3].weights.map((w) => Array.from(w.values));

    // Round-trip the epoch-2 checkpoint through disk, as the CLI would.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-ckpt-'));
    try {
      saveCheckpoint(path.join(dir, 'ckpt'), checkpoints[1]);
      saveCheckpoint(path.join(dir, 'ckpt'), checkpoints[1]); // overwriting an existing one works
      const loaded = loadCheckpoint(path.join(dir, 'ckpt'));
      expect(loaded.optimizer.length).toBe(checkpoints[1].optimizer.length);

      const model = tinyModel(4, 8, 7, 0.3); // same architecture, fresh weights
      const resumed = await train(model, data, { ...opts, resume: loaded });
      expect(metrics(resumed.history)).toEqual(metrics(full.history));
      expect(resumed.steps).toBe(full.steps);
      expect(weightsOf(model)).toEqual(fullModelWeights);
      // The run's time includes the restored epochs (here marked 1000 s each), not only this call's.
      const slow = { ...loaded, history: loaded.history.map((h) => ({ ...h, seconds: 1000 })) };
      const again = await train(tinyModel(4, 8, 7, 0.3), data, { ...opts, resume: slow });
      expect(again.seconds).toBeGreaterThanOrEqual(2000);
      expect(again.seconds).toBeLessThan(2000 + 120);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('resume refuses a checkpoint from a different run setup', async () => {
    const checkpoints: TrainCheckpoint[] = [];
    await train(tinyModel(4), data, { ...busy, epochs: 1, onCheckpoint: (c) => void checkpoints.push(c) });
    await expect(train(tinyModel(4), data, { ...busy, batchSize: 8, resume: checkpoints[0] }))
      .rejects.toThrow(/batchSize = 16 but this run has 8/);
  });

  test('no tensors leak across epochs or after training', async () => {
    const model = tinyModel(4, 8, 7, 0.3);
    const before = tf.memory().numTensors;
    const perEpoch: number[] = [];
    await train(model, data, { ...busy, onEpochEnd: () => void perEpoch.push(tf.memory().numTensors) });
    // Epoch 1 creates Adam's moment variables; from then on the count must not move.
    expect(new Set(perEpoch.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('limit and maxStepsPerEpoch shorten a run; a model for other classes is refused', async () => {
    const batches: number[] = [];
    const result = await train(tinyModel(4), data, {
      ...busy, epochs: 2, limit: 40, maxStepsPerEpoch: 1, onBatchEnd: (b) => void batches.push(b.step),
    });
    expect([result.trainCount, result.valCount, result.steps]).toEqual([36, 4, 2]);
    expect(batches).toEqual([0, 1]);
    await expect(train(tinyModel(5), data, busy)).rejects.toThrow(/outputs 5 classes but bars has 4/);
  });
});

describe('train on real MNIST (wasm)', () => {
  beforeAll(async () => {
    const { initBackend } = await import('../src/runtime/backend');
    await initBackend({ backend: 'wasm' });
  });
  afterAll(useCpu);

  test('a small dense net reaches > 85% validation accuracy on 3,000 images in 2 epochs', async () => {
    const { loadMnistPart } = await import('../src/data/mnist');
    const mnist = loadMnistPart('train');
    const model = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [28, 28, 1] }),
        tfl.layers.dense({ units: 32, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
        tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    // Default cosine schedule and 10% validation; no augmentation, which a dense net cannot exploit.
    const result = await train(model, mnist, { epochs: 2, limit: 3000, batchSize: 32, learningRate: 3e-3, augment: false, log: null, workers: 1 });
    expect(result.valCount).toBe(300);
    expect(result.history[1].valAcc).toBeGreaterThan(0.85);
  });
});

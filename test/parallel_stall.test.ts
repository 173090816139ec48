/**
 * A data-parallel worker that hangs (blocks forever, rather than dying) must not stall the run:
 * the step fails within the exchange timeout naming that worker, the training loop checkpoints the
 * state before the stalled step, and a run resumed from it ends where an unstalled run ends.
 * The hang is the worker's test hook HWR_TEST_HANG_WORKER=<replica>:<step> (an Atomics.wait that
 * nobody wakes). Needs the compiled worker (dist/), which `npm ci`/`npm run build` produce.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCheckpoint, saveCheckpoint } from '../src/train/checkpoint';
import { TrainOptions, TrainingStalledError, train } from '../src/train/train';
import { ExchangeTimeoutError, createDataParallelTrainer } from '../src/parallel/data_parallel';
import { barsDataset, metrics, tinyModel, useCpu, weightsOf } from './train_fixtures';
import * as tf from '@tensorflow/tfjs-core';

beforeAll(useCpu);

const data = barsDataset([30, 12, 24, 16]);
const base: TrainOptions = {
  epochs: 2, batchSize: 16, learningRate: 1e-2, seed: 5, balance: true, log: null,
  augment: false, earlyStopping: false, restoreBest: false, workers: 2,
};

/** Runs `fn` with the hang hook set for the workers it creates. */
async function withHang<T>(spec: string, fn: () => Promise<T>): Promise<T> {
  process.env.HWR_TEST_HANG_WORKER = spec;
  try {
    return await fn();
  } finally {
    delete process.env.HWR_TEST_HANG_WORKER;
  }
}

test('the engine: a hung worker fails the step within the timeout, named; the survivor still answers', async () => {
  const xs = tf.randomUniform([8, 8, 8, 1], 0, 1, 'float32', 1);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
  const model = tinyModel(4);
  const trainer = await withHang('1:1', () => createDataParallelTrainer(model, { workers: 2, backend: 'cpu', optimizer: tf.train.sgd(0.1), exchangeTimeoutMs: 300 }));
  try {
    expect(Number.isFinite(await trainer.trainOnBatch(xs, ys))).toBe(true); // step 0: both answer
    const started = Date.now();
    const err = await trainer.trainOnBatch(xs, ys).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeTimeoutError);
    expect(err).toMatchObject({ workers: [1], reachedByAll: false, timeoutMs: 300 });
    expect((err as Error).message).toMatch(/worker 1 did not reach a step's gradient exchange within 300 ms/);
    expect((err as Error).message).toMatch(/--workers 1/);
    expect(Date.now() - started).toBeLessThan(8000);
    // The surviving replica holds the weights after step 0; a later step is refused, not hung.
    await trainer.copyWeightsTo(model);
    await expect(trainer.trainOnBatch(xs, ys)).rejects.toThrow(/stopped after a stalled step/);
  } finally {
    await trainer.dispose();
    tf.dispose([xs, ys]);
  }
});

test('the loop: stops with an error naming the worker, writes the checkpoint, and a resume ends like a clean run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-stall-'));
  try {
    const cleanModel = tinyModel(4);
    const clean = await train(cleanModel, data, base);

    // 5 steps an epoch: worker 1 hangs on step 7 (epoch 2, batch 3).
    const started = Date.now();
    const err = await withHang('1:7', () => train(tinyModel(4), data, {
      ...base, exchangeTimeoutMs: 300, onCheckpoint: (c) => saveCheckpoint(dir, c),
    })).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(15000);
    expect(err).toBeInstanceOf(TrainingStalledError);
    expect(err).toMatchObject({ epoch: 2, batch: 2, step: 7, workers: [1], checkpointed: true });
    expect((err as Error).message).toMatch(/worker 1 did not reach/);
    expect((err as Error).message).toMatch(/checkpoint of the state before this step was written/);

    const saved = loadCheckpoint(dir);
    expect(saved).toMatchObject({ epoch: 1, step: 7, position: { batch: 2 } });
    expect(saved.replicas.length).toBe(2);
    const resumedModel = tinyModel(4);
    const resumed = await train(resumedModel, data, { ...base, resume: saved });
    expect(metrics(resumed.history)).toEqual(metrics(clean.history));
    expect(weightsOf(resumedModel)).toEqual(weightsOf(cleanModel));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without onCheckpoint the error says no checkpoint was written', async () => {
  const err = await withHang('0:2', () => train(tinyModel(4), data, { ...base, epochs: 1, exchangeTimeoutMs: 300 })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TrainingStalledError);
  expect(err).toMatchObject({ workers: [0], checkpointed: false });
  expect((err as Error).message).toMatch(/No checkpoint was written \(no onCheckpoint was given\)/);
});

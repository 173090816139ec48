/**
 * The training loop on several workers, and stopping it: data-parallel steps equal single-process
 * steps where nothing random differs; a seed gives the same run for the same worker count; an
 * interrupted run resumed from its checkpoint ends with the same weights as an uninterrupted one,
 * on one worker and on two (with batch norm and dropout, whose state is per replica).
 * Needs the compiled worker (dist/), which `npm ci`/`npm run build` produce.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tfl from '@tensorflow/tfjs-layers';
import { TrainCheckpoint, loadCheckpoint, saveCheckpoint } from '../src/train/checkpoint';
import { TrainOptions, TrainingInterruptedError, resolveWorkers, train } from '../src/train/train';
import { availableCores } from '../src/parallel/data_parallel';
import { barsDataset, metrics, tinyModel, useCpu, weightsOf } from './train_fixtures';

beforeAll(useCpu);

const data = barsDataset([30, 12, 24, 16]);
const base: TrainOptions = {
  epochs: 3, batchSize: 16, learningRate: 1e-2, seed: 5, balance: true, log: null,
  augment: { rotation: 5, shift: 0.5, scale: 0.05 }, earlyStopping: false, restoreBest: false,
};

/** A conv net with batch norm and dropout: state that differs between replicas. */
function bnModel(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, useBias: false, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.3 }),
      tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
}

test("'auto' means one worker per core on wasm and cpu", () => {
  expect(resolveWorkers('auto')).toBe(availableCores());
  expect(resolveWorkers(undefined)).toBe(availableCores());
  expect(resolveWorkers(3)).toBe(3);
  expect(() => resolveWorkers(0)).toThrow(/workers must be a whole number >= 1/);
});

test('2 workers train like 1 when nothing random differs (no dropout, no batch norm)', async () => {
  const one = await train(tinyModel(4), data, { ...base, workers: 1 });
  const twoModel = tinyModel(4);
  const two = await train(twoModel, data, { ...base, workers: 2 });
  expect(two.workers).toBe(2);
  one.history.forEach((h, i) => {
    expect(Math.abs(two.history[i].loss - h.loss)).toBeLessThan(1e-4);
    expect(Math.abs((two.history[i].valLoss as number) - (h.valLoss as number))).toBeLessThan(1e-4);
    expect(two.history[i].acc).toBeCloseTo(h.acc as number, 5);
  });
});

test('the same seed and worker count give the same run; with batch norm and dropout', async () => {
  const run = async () => metrics((await train(bnModel(), data, { ...base, workers: 2 })).history);
  const a = await run();
  expect(await run()).toEqual(a);
});

describe.each([1, 2])('interrupted with %i worker(s)', (workers) => {
  test('stops after the current step, checkpoints, and a resume ends with the same weights', async () => {
    const opts: TrainOptions = { ...base, workers };
    const fullModel = bnModel();
    const full = await train(fullModel, data, opts);

    // Abort after step 6, in the middle of epoch 2 (5 steps an epoch).
    const controller = new AbortController();
    let saved: TrainCheckpoint | undefined;
    const err = await train(bnModel(), data, {
      ...opts, signal: controller.signal,
      onBatchEnd: (b) => { if (b.step === 6) controller.abort(); },
      onCheckpoint: (c) => void (saved = c),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingInterruptedError);
    expect(err).toMatchObject({ epoch: 2, batch: 2, step: 7, checkpointed: true });
    expect(saved).toMatchObject({ epoch: 1, step: 7, position: { batch: 2 } });
    expect(saved!.replicas.length).toBe(workers === 1 ? 0 : 2);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-int-'));
    try {
      saveCheckpoint(dir + '/ckpt', saved!);
      const resumedModel = bnModel();
      const resumed = await train(resumedModel, data, { ...opts, resume: loadCheckpoint(dir + '/ckpt') });
      expect(metrics(resumed.history)).toEqual(metrics(full.history));
      expect(weightsOf(resumedModel)).toEqual(weightsOf(fullModel));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('a checkpoint from 2 workers is refused by a run with 1', async () => {
  let saved: TrainCheckpoint | undefined;
  await train(tinyModel(4), data, { ...base, epochs: 1, workers: 2, onCheckpoint: (c) => void (saved = c) });
  await expect(train(tinyModel(4), data, { ...base, workers: 1, resume: saved })).rejects.toThrow(/workers = 2 but this run has 1/);
});

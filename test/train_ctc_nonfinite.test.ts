/**
 * A CTC run whose logits turn to NaN must not look like a falling loss: the loop counts the lines
 * the loss skipped (infeasible apart from non-finite) in each epoch's `ctcSkipped`, stops with
 * TrainingDivergedError when a whole batch is non-finite (or the weights are no longer finite),
 * and leaves the last checkpoint as it was. A hand-made task of float inputs, into which NaN rows
 * are put on purpose, on a tiny model whose logits are a dense layer over 8 frames.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tfl from '@tensorflow/tfjs-layers';
import { HostBatch } from '../src/engine/host_batch';
import { TrainTask } from '../src/train/task';
import { loadCheckpoint, saveCheckpoint } from '../src/train/checkpoint';
import { EpochLogs } from '../src/train/logs';
import { TrainOptions, TrainingDivergedError, train } from '../src/train/train';
import { createRng, deriveSeed } from '../src/util/rng';
import { useCpu } from './train_fixtures';

beforeAll(useCpu);

const FRAMES = 8;
const CLASSES = 4; // 3 characters + the blank (3)

/** [4, 8, 1] images -> logits [8 frames, 4 classes]: one dense layer over each column. */
function frameModel(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.permute({ inputShape: [4, FRAMES, 1], dims: [2, 1, 3] }),
      tfl.layers.reshape({ targetShape: [FRAMES, 4] }),
      tfl.layers.dense({ units: CLASSES, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
}

/** Rows of a batch to spoil: NaN pixels (`nan`) or too few frames for the label (`short`). */
type Spoil = (epoch: number, batch: number) => { nan?: number[]; short?: number[] };

/** 8 lines an epoch of random pixels and 2-character labels; rows spoiled as `spoil` says. */
function ctcTask(spoil: Spoil): TrainTask {
  return {
    name: 'ctc-fixture', loss: { kind: 'ctc', blank: CLASSES - 1 }, trainCount: 8, valCount: 0, fingerprint: { fixture: 1 },
    stepsPerEpoch: (batchSize) => Math.ceil(8 / batchSize),
    trainBatch(epoch, index, batchSize): HostBatch {
      const rng = createRng(deriveSeed(9, epoch, index));
      const n = batchSize;
      const x = Float32Array.from({ length: n * 4 * FRAMES }, () => rng.next()); // [n, 4, 8, 1]
      const labels = Int32Array.from({ length: n * 2 }, (_, i) => (i + index) % 3); // [n, 2]: never a repeat
      const frames = new Int32Array(n).fill(FRAMES);
      const { nan = [], short = [] } = spoil(epoch, index);
      for (const r of nan) x.fill(NaN, r * 4 * FRAMES, (r + 1) * 4 * FRAMES);
      for (const r of short) frames[r] = 1; // a 2-character label needs 2 frames
      return {
        x: { data: x, shape: [n, 4, FRAMES, 1] },
        targets: [{ data: labels, shape: [n, 2] }, { data: new Int32Array(n).fill(2), shape: [n] }, { data: frames, shape: [n] }],
        transforms: null,
      };
    },
    *valBatches() {},
  };
}

const base: TrainOptions = { epochs: 3, batchSize: 4, learningRate: 1e-2, seed: 1, log: null, earlyStopping: false, restoreBest: false, workers: 1 };

test('skipped lines are counted per epoch, infeasible apart from non-finite', async () => {
  const task = ctcTask((epoch, batch) => (epoch === 2 && batch === 1 ? { short: [0, 3] } : epoch === 3 ? { short: [2] } : {}));
  const result = await train(frameModel(), task, base);
  expect(result.history.map((h) => h.ctcSkipped)).toEqual([
    { infeasible: 0, nonFinite: 0 }, { infeasible: 2, nonFinite: 0 }, { infeasible: 2, nonFinite: 0 },
  ]);
  expect(result.ctcSkipped).toEqual({ infeasible: 4, nonFinite: 0 });
});

describe.each([1, 2])('with %i worker(s)', (workers) => {
  test('a batch of nothing but NaN logits stops the run as diverged; the last checkpoint is kept', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-ctc-nan-'));
    try {
      const epochs: EpochLogs[] = [];
      // Epoch 2, batch 2: one line too short, the other three NaN: nothing left to train on.
      const task = ctcTask((epoch, batch) => (epoch === 2 && batch === 1 ? { nan: [0, 1, 2], short: [3] } : {}));
      const err = await train(frameModel(), task, {
        ...base, workers, onEpochEnd: (l) => void epochs.push(l), onCheckpoint: (c) => saveCheckpoint(dir, c),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TrainingDivergedError);
      expect(err).toMatchObject({ epoch: 2, batch: 2 });
      expect((err as Error).message).toMatch(/loss is NaN at epoch 2, batch 2 \(every line of the batch of 4 had a non-finite CTC loss/);
      expect((err as Error).message).toMatch(/last checkpoint written, if any, is kept.*lower learning rate/);
      expect(epochs.map((e) => e.epoch)).toEqual([1]);
      const kept = loadCheckpoint(dir);
      expect(kept.epoch).toBe(1);
      expect(kept.weights.every((w) => w.values.every(Number.isFinite))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('one NaN line in the last batch of an epoch: the NaN weights it leaves are not checkpointed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-ctc-nan-'));
  try {
    const task = ctcTask((epoch, batch) => (epoch === 2 && batch === 1 ? { nan: [2] } : {}));
    const err = await train(frameModel(), task, { ...base, onCheckpoint: (c) => saveCheckpoint(dir, c) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as Error).message).toMatch(/weights are no longer finite after the epoch, in which 1 training line\(s\) had a non-finite CTC loss/);
    expect(loadCheckpoint(dir).epoch).toBe(1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

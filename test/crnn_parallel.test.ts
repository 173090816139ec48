/**
 * The CTC loss through data-parallel workers: a crnn trained on 2 worker threads follows the same
 * run as on 1 when nothing random differs (no dropout), including the validation CER; and a run
 * interrupted mid-epoch and resumed ends like the uninterrupted one (to float32 rounding). Needs the compiled worker
 * (dist/), which `npm ci`/`npm run build` produce.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import { crnn } from '../src/models/crnn';
import { linesTask } from '../src/lines/task';
import { TrainCheckpoint } from '../src/train/checkpoint';
import { snapshotWeights } from '../src/engine/weights';
import { TrainOptions, TrainingInterruptedError, train } from '../src/train/train';
import { glyphLines } from './lines_task_fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const trainLines = glyphLines('train');
const valLines = glyphLines('val');
const task = () => linesTask({ train: trainLines, val: valLines, linesPerEpoch: 48, valLines: 16, bucketBatches: 2 });
const model = () => crnn({ numClasses: trainLines.charset.length + 1, blocks: [[4], [8]], features: 16, headUnits: 16, headLayers: 1, seed: 4 });
const opts: TrainOptions = { epochs: 2, batchSize: 16, learningRate: 0.01, log: null, earlyStopping: false, restoreBest: false, monitor: 'valCer' };
const weightsOf = (m: tfl.LayersModel) => snapshotWeights(m).map((w) => Array.from(w.values));

test('2 workers train a crnn with CTC like 1 worker (losses, validation CER)', async () => {
  const one = await train(model(), task(), { ...opts, workers: 1 });
  const two = await train(model(), task(), { ...opts, workers: 2 });
  expect(two.workers).toBe(2);
  one.history.forEach((h, i) => {
    const t = two.history[i];
    expect(Number.isFinite(h.loss) && h.loss > 0).toBe(true);
    expect(Math.abs(t.loss - h.loss) / h.loss).toBeLessThan(1e-4);
    expect(Math.abs((t.valLoss as number) - (h.valLoss as number)) / (h.valLoss as number)).toBeLessThan(1e-4);
    expect(t.valCer).toBeCloseTo(h.valCer as number, 6);
  });
  // The loss fell: the workers' gradients were applied.
  expect(one.history[1].loss).toBeLessThan(one.history[0].loss);
});

test('a CTC run on 2 workers interrupted mid-epoch and resumed ends with the same weights', async () => {
  const fullModel = model();
  const full = await train(fullModel, task(), { ...opts, workers: 2 });
  const controller = new AbortController();
  let saved: TrainCheckpoint | undefined;
  const err = await train(model(), task(), {
    ...opts, workers: 2, signal: controller.signal,
    onBatchEnd: (b) => { if (b.step === 3) controller.abort(); },
    onCheckpoint: (c) => void (saved = c),
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TrainingInterruptedError);
  expect(saved).toMatchObject({ epoch: 1, position: { batch: 1 } });
  const resumedModel = model();
  const resumed = await train(resumedModel, task(), { ...opts, workers: 2, resume: saved });
  // Equal up to float32 rounding: on a loaded machine a resumed epoch's loss was seen 1 ulp off
  // (2 runs in 4, never when run alone); see the note in the lines report.
  resumed.history.forEach((h, i) => {
    expect(Math.abs(h.loss - full.history[i].loss) / full.history[i].loss).toBeLessThan(1e-6);
    expect(h.valCer).toBe(full.history[i].valCer);
  });
  const a = weightsOf(resumedModel).flat();
  const b = weightsOf(fullModel).flat();
  expect(a.length).toBe(b.length);
  expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-5);
});

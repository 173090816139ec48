import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Dataset } from '../data/dataset';
import { imageBatch } from '../data/batch';
import { AugmentOptions, DEFAULT_AUGMENT, augmentBatch } from './augment';
import {
  RunFingerprint, TrainCheckpoint, WeightArray,
  restoreOptimizer, restoreWeights, snapshotOptimizer, snapshotWeights,
} from './checkpoint';
import { BatchLogs, EpochLogs } from './logs';
import { Progress, ProgressStream, createProgress } from './progress';
import { Rng, createRng, deriveSeed, permutation } from './rng';
import { balancedOrder, shuffledOrder } from './sampler';
import { ScheduleOptions, learningRateAt } from './schedule';

/** Which number decides "best epoch" and early stopping. */
export type Monitor = 'valLoss' | 'valAcc' | 'loss' | 'acc';

/** Options of `train`; every field has a default. */
export interface TrainOptions {
  /** Planned epochs (default 10); the learning-rate schedule spans all of them. */
  epochs?: number;
  /** Images per optimizer step (default 128). */
  batchSize?: number;
  /** Peak learning rate of Adam (default 1e-3). */
  learningRate?: number;
  /** Learning-rate schedule, or just its kind (default 'cosine' with 5% linear warm-up). */
  schedule?: ScheduleOptions | NonNullable<ScheduleOptions['kind']>;
  /** Seeds the validation split, sample order, augmentation and dropout (default 42). */
  seed?: number;
  /** Fraction of `trainSet` held out for validation, chosen by a seeded permutation (default 0.1). */
  validationSplit?: number;
  /** An explicit validation set; when given, `validationSplit` is ignored and all of trainSet trains. */
  validation?: Dataset;
  /** Random rotation/shift/scale of training images (default DEFAULT_AUGMENT: 10 deg, 2 px, 10%); false to switch off. */
  augment?: false | AugmentOptions;
  /** Class-balanced sampling for unbalanced sets like EMNIST dev47 (default false; see sampler.ts). */
  balance?: boolean;
  /** Metric for the best epoch and early stopping (default 'valLoss', or 'loss' without validation). */
  monitor?: Monitor;
  /** Stop after this many epochs without improvement of `monitor` (default 5); false never stops early. */
  earlyStopping?: number | false;
  /** Put the best epoch's weights back into the model at the end (default true). */
  restoreBest?: boolean;
  /** Cap on steps per epoch, for quick runs and --dry-run (default: a full pass). */
  maxStepsPerEpoch?: number;
  /** Use at most this many images of trainSet (a seeded random subset) and of the validation set. */
  limit?: number;
  /** Batch size for validation (inference only, so it can be larger; default 512). */
  evalBatchSize?: number;
  /** What the model's last layer emits; default: 'probabilities' when it ends in softmax, else 'logits'. */
  outputs?: 'probabilities' | 'logits';
  /** Continue from a checkpoint written by an earlier run (same model architecture, data and seed). */
  resume?: TrainCheckpoint;
  /** Called after every optimizer step. */
  onBatchEnd?: (logs: BatchLogs) => void | Promise<void>;
  /** Called after every epoch's validation, e.g. to draw live curves in a notebook. */
  onEpochEnd?: (logs: EpochLogs) => void | Promise<void>;
  /** Called after every epoch with the full training state, e.g. to `saveCheckpoint` it. */
  onCheckpoint?: (ckpt: TrainCheckpoint) => void | Promise<void>;
  /** Where progress is printed (default process.stderr); null for silence. */
  log?: ProgressStream | null;
  /** Plain-text progress (not a TTY): a line every this many batches (default about 5 an epoch). */
  logEvery?: number;
}

/** What `train` returns. */
export interface TrainResult {
  /** One row per completed epoch, including epochs restored from a resumed checkpoint. */
  history: EpochLogs[];
  /** 1-based epoch whose weights are in the model (if restoreBest), and its `monitor` value. */
  bestEpoch: number;
  bestValue: number;
  monitor: Monitor;
  /** True when early stopping ended the run before the planned epochs. */
  stoppedEarly: boolean;
  /** Optimizer steps over the whole run, including resumed ones. */
  steps: number;
  /** Wall-clock seconds of this call and its mean training throughput. */
  seconds: number;
  imagesPerSec: number;
  trainCount: number;
  valCount: number;
}

/** Thrown when the loss stops being a finite number, so garbage weights are never saved. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly epoch: number,
    /** 1-based batch of the epoch; for phase 'validation', the epoch's last batch. */
    readonly batch: number,
    readonly step: number,
    readonly lossValue: number,
    readonly learningRate: number,
    readonly phase: 'training' | 'validation' = 'training',
  ) {
    super(
      `Training diverged: ${phase === 'validation' ? `validation loss is ${lossValue} after epoch ${epoch}`
        : `loss is ${lossValue} at epoch ${epoch}, batch ${batch}`} (step ${step}, ` +
        `learning rate ${learningRate.toExponential(2)}). The model's weights are now unusable and were ` +
        `not saved; retry with a lower learning rate (e.g. ${(learningRate / 3).toExponential(1)}) ` +
        'or check the training data for bad values.',
    );
    this.name = 'TrainingDivergedError';
  }
}

/** A set of images to batch from: a dataset and which of its indices belong to the set. */
interface Subset {
  ds: Dataset;
  indices: Int32Array;
}

/**
 * Trains `model` on `trainSet` with Adam in one explicit loop: per epoch a seeded (optionally
 * class-balanced) order, per batch uint8 -> float conversion, augmentation, a gradient step at the
 * scheduled learning rate; then validation in inference mode, keep-best, early stopping and an
 * optional checkpoint. Same seed, data and backend give the same history.
 */
export async function train(model: tfl.LayersModel, trainSet: Dataset, opts: TrainOptions = {}): Promise<TrainResult> {
  const {
    epochs = 10, batchSize = 128, learningRate = 1e-3, seed = 42, validationSplit = 0.1,
    balance = false, earlyStopping = 5, restoreBest = true, evalBatchSize = 512,
  } = opts;
  const augment = opts.augment === undefined ? DEFAULT_AUGMENT : opts.augment;
  const schedule: ScheduleOptions = typeof opts.schedule === 'string' ? { kind: opts.schedule } : opts.schedule ?? {};
  const numClasses = checkModelFits(model, trainSet);
  const outputs = opts.outputs ?? (endsInSoftmax(model) ? 'probabilities' : 'logits');

  const { train: trainData, val } = splitData(trainSet, opts.validation, validationSplit, seed, opts.limit);
  if (trainData.indices.length === 0) throw new Error(`No training images left in ${trainSet.name} after the validation split.`);
  const monitor: Monitor = opts.monitor ?? (val ? 'valLoss' : 'loss');
  if (!val && monitor.startsWith('val')) {
    throw new Error(`monitor '${monitor}' needs validation data: set validationSplit > 0 or pass a validation set.`);
  }
  const higherIsBetter = monitor === 'acc' || monitor === 'valAcc';
  const fullSteps = Math.ceil(trainData.indices.length / batchSize);
  const stepsPerEpoch = Math.min(fullSteps, opts.maxStepsPerEpoch ?? fullSteps);
  const fingerprint: RunFingerprint = {
    seed, trainCount: trainData.indices.length, valCount: val ? val.indices.length : 0, batchSize, balance, numClasses,
  };

  const optimizer = tf.train.adam(learningRate);
  const progress: Progress | null = opts.log === null ? null
    : createProgress({ stream: opts.log ?? process.stderr, epochs, every: opts.logEvery });
  const dropouts = dropoutLayers(model);
  const originalSeeds = dropouts.map((l) => l.seed);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);

  let history: EpochLogs[] = [];
  let best: { epoch: number; value: number; weights: WeightArray[] | null } = {
    epoch: 0, value: higherIsBetter ? -Infinity : Infinity, weights: null,
  };
  let step = 0;
  if (opts.resume) {
    const ckpt = opts.resume;
    checkFingerprint(ckpt.fingerprint, fingerprint);
    restoreWeights(model, ckpt.weights);
    await restoreOptimizer(optimizer, ckpt.optimizer, ckpt.betaPowers);
    history = ckpt.history.slice();
    best = { epoch: ckpt.best.epoch, value: ckpt.best.value ?? best.value, weights: ckpt.best.weights };
    step = ckpt.step;
    progress?.message(`resuming after epoch ${ckpt.epoch} (step ${step})`);
  }

  const started = Date.now();
  let imagesThisRun = 0;
  let trainMsThisRun = 0;
  let stoppedEarly = false;
  try {
    for (let epoch = history.length + 1; epoch <= epochs; epoch++) {
      // Checked before each epoch rather than after, so a run resumed from the checkpoint of an
      // epoch that ended in early stopping stops too, exactly like the uninterrupted run.
      if (earlyStopping !== false && epoch - 1 - best.epoch >= earlyStopping) {
        stoppedEarly = true;
        progress?.message(
          `early stopping: ${monitor} has not improved for ${earlyStopping} epochs ` +
            `(best ${best.value.toFixed(4)} at epoch ${best.epoch})`,
        );
        break;
      }
      const epochStart = Date.now();
      const orderRng = createRng(deriveSeed(seed, 'order', epoch));
      const order = balance
        ? balancedOrder(trainData.indices, trainSet.labels, orderRng)
        : shuffledOrder(trainData.indices, orderRng);
      const augRng = createRng(deriveSeed(seed, 'augment', epoch));
      let sumLoss = 0;
      let sumCorrect = 0;
      let seen = 0;
      let lr = learningRate;
      for (let b = 0; b < stepsPerEpoch; b++, step++) {
        lr = learningRateAt(step, learningRate, epochs, stepsPerEpoch, schedule);
        setLearningRate(optimizer, lr);
        dropouts.forEach((layer, i) => {
          layer.seed = deriveSeed(seed, 'dropout', step, i) || 1;
        });
        const idx = order.subarray(b * batchSize, Math.min(order.length, (b + 1) * batchSize));
        const { loss, correct } = trainStep(model, optimizer, variables, trainSet, idx, numClasses, outputs,
          augment === false ? null : { rng: augRng, opts: augment });
        if (!Number.isFinite(loss)) throw new TrainingDivergedError(epoch, b + 1, step, loss, lr);
        sumLoss += loss * idx.length;
        sumCorrect += correct;
        seen += idx.length;
        const elapsed = (Date.now() - epochStart) / 1000;
        const imagesPerSec = seen / Math.max(elapsed, 1e-3);
        const logs: BatchLogs = {
          epoch, batch: b + 1, batches: stepsPerEpoch, step, loss, acc: correct / idx.length,
          meanLoss: sumLoss / seen, meanAcc: sumCorrect / seen, lr, imagesPerSec,
          etaSeconds: (elapsed / (b + 1)) * (stepsPerEpoch - b - 1),
        };
        progress?.batch(logs);
        await opts.onBatchEnd?.(logs);
      }
      const trainMs = Date.now() - epochStart;
      imagesThisRun += seen;
      trainMsThisRun += trainMs;

      const v = val ? evaluateSubset(model, val, numClasses, outputs, evalBatchSize) : null;
      if (v && !Number.isFinite(v.loss)) throw new TrainingDivergedError(epoch, stepsPerEpoch, step - 1, v.loss, lr, 'validation');
      const logs: EpochLogs = {
        epoch, loss: sumLoss / seen, acc: sumCorrect / seen, valLoss: v ? v.loss : null, valAcc: v ? v.acc : null,
        lr, seconds: (Date.now() - epochStart) / 1000, imagesPerSec: seen / Math.max(trainMs / 1000, 1e-3),
      };
      history.push(logs);
      const value = logs[monitor] as number;
      const isBest = higherIsBetter ? value > best.value : value < best.value;
      if (isBest) best = { epoch, value, weights: restoreBest || opts.onCheckpoint ? snapshotWeights(model) : null };
      progress?.epoch(logs, isBest);
      await opts.onEpochEnd?.(logs);
      if (opts.onCheckpoint) {
        const state = await snapshotOptimizer(optimizer);
        await opts.onCheckpoint({
          format: 'hwr-train-checkpoint', version: 1, epoch, step, fingerprint,
          weights: snapshotWeights(model), optimizer: state.arrays, betaPowers: state.betaPowers,
          best: { ...best }, history: history.slice(),
        });
      }
    }
    if (restoreBest && best.weights && best.epoch !== history.length) {
      restoreWeights(model, best.weights);
      progress?.message(`restored the weights of epoch ${best.epoch} (best ${monitor} ${best.value.toFixed(4)})`);
    }
  } finally {
    progress?.end();
    // Leave the model as the factory built it: a fixed per-step seed must not end up in saved configs.
    dropouts.forEach((layer, i) => {
      layer.seed = originalSeeds[i];
    });
    optimizer.dispose();
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    history, bestEpoch: best.epoch, bestValue: best.value, monitor, stoppedEarly, steps: step, seconds,
    imagesPerSec: imagesThisRun / Math.max(trainMsThisRun / 1000, 1e-3),
    trainCount: trainData.indices.length, valCount: val ? val.indices.length : 0,
  };
}

/** One optimizer step on the images at `idx`; returns the batch's mean loss and correct count. */
function trainStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  ds: Dataset,
  idx: Int32Array,
  numClasses: number,
  outputs: 'probabilities' | 'logits',
  augment: { rng: Rng; opts: AugmentOptions } | null,
): { loss: number; correct: number } {
  let correct: tf.Tensor | undefined;
  const loss = tf.tidy(() => {
    const raw = imageBatch(ds, idx); // [batch, h, w, 1] in 0..1
    const x = augment ? augmentBatch(raw, augment.rng, augment.opts) : raw;
    const labels = labelTensor(ds, idx);
    const y = tf.cast(tf.oneHot(labels, numClasses), 'float32'); // [batch, classes]
    return optimizer.minimize(() => {
      const out = model.apply(x, { training: true }) as tf.Tensor2D; // [batch, classes]
      // Kept outside minimize's scope so accuracy comes from the same forward pass as the loss.
      correct = tf.keep(countCorrect(out, labels));
      let total: tf.Scalar = tf.mean(crossEntropy(y, out, outputs));
      for (const reg of model.calculateLosses()) total = tf.add(total, reg);
      return total;
    }, true, variables) as tf.Scalar;
  });
  const result = { loss: loss.dataSync()[0], correct: correct!.dataSync()[0] };
  tf.dispose([loss, correct!]);
  return result;
}

/** Mean loss and accuracy over a subset, in batches, in inference mode (dropout off, batch-norm frozen). */
function evaluateSubset(
  model: tfl.LayersModel, data: Subset, numClasses: number, outputs: 'probabilities' | 'logits', batchSize: number,
): { loss: number; acc: number } {
  let sumLoss = 0;
  let sumCorrect = 0;
  const n = data.indices.length;
  for (let start = 0; start < n; start += batchSize) {
    const idx = data.indices.subarray(start, Math.min(n, start + batchSize));
    const [l, c] = tf.tidy(() => {
      const out = model.apply(imageBatch(data.ds, idx), { training: false }) as tf.Tensor2D;
      const labels = labelTensor(data.ds, idx);
      const y = tf.cast(tf.oneHot(labels, numClasses), 'float32');
      return [tf.sum(crossEntropy(y, out, outputs)), countCorrect(out, labels)];
    });
    sumLoss += l.dataSync()[0];
    sumCorrect += c.dataSync()[0];
    tf.dispose([l, c]);
  }
  return { loss: sumLoss / n, acc: sumCorrect / n };
}

/** Per-example cross-entropy [batch] from one-hot targets y [batch, classes] and the model output. */
function crossEntropy(y: tf.Tensor, out: tf.Tensor, outputs: 'probabilities' | 'logits'): tf.Tensor1D {
  // Clipping keeps log() finite for a confident wrong softmax, as Keras' categoricalCrossentropy does.
  const logP = outputs === 'logits' ? tf.logSoftmax(out) : tf.log(tf.clipByValue(out, 1e-7, 1 - 1e-7));
  return tf.neg(tf.sum(tf.mul(y, logP), -1)) as tf.Tensor1D;
}

/** Number of rows whose arg-max equals the label, as a scalar. */
function countCorrect(out: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), labels), 'float32'));
}

function labelTensor(ds: Dataset, idx: Int32Array): tf.Tensor1D {
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) labels[i] = ds.labels[idx[i]];
  return tf.tensor1d(labels, 'int32');
}

/** Splits off validation: an explicit set, or a seeded random `fraction` of trainSet; applies `limit`. */
function splitData(
  trainSet: Dataset, validation: Dataset | undefined, fraction: number, seed: number, limit: number | undefined,
): { train: Subset; val: Subset | null } {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`validationSplit must be in [0, 1), got ${fraction}.`);
  const all = permutation(trainSet.count, createRng(deriveSeed(seed, 'split')));
  const pool = limit !== undefined && limit < all.length ? all.subarray(0, limit) : all;
  if (validation) {
    const n = limit !== undefined ? Math.min(limit, validation.count) : validation.count;
    const valIdx = permutation(validation.count, createRng(deriveSeed(seed, 'val-limit'))).subarray(0, n);
    return { train: { ds: trainSet, indices: pool }, val: n > 0 ? { ds: validation, indices: valIdx } : null };
  }
  const nVal = Math.round(pool.length * fraction);
  // Sorted so validation batches read the pixel buffer in order; the training order is shuffled per epoch anyway.
  const val = nVal > 0 ? { ds: trainSet, indices: pool.slice(0, nVal).sort() } : null;
  return { train: { ds: trainSet, indices: pool.slice(nVal) }, val };
}

/** Checks the model's input and output shapes against the dataset; returns the number of classes. */
function checkModelFits(model: tfl.LayersModel, ds: Dataset): number {
  const inShape = model.inputs[0].shape; // [null, h, w, 1]
  if (inShape[1] !== ds.height || inShape[2] !== ds.width) {
    throw new Error(`Model expects ${inShape[1]}x${inShape[2]} images but ${ds.name} has ${ds.height}x${ds.width}.`);
  }
  const outShape = model.outputs[0].shape;
  const numClasses = outShape[outShape.length - 1] as number;
  if (numClasses !== ds.classes.length) {
    throw new Error(
      `Model outputs ${numClasses} classes but ${ds.name} has ${ds.classes.length}: ` +
        `build the model with numClasses: ${ds.classes.length}.`,
    );
  }
  return numClasses;
}

function endsInSoftmax(model: tfl.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  return last.getConfig().activation === 'softmax';
}

/** Dropout layers (including those of nested models), whose seeds the loop sets per step. */
function dropoutLayers(model: tfl.LayersModel): Array<tfl.layers.Layer & { seed?: number }> {
  const found: Array<tfl.layers.Layer & { seed?: number }> = [];
  const visit = (layers: tfl.layers.Layer[]) => {
    for (const layer of layers) {
      const nested = (layer as unknown as { layers?: tfl.layers.Layer[] }).layers;
      if (Array.isArray(nested)) visit(nested);
      else if (['Dropout', 'SpatialDropout1D'].includes(layer.getClassName())) found.push(layer as tfl.layers.Layer & { seed?: number });
    }
  };
  visit(model.layers);
  return found;
}

/** Adam reads its learningRate field on every step; the field is protected in the typings only. */
function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

function checkFingerprint(saved: RunFingerprint, current: RunFingerprint): void {
  for (const key of Object.keys(current) as Array<keyof RunFingerprint>) {
    if (saved[key] !== current[key]) {
      throw new Error(
        `Cannot resume: the checkpoint was written with ${key} = ${String(saved[key])} but this run has ` +
          `${String(current[key])}. Resume with the same seed, data, validation split, batch size and balance.`,
      );
    }
  }
}

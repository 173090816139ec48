import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Dataset } from '../data/dataset';
import { ExchangeTimeoutError, createParallelEngine, availableCores } from '../parallel/data_parallel';
import { EpochPosition, RunFingerprint, TrainCheckpoint } from './checkpoint';
import { WeightArray, restoreWeights, snapshotWeights } from '../engine/weights';
import { TrainingEngine, createLocalEngine } from '../engine/engine';
import { HostBatch, batchInputs, batchTargets } from '../engine/host_batch';
import { BatchLogs, EpochLogs } from './logs';
import { computeLoss } from '../engine/losses';
import { Progress, ProgressStream, createProgress } from './progress';
import { dropoutLayers } from '../engine/replica';
import { deriveSeed } from '../util/rng';
import { CtcSkipped, addCtcSkipped } from '../ctc/loss';
import { ScheduleOptions, learningRateAt } from './schedule';
import { ClassificationTaskOptions, TrainTask, classificationTask } from './task';

/** Which number decides "best epoch" and early stopping. */
export type Monitor = 'valLoss' | 'valAcc' | 'valCer' | 'loss' | 'acc';

/** Options of `train`; every field has a default. The data options apply when training on a Dataset. */
export interface TrainOptions extends Omit<ClassificationTaskOptions, 'outputs'> {
  /** Planned epochs (default 10); the learning-rate schedule spans all of them. */
  epochs?: number;
  /** Images per optimizer step (default 128). */
  batchSize?: number;
  /** Peak learning rate of Adam (default 1e-3). */
  learningRate?: number;
  /** Learning-rate schedule, or just its kind (default 'cosine' with 5% linear warm-up). */
  schedule?: ScheduleOptions | NonNullable<ScheduleOptions['kind']>;
  /**
   * Replicas training data-parallel, one per worker thread (default 'auto': one per CPU core on
   * wasm and cpu, 1 on tfjs-node, which already uses every core). 1 trains in this thread.
   */
  workers?: number | 'auto';
  /**
   * Data-parallel runs: how long replicas that reached a step's gradient exchange wait for the
   * others before the run stops with a `TrainingStalledError` naming the hung worker (default 10 min).
   */
  exchangeTimeoutMs?: number;
  /** Metric for the best epoch and early stopping (default 'valLoss', or 'loss' without validation). */
  monitor?: Monitor;
  /** Stop after this many epochs without improvement of `monitor` (default 5); false never stops early. */
  earlyStopping?: number | false;
  /** Put the best epoch's weights back into the model at the end (default true). */
  restoreBest?: boolean;
  /** Cap on steps per epoch, for quick runs and --dry-run (default: a full pass). */
  maxStepsPerEpoch?: number;
  /** Batch size for validation (inference only, so it can be larger; default 512). */
  evalBatchSize?: number;
  /** What the model's last layer emits; default: 'probabilities' when it ends in softmax, else 'logits'. */
  outputs?: 'probabilities' | 'logits';
  /** Continue from a checkpoint written by an earlier run (same model architecture, data, seed and workers). */
  resume?: TrainCheckpoint;
  /**
   * Stops the run cleanly: once aborted, the loop finishes the step in flight, hands a checkpoint to
   * `onCheckpoint` and throws `TrainingInterruptedError` (Ctrl-C in `hwr train`).
   */
  signal?: AbortSignal;
  /** Called after every optimizer step. */
  onBatchEnd?: (logs: BatchLogs) => void | Promise<void>;
  /** Called after every epoch's validation, e.g. to draw live curves in a notebook. */
  onEpochEnd?: (logs: EpochLogs) => void | Promise<void>;
  /** Called after every epoch, and on interruption, with the full training state, e.g. to `saveCheckpoint` it. */
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
  /**
   * Wall-clock seconds of the run: this call plus, when resumed, the epochs (and the part of an
   * epoch) the checkpoint restored, so a resumed model records its whole training time. Work lost
   * between the last checkpoint and an interruption is not counted. imagesPerSec is this call's.
   */
  seconds: number;
  imagesPerSec: number;
  trainCount: number;
  valCount: number;
  /** Replicas that trained (1: this thread). */
  workers: number;
  /** CTC tasks: training examples the loss skipped over the epochs in `history`, by why (see EpochLogs.ctcSkipped). */
  ctcSkipped?: CtcSkipped;
}

/** Where an interrupted epoch stood, with the CTC skip counts of its steps so far. */
type LoopPosition = EpochPosition & { ctcSkipped?: CtcSkipped };

/** True when every example of a batch of n that the loss could have trained on had a non-finite loss. */
function allNonFinite(skipped: CtcSkipped | undefined, n: number): boolean {
  return !!skipped && skipped.nonFinite > 0 && skipped.nonFinite + skipped.infeasible >= n;
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
    /** What showed it, when not the loss itself (e.g. every CTC line of the batch non-finite). */
    detail?: string,
  ) {
    super(
      `Training diverged: ${phase === 'validation' ? `validation loss is ${lossValue} after epoch ${epoch}`
        : `loss is ${lossValue} at epoch ${epoch}, batch ${batch}`}${detail ? ` (${detail})` : ''} (step ${step}, ` +
        `learning rate ${learningRate.toExponential(2)}). The model's weights are now unusable and were ` +
        'not saved (the last checkpoint written, if any, is kept); retry with a lower learning rate ' +
        `(e.g. ${(learningRate / 3).toExponential(1)}) or check the training data for bad values.`,
    );
    this.name = 'TrainingDivergedError';
  }
}

/** Thrown when `signal` stopped the run; the checkpoint (if `onCheckpoint` was given) holds its state. */
export class TrainingInterruptedError extends Error {
  constructor(
    readonly epoch: number,
    /** Batches of `epoch` completed. */
    readonly batch: number,
    readonly step: number,
    readonly checkpointed: boolean,
  ) {
    super(`Training interrupted in epoch ${epoch} after batch ${batch} (step ${step})${checkpointed ? '; checkpoint written' : ''}.`);
    this.name = 'TrainingInterruptedError';
  }
}

/**
 * Thrown when a data-parallel worker hung (it kept the others waiting at the gradient exchange
 * past `exchangeTimeoutMs`). When `onCheckpoint` was given and the replicas still held the state
 * before the stalled step, a checkpoint of that state was written first, so `resume` continues there.
 */
export class TrainingStalledError extends Error {
  constructor(
    readonly epoch: number,
    /** Batches of `epoch` completed (the stalled one is batch + 1). */
    readonly batch: number,
    readonly step: number,
    /** 0-based indices of the hung workers. */
    readonly workers: number[],
    readonly checkpointed: boolean,
    /** Why no checkpoint was written, when none was. */
    why: string,
    readonly cause: ExchangeTimeoutError,
  ) {
    super(
      `Training stalled in epoch ${epoch} at batch ${batch + 1} (step ${step}): ${cause.message} ` +
        (checkpointed ? 'A checkpoint of the state before this step was written: resume from it.'
          : `No checkpoint was written (${why}); the last one written, if any, is kept.`),
    );
    this.name = 'TrainingStalledError';
  }
}

/** The number of replicas `workers` asks for on the active backend. */
export function resolveWorkers(workers: number | 'auto' | undefined): number {
  if (workers === undefined || workers === 'auto') return tf.getBackend() === 'tensorflow' ? 1 : availableCores();
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a whole number >= 1 or 'auto', got ${String(workers)}.`);
  return workers;
}

/**
 * Trains `model` with Adam in one explicit loop, on a labelled Dataset (classification) or any
 * `TrainTask` (e.g. CTC lines): per step a deterministic batch from the task, a gradient step at the
 * scheduled learning rate on one replica or several in parallel; per epoch validation in inference
 * mode, keep-best, early stopping and an optional checkpoint. Same seed, data, backend and number of
 * workers give the same history.
 */
export async function train(model: tfl.LayersModel, data: Dataset | TrainTask, opts: TrainOptions = {}): Promise<TrainResult> {
  const {
    epochs = 10, batchSize = 128, learningRate = 1e-3, seed = 42, earlyStopping = 5, restoreBest = true, evalBatchSize = 512,
  } = opts;
  const schedule: ScheduleOptions = typeof opts.schedule === 'string' ? { kind: opts.schedule } : opts.schedule ?? {};
  if (!isTask(data)) checkModelFits(model, data);
  const task = isTask(data) ? data : classificationTask(data, {
    ...opts, seed, outputs: opts.outputs ?? (endsInSoftmax(model) ? 'probabilities' : 'logits'),
  });
  const monitor: Monitor = opts.monitor ?? (task.valCount > 0 ? 'valLoss' : 'loss');
  if (task.valCount === 0 && monitor.startsWith('val')) {
    throw new Error(`monitor '${monitor}' needs validation data: set validationSplit > 0 or pass a validation set.`);
  }
  const higherIsBetter = monitor === 'acc' || monitor === 'valAcc';
  const fullSteps = task.stepsPerEpoch(batchSize);
  const stepsPerEpoch = Math.min(fullSteps, opts.maxStepsPerEpoch ?? fullSteps);
  const workers = resolveWorkers(opts.workers);
  const fingerprint: RunFingerprint = { ...task.fingerprint, batchSize, workers };

  const progress: Progress | null = opts.log === null ? null
    : createProgress({ stream: opts.log ?? process.stderr, epochs, every: opts.logEvery });
  const dropouts = dropoutLayers(model);
  const originalSeeds = dropouts.map((l) => l.seed);

  let history: EpochLogs[] = [];
  let best: { epoch: number; value: number; weights: WeightArray[] | null } = {
    epoch: 0, value: higherIsBetter ? -Infinity : Infinity, weights: null,
  };
  let step = 0;
  let position: LoopPosition | null = null;
  let restoredSeconds = 0;
  if (opts.resume) {
    const ckpt = opts.resume;
    checkFingerprint(ckpt.fingerprint, fingerprint);
    restoreWeights(model, ckpt.weights);
    history = ckpt.history.slice();
    best = { epoch: ckpt.best.epoch, value: ckpt.best.value ?? best.value, weights: ckpt.best.weights };
    step = ckpt.step;
    position = ckpt.position;
    restoredSeconds = history.reduce((t, h) => t + h.seconds, 0) + (position ? position.trainMs / 1000 : 0);
    progress?.message(`resuming after epoch ${ckpt.epoch}${position ? `, batch ${position.batch}` : ''} (step ${step})`);
  }
  // Created after the resumed weights are in the model: parallel replicas start as copies of it.
  const engineOpts = { loss: task.loss, learningRate };
  const engine: TrainingEngine = workers > 1
    ? await createParallelEngine(model, { ...engineOpts, workers, backend: tf.getBackend(), exchangeTimeoutMs: opts.exchangeTimeoutMs })
    : createLocalEngine(model, engineOpts);
  if (opts.resume) await engine.restore({ optimizer: opts.resume.optimizer, betaPowers: opts.resume.betaPowers, replicas: opts.resume.replicas });
  if (workers > 1) progress?.message(`training data-parallel on ${workers} workers`);

  /** The state between two steps, for `onCheckpoint`; the model must hold the engine's weights. */
  const checkpoint = async (epoch: number, at: EpochPosition | null): Promise<boolean> => {
    if (!opts.onCheckpoint) return false;
    const state = await engine.snapshot();
    await opts.onCheckpoint({
      format: 'hwr-train-checkpoint', version: 2, epoch, step, position: at, fingerprint,
      weights: snapshotWeights(model), optimizer: state.optimizer, betaPowers: state.betaPowers, replicas: state.replicas,
      best: { ...best }, history: history.slice(),
    });
    return true;
  };

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
      const sums: LoopPosition = position ?? { batch: 0, sumLoss: 0, sumCorrect: 0, seen: 0, trainMs: 0 };
      position = null;
      let lr = learningRate;
      let segmentStart = Date.now();
      let prefetched: HostBatch | undefined;
      for (let b = sums.batch; b < stepsPerEpoch; b++, step++) {
        if (opts.signal?.aborted) {
          sums.trainMs += Date.now() - segmentStart;
          await engine.syncTo(model);
          const written = await checkpoint(epoch - 1, { ...sums, batch: b });
          throw new TrainingInterruptedError(epoch, b, step, written);
        }
        lr = learningRateAt(step, learningRate, epochs, stepsPerEpoch, schedule);
        const batch = prefetched ?? task.trainBatch(epoch, b, batchSize);
        prefetched = undefined;
        const n = batch.x.shape[0];
        const pending = engine.step(batch, lr, (replica) => deriveSeed(seed, 'dropout', step, replica));
        // While worker threads train this batch, this thread makes the next one (synthetic lines are
        // drawn fresh for every step); batches depend only on (epoch, index), so nothing else changes.
        if (workers > 1 && b + 1 < stepsPerEpoch) {
          try {
            prefetched = task.trainBatch(epoch, b + 1, batchSize);
          } catch (err) {
            await pending.catch(() => undefined);
            throw err;
          }
        }
        const result = await pending.catch(async (err: unknown) => {
          if (!(err instanceof ExchangeTimeoutError)) throw err;
          // A hung worker: keep what the surviving replicas hold (the state before this step), as Ctrl-C does.
          sums.trainMs += Date.now() - segmentStart;
          const why = await engine.syncTo(model).then(() => checkpoint(epoch - 1, { ...sums, batch: b })).then(
            (written) => (written ? '' : 'no onCheckpoint was given'),
            (e: unknown) => (e instanceof Error ? e.message : String(e)),
          );
          throw new TrainingStalledError(epoch, b, step, err.workers, why === '', why, err);
        });
        if (!Number.isFinite(result.loss)) throw new TrainingDivergedError(epoch, b + 1, step, result.loss, lr);
        // Skipped lines have loss 0: a batch of NaN logits would otherwise look like a perfect one.
        if (allNonFinite(result.skipped, n)) {
          throw new TrainingDivergedError(epoch, b + 1, step, NaN, lr, 'training', `every line of the batch of ${n} had a non-finite CTC loss: NaN or infinite logits`);
        }
        sums.ctcSkipped = addCtcSkipped(sums.ctcSkipped, result.skipped);
        sums.sumLoss += result.loss * n;
        sums.sumCorrect = result.correct === null || sums.sumCorrect === null ? null : sums.sumCorrect + result.correct;
        sums.seen += n;
        sums.batch = b + 1;
        const elapsed = (sums.trainMs + Date.now() - segmentStart) / 1000;
        const logs: BatchLogs = {
          epoch, batch: b + 1, batches: stepsPerEpoch, step, loss: result.loss,
          acc: result.correct === null ? null : result.correct / n,
          meanLoss: sums.sumLoss / sums.seen, meanAcc: sums.sumCorrect === null ? null : sums.sumCorrect / sums.seen, lr,
          imagesPerSec: sums.seen / Math.max(elapsed, 1e-3),
          etaSeconds: (elapsed / (b + 1)) * (stepsPerEpoch - b - 1),
        };
        progress?.batch(logs);
        await opts.onBatchEnd?.(logs);
      }
      sums.trainMs += Date.now() - segmentStart;
      segmentStart = Date.now();
      imagesThisRun += sums.seen;
      trainMsThisRun += sums.trainMs;

      await engine.syncTo(model);
      // A line skipped for NaN logits still sends NaN into the weights' gradients (NaN x 0 = NaN): never checkpoint those.
      if (!weightsFinite(model)) {
        const nonFinite = sums.ctcSkipped?.nonFinite ?? 0;
        throw new TrainingDivergedError(epoch, stepsPerEpoch, step - 1, NaN, lr, 'training',
          `the weights are no longer finite after the epoch${nonFinite > 0 ? `, in which ${nonFinite} training line(s) had a non-finite CTC loss` : ''}`);
      }
      const v = task.valCount > 0 ? validate(model, task, evalBatchSize) : null;
      if (v && !Number.isFinite(v.loss)) throw new TrainingDivergedError(epoch, stepsPerEpoch, step - 1, v.loss, lr, 'validation');
      if (v && allNonFinite(v.skipped, v.count)) {
        throw new TrainingDivergedError(epoch, stepsPerEpoch, step - 1, NaN, lr, 'validation', `every validation line had a non-finite CTC loss: NaN or infinite logits`);
      }
      const logs: EpochLogs = {
        epoch, loss: sums.sumLoss / sums.seen, acc: sums.sumCorrect === null ? null : sums.sumCorrect / sums.seen,
        valLoss: v ? v.loss : null, valAcc: v ? v.acc : null, ...(v && v.cer !== null ? { valCer: v.cer } : {}),
        lr, seconds: (sums.trainMs + Date.now() - segmentStart) / 1000, imagesPerSec: sums.seen / Math.max(sums.trainMs / 1000, 1e-3),
        ...(sums.ctcSkipped ? { ctcSkipped: sums.ctcSkipped } : {}),
      };
      if (sums.ctcSkipped && sums.ctcSkipped.nonFinite > 0) {
        progress?.message(`epoch ${epoch}: ${sums.ctcSkipped.nonFinite} training line(s) had a non-finite CTC loss (NaN or infinite logits) ` +
          'and were skipped: the model may be diverging; if it recurs, lower the learning rate or check the data');
      }
      history.push(logs);
      const value = logs[monitor];
      if (typeof value !== 'number') throw new Error(`monitor '${monitor}' has no value for this task: choose one of loss, valLoss${v?.acc != null ? ', acc, valAcc' : ''}${v?.cer != null ? ', valCer' : ''}.`);
      const isBest = higherIsBetter ? value > best.value : value < best.value;
      if (isBest) best = { epoch, value, weights: restoreBest || opts.onCheckpoint ? snapshotWeights(model) : null };
      progress?.epoch(logs, isBest);
      await opts.onEpochEnd?.(logs);
      await checkpoint(epoch, null);
    }
    if (restoreBest && best.weights && best.epoch !== history.length) {
      restoreWeights(model, best.weights);
      progress?.message(`restored the weights of epoch ${best.epoch} (best ${monitor} ${best.value.toFixed(4)})`);
    }
  } finally {
    progress?.end();
    await engine.dispose();
    // Leave the model as the factory built it: a fixed per-step seed must not end up in saved configs.
    dropouts.forEach((layer, i) => {
      layer.seed = originalSeeds[i];
    });
  }
  const seconds = restoredSeconds + (Date.now() - started) / 1000;
  return {
    history, bestEpoch: best.epoch, bestValue: best.value, monitor, stoppedEarly, steps: step, seconds,
    imagesPerSec: imagesThisRun / Math.max(trainMsThisRun / 1000, 1e-3),
    trainCount: task.trainCount, valCount: task.valCount, workers,
    ...(history.some((h) => h.ctcSkipped) ? { ctcSkipped: history.reduce<CtcSkipped | undefined>((t, h) => addCtcSkipped(t, h.ctcSkipped), undefined) } : {}),
  };
}

/** True when every weight of the model is a finite number. */
function weightsFinite(model: tfl.LayersModel): boolean {
  const { isFinite } = Number;
  return model.weights.every((w) => {
    const values = w.read().dataSync();
    for (let i = 0; i < values.length; i++) if (!isFinite(values[i])) return false;
    return true;
  });
}

function isTask(data: Dataset | TrainTask): data is TrainTask {
  return typeof (data as TrainTask).trainBatch === 'function';
}

/**
 * Mean loss, accuracy (classifiers) and error rate (tasks with `errorCounts`) over the validation
 * batches, in inference mode (dropout off, batch norm frozen), on this thread's model.
 */
function validate(model: tfl.LayersModel, task: TrainTask, batchSize: number): {
  loss: number; acc: number | null; cer: number | null; count: number; skipped?: CtcSkipped;
} {
  let lossSum = 0;
  let skipped: CtcSkipped | undefined;
  let correct: number | null = 0;
  let errors = 0;
  let total = 0;
  let n = 0;
  for (const batch of task.valBatches(batchSize)) {
    let counts: { errors: number; total: number } | null = null;
    const sums = tf.tidy(() => {
      const out = model.apply(batchInputs(batch), { training: false }) as tf.Tensor;
      const value = computeLoss(task.loss, out, batchTargets(batch));
      skipped = addCtcSkipped(skipped, value.skipped);
      counts = task.errorCounts?.(out, batch) ?? null;
      return value.correct ? [tf.sum(value.losses), value.correct] : [tf.sum(value.losses)];
    });
    const [l, c] = sums.map((t) => t.dataSync()[0]);
    tf.dispose(sums);
    lossSum += l;
    correct = c === undefined || correct === null ? null : correct + c;
    if (counts) {
      errors += (counts as { errors: number }).errors;
      total += (counts as { total: number }).total;
    }
    n += batch.x.shape[0];
  }
  return { loss: lossSum / n, acc: correct === null ? null : correct / n, cer: task.errorCounts ? errors / Math.max(total, 1) : null, count: n, skipped };
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

/** True when the model's last layer ends in softmax (then its outputs are probabilities, not logits). */
export function endsInSoftmax(model: tfl.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  return last.getConfig().activation === 'softmax';
}

function checkFingerprint(saved: RunFingerprint, current: RunFingerprint): void {
  for (const key of Object.keys(current) as Array<keyof RunFingerprint>) {
    if (saved[key] !== current[key]) {
      throw new Error(
        `Cannot resume: the checkpoint was written with ${key} = ${String(saved[key])} but this run has ` +
          `${String(current[key])}. Resume with the same seed, data, validation split, batch size, balance and workers.`,
      );
    }
  }
}

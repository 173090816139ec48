/**
 * What the training loop trains on: a `TrainTask` hands out deterministic batches (as plain
 * arrays, see host_batch.ts) and names its loss. The loop itself knows nothing about images,
 * labels or text, so a character classifier and a CTC line model go through the same loop, on
 * one core or many. `classificationTask` is the task of a labelled `Dataset` (MNIST, EMNIST).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dataset } from '../data/dataset';
import { AugmentOptions, DEFAULT_AUGMENT, augmentTransforms } from '../data/augment';
import { HostBatch } from '../engine/host_batch';
import { LossSpec } from '../engine/losses';
import { createRng, deriveSeed, permutation } from '../util/rng';
import { balancedOrder, shuffledOrder } from './sampler';

/** A source of training and validation batches, with the loss to train them with. */
export interface TrainTask {
  /** For messages, e.g. 'mnist'. */
  name: string;
  loss: LossSpec;
  /** Examples in one pass over the training data, and in the validation data (0: none). */
  trainCount: number;
  valCount: number;
  /** Settings a resumed run must share with the run that wrote the checkpoint, or its data differ. */
  fingerprint: Record<string, number | string | boolean>;
  /** Batches of `batchSize` in one epoch. */
  stepsPerEpoch(batchSize: number): number;
  /** Training batch `index` (0-based) of `epoch` (1-based): the same numbers for the same arguments. */
  trainBatch(epoch: number, index: number, batchSize: number): HostBatch;
  /** The validation data in fixed order, without augmentation. */
  valBatches(batchSize: number): Iterable<HostBatch>;
  /**
   * Optional error count of a validation batch from the model's output (e.g. character edits of a
   * line model's decoded text, and the target characters): the loop reports errors / total as valCer.
   */
  errorCounts?(out: tf.Tensor, batch: HostBatch): { errors: number; total: number };
}

/** Options of `classificationTask` (the data-related options of `train`). */
export interface ClassificationTaskOptions {
  /** Seeds the validation split, sample order and augmentation (default 42). */
  seed?: number;
  /** Fraction of the dataset held out for validation, chosen by a seeded permutation (default 0.1). */
  validationSplit?: number;
  /** An explicit validation set; when given, `validationSplit` is ignored and all of trainSet trains. */
  validation?: Dataset;
  /** Random rotation/shift/scale of training images (default DEFAULT_AUGMENT); false to switch off. */
  augment?: false | AugmentOptions;
  /** Class-balanced sampling for unbalanced sets like EMNIST dev47 (default false; see sampler.ts). */
  balance?: boolean;
  /** Use at most this many images of trainSet (a seeded random subset) and of the validation set. */
  limit?: number;
  /** What the model's last layer emits (decides the loss). */
  outputs: 'probabilities' | 'logits';
  /** Label smoothing of the cross-entropy targets (default 0; see CrossEntropySpec). */
  labelSmoothing?: number;
}

/** A set of images to batch from: a dataset and which of its indices belong to the set. */
interface Subset {
  ds: Dataset;
  indices: Int32Array;
}

/** The images at `idx` as a batch: uint8 pixels [n, h, w, 1], int32 labels [n]. */
function batchOf(ds: Dataset, idx: Int32Array, transforms: Float32Array | null): HostBatch {
  const size = ds.height * ds.width;
  const pixels = new Uint8Array(idx.length * size);
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    pixels.set(ds.images.subarray(idx[i] * size, (idx[i] + 1) * size), i * size);
    labels[i] = ds.labels[idx[i]];
  }
  return { x: { data: pixels, shape: [idx.length, ds.height, ds.width, 1] }, targets: [{ data: labels, shape: [idx.length] }], transforms };
}

/**
 * Classification of a labelled image dataset: a seeded validation split, a per-epoch shuffled (or
 * class-balanced) order, and per-batch augmentation drawn from (seed, epoch, batch) — so any batch
 * can be rebuilt on its own, which is what resuming in the middle of an epoch needs.
 */
export function classificationTask(trainSet: Dataset, opts: ClassificationTaskOptions): TrainTask {
  const { seed = 42, validationSplit = 0.1, balance = false } = opts;
  const augment = opts.augment === undefined ? DEFAULT_AUGMENT : opts.augment;
  const { train, val } = splitData(trainSet, opts.validation, validationSplit, seed, opts.limit);
  if (train.indices.length === 0) throw new Error(`No training images left in ${trainSet.name} after the validation split.`);
  const numClasses = trainSet.classes.length;
  let cached: { epoch: number; order: Int32Array } | undefined;
  const orderOf = (epoch: number): Int32Array => {
    if (cached?.epoch !== epoch) {
      const rng = createRng(deriveSeed(seed, 'order', epoch));
      const order = balance ? balancedOrder(train.indices, trainSet.labels, rng) : shuffledOrder(train.indices, rng);
      cached = { epoch, order };
    }
    return cached.order;
  };
  return {
    name: trainSet.name,
    loss: { kind: 'crossEntropy', outputs: opts.outputs, numClasses, labelSmoothing: opts.labelSmoothing ?? 0 },
    trainCount: train.indices.length,
    valCount: val ? val.indices.length : 0,
    fingerprint: { seed, trainCount: train.indices.length, valCount: val ? val.indices.length : 0, balance, numClasses, labelSmoothing: opts.labelSmoothing ?? 0 },
    stepsPerEpoch: (batchSize) => Math.ceil(train.indices.length / batchSize),
    trainBatch(epoch, index, batchSize) {
      const order = orderOf(epoch);
      const idx = order.subarray(index * batchSize, Math.min(order.length, (index + 1) * batchSize));
      const transforms = augment === false ? null
        : augmentTransforms(idx.length, trainSet.height, trainSet.width, createRng(deriveSeed(seed, 'augment', epoch, index)), augment);
      return batchOf(trainSet, idx, transforms);
    },
    *valBatches(batchSize) {
      if (!val) return;
      for (let start = 0; start < val.indices.length; start += batchSize) {
        yield batchOf(val.ds, val.indices.subarray(start, Math.min(val.indices.length, start + batchSize)), null);
      }
    },
  };
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

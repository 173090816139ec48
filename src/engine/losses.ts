/**
 * The losses the training loop knows, named by a plain-data spec so a data-parallel worker can
 * rebuild the same loss from a message. Each returns per-example values: a shard's mean weighted
 * by its size then averages to the full batch's mean, whatever the number of workers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CtcSkipped, ctcLoss } from '../ctc/loss';

/** Softmax cross-entropy on class labels; `outputs` says whether the model ends in softmax. */
export interface CrossEntropySpec {
  kind: 'crossEntropy';
  outputs: 'probabilities' | 'logits';
  numClasses: number;
  /**
   * Label smoothing (default 0): the target puts 1 - s on the true class and s / classes on every
   * class, so the model is not pushed towards infinite confidence on ambiguous images.
   */
  labelSmoothing?: number;
}

/**
 * CTC on a line model's raw logits [batch, T, classes]. Targets: labels int32 [batch, L] (padded),
 * labelLengths int32 [batch], logitLengths int32 [batch] (frames of each example, <= T). An example
 * whose label cannot be aligned to its frames, or whose logits are not finite, gets loss 0 and no
 * gradient, and is counted in `LossValue.skipped` (see src/ctc/loss.ts).
 */
export interface CtcSpec {
  kind: 'ctc';
  /** Index of the blank class (the line models put it last: charset length). */
  blank: number;
}

/** A loss by name and settings (plain data: it crosses thread boundaries). */
export type LossSpec = CrossEntropySpec | CtcSpec;

/** A batch's loss per example, and how many examples the model got right (null where that has no meaning). */
export interface LossValue {
  losses: tf.Tensor1D; // [batch]
  correct: tf.Scalar | null;
  /** CTC: the examples left out of `losses` (0 there), by why; absent for losses that skip none. */
  skipped?: CtcSkipped;
}

/** Per-example loss of the model output `out` against the batch's targets (see each spec for their order). */
export function computeLoss(spec: LossSpec, out: tf.Tensor, targets: tf.Tensor[]): LossValue {
  if (spec.kind === 'crossEntropy') {
    const labels = targets[0] as tf.Tensor1D; // int32 [batch]
    const s = spec.labelSmoothing ?? 0;
    const oneHot = tf.cast(tf.oneHot(labels, spec.numClasses), 'float32'); // [batch, classes]
    const y = s > 0 ? tf.add(tf.mul(oneHot, 1 - s), s / spec.numClasses) : oneHot;
    return { losses: crossEntropy(y, out, spec.outputs), correct: countCorrect(out, labels) };
  }
  if (spec.kind === 'ctc') {
    const [labels, labelLengths, logitLengths] = targets;
    const skipped: CtcSkipped = { infeasible: 0, nonFinite: 0 };
    const losses = ctcLoss(out as tf.Tensor3D, labels as tf.Tensor2D, labelLengths as tf.Tensor1D, logitLengths as tf.Tensor1D, { blank: spec.blank, skipped });
    return { losses, correct: null, skipped };
  }
  throw new Error(`Unknown loss '${(spec as { kind: string }).kind}'.`);
}

/** Per-example cross-entropy [batch] from one-hot targets y [batch, classes] and the model output. */
export function crossEntropy(y: tf.Tensor, out: tf.Tensor, outputs: 'probabilities' | 'logits'): tf.Tensor1D {
  // Clipping keeps log() finite for a confident wrong softmax, as Keras' categoricalCrossentropy does.
  const logP = outputs === 'logits' ? tf.logSoftmax(out) : tf.log(tf.clipByValue(out, 1e-7, 1 - 1e-7));
  return tf.neg(tf.sum(tf.mul(tf.cast(y, 'float32'), logP), -1)) as tf.Tensor1D;
}

/** Number of rows whose arg-max equals the label, as a scalar. */
export function countCorrect(out: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), labels), 'float32'));
}

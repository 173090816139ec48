/**
 * One copy of the model being trained, with its optimizer and loss: the unit of work of the
 * training loop. In a single-process run the loop steps one replica in place; in a data-parallel
 * run every worker thread holds one, computes gradients on its shard of the batch, and applies
 * the averaged gradients it is sent, so all replicas take the same optimizer step.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { HostBatch, batchInputs, batchTargets } from './host_batch';
import { LossSpec, computeLoss } from './losses';
import { CtcSkipped } from '../ctc/loss';
import { deriveSeed } from '../util/rng';

/** A step's mean loss over the batch, and the number of examples classified right (null if not a classifier). */
export interface StepResult {
  loss: number;
  correct: number | null;
  /**
   * CTC: examples of the batch the loss skipped (loss 0, no gradient). When every example is
   * `nonFinite`, `loss` is 0 but the model has diverged.
   */
  skipped?: CtcSkipped;
}

/** A model, its optimizer and loss, with the operations the training loop needs. */
export interface Replica {
  readonly model: tfl.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly loss: LossSpec;
  /** Seeds every dropout layer for the next forward pass (different per step and per replica). */
  seedDropout(seed: number): void;
  /** One optimizer step in place on the batch at learning rate `lr`. */
  step(batch: HostBatch, lr: number): StepResult;
  /** The batch's mean-loss gradients, flattened over the trainable variables in order; nothing applied. */
  gradients(batch: HostBatch): StepResult & { grads: Float32Array };
  /** Applies flattened gradients (as `gradients` returns them) at learning rate `lr`. */
  applyGradients(grads: Float32Array, lr: number): void;
  /** Total number of trainable values (the length of a flattened gradient). */
  readonly gradientSize: number;
}

/** Adam reads its learningRate field on every step; the field is protected in the typings only. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** Dropout layers (including those of nested models), whose seeds are set per step. */
export function dropoutLayers(model: tfl.LayersModel): Array<tfl.layers.Layer & { seed?: number }> {
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

/** Reads a scalar and disposes it. */
function take(t: tf.Tensor | null): number | null {
  if (!t) return null;
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}

/** `result` with the loss's skipped counts, when the loss reports them. */
function withSkipped<T extends StepResult>(result: T, skipped: CtcSkipped | undefined): T {
  return skipped ? { ...result, skipped } : result;
}

/** Wraps `model` (trained in place) with `optimizer` and the loss of `loss`. */
export function createReplica(model: tfl.LayersModel, optimizer: tf.Optimizer, loss: LossSpec): Replica {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const dropouts = dropoutLayers(model);
  const gradientSize = variables.reduce((s, v) => s + v.size, 0);

  /** Mean loss of the batch plus the model's regularisers, and the correct count kept out of the tidy. */
  const objective = (batch: HostBatch, training: boolean) => {
    let correct: tf.Scalar | null = null;
    let skipped: CtcSkipped | undefined;
    const f = (): tf.Scalar => {
      const x = batchInputs(batch); // [batch, h, w, 1]
      const out = model.apply(x, { training }) as tf.Tensor;
      const value = computeLoss(loss, out, batchTargets(batch));
      correct = value.correct ? tf.keep(value.correct) : null;
      skipped = value.skipped;
      let total = tf.mean(value.losses) as tf.Scalar;
      if (training) for (const reg of model.calculateLosses()) total = tf.add(total, reg);
      return total;
    };
    return { f, correct: () => correct as tf.Scalar | null, skipped: () => skipped };
  };

  return {
    model, optimizer, loss, gradientSize,

    seedDropout(seed: number) {
      // Keras layers take seed 0 as "unseeded"; 1 stands in for the one-in-2^32 zero.
      dropouts.forEach((layer, i) => { layer.seed = deriveSeed(seed, i) || 1; });
    },

    step(batch: HostBatch, lr: number): StepResult {
      setLearningRate(optimizer, lr);
      const o = objective(batch, true);
      const value = tf.tidy(() => optimizer.minimize(o.f, true, variables) as tf.Scalar);
      return withSkipped({ loss: take(value)!, correct: take(o.correct()) }, o.skipped());
    },

    gradients(batch: HostBatch) {
      const o = objective(batch, true);
      const { value, grads } = tf.variableGrads(o.f, variables);
      const flat = new Float32Array(gradientSize);
      let offset = 0;
      for (const v of variables) {
        flat.set(grads[v.name].dataSync() as Float32Array, offset);
        offset += v.size;
      }
      tf.dispose(Object.values(grads));
      return withSkipped({ loss: take(value)!, correct: take(o.correct()), grads: flat }, o.skipped());
    },

    applyGradients(grads: Float32Array, lr: number) {
      if (grads.length !== gradientSize) throw new Error(`applyGradients: got ${grads.length} values for ${gradientSize} trainable weights.`);
      setLearningRate(optimizer, lr);
      const named: tf.NamedTensorMap = {};
      let offset = 0;
      for (const v of variables) {
        named[v.name] = tf.tensor(grads.subarray(offset, offset + v.size), v.shape);
        offset += v.size;
      }
      optimizer.applyGradients(named);
      tf.dispose(Object.values(named));
    },
  };
}

/**
 * Model and optimizer state as plain typed arrays: what a checkpoint stores, what data-parallel
 * replicas exchange, and how either is written back into tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** One tensor's values as a plain typed array: safe to keep across steps, nothing to dispose. */
export interface WeightArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

function toArray(name: string, t: tf.Tensor): WeightArray {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') {
    throw new Error(`Checkpoint: tensor '${name}' has dtype ${t.dtype}; only float32 and int32 are supported.`);
  }
  // slice(): on the cpu backend dataSync() hands out the backing array itself.
  const values = (t.dataSync() as Float32Array | Int32Array).slice();
  return { name, shape: t.shape.slice(), dtype: t.dtype, values };
}

/** Copies every model weight (trainable and not, e.g. batch-norm moving statistics) to plain arrays. */
export function snapshotWeights(model: tfl.LayersModel): WeightArray[] {
  return model.weights.map((w) => toArray(w.originalName, w.read()));
}

/**
 * Why weights of these names and shapes (in `model.weights` order) do not fit `model`, as the rest of
 * a sentence whose subject is where they come from ('has 44 weight tensors but ...'); null when they fit.
 */
export function weightsMismatch(model: tfl.LayersModel, source: ReadonlyArray<{ name: string; shape: ReadonlyArray<number | null> }>): string | null {
  const weights = model.weights;
  if (weights.length !== source.length) return `has ${source.length} weight tensors but the model has ${weights.length}`;
  const i = weights.findIndex((w, k) => w.shape.join(',') !== source[k].shape.join(','));
  return i < 0 ? null : `weight ${i} ('${source[i].name}') has shape [${source[i].shape}] but the model's '${weights[i].originalName}' has [${weights[i].shape}]`;
}

/** Writes arrays from `snapshotWeights` back into a model of the same architecture. */
export function restoreWeights(model: tfl.LayersModel, arrays: WeightArray[]): void {
  const problem = weightsMismatch(model, arrays);
  if (problem) {
    throw new Error(
      `Checkpoint ${problem}: the architecture differs from the checkpointed run; ` +
        'rebuild the model with the same factory and options as the run that wrote the checkpoint.',
    );
  }
  tf.tidy(() => model.setWeights(arrays.map((a) => tf.tensor(a.values, a.shape, a.dtype))));
}

interface AdamInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/** Copies an optimizer's state (Adam: iterations, moments, beta powers) to plain arrays. */
export async function snapshotOptimizer(
  optimizer: tf.Optimizer,
): Promise<{ arrays: WeightArray[]; betaPowers: [number, number] | null }> {
  const named = await optimizer.getWeights();
  // The first entry ('iter') is a fresh scalar; the rest are the optimizer's own variables.
  const arrays = named.map((n) => toArray(n.name, n.tensor));
  if (named.length > 0 && named[0].name === 'iter') named[0].tensor.dispose();
  const adam = optimizer as unknown as AdamInternals;
  const betaPowers: [number, number] | null =
    adam.accBeta1 && adam.accBeta2 ? [adam.accBeta1.dataSync()[0], adam.accBeta2.dataSync()[0]] : null;
  return { arrays, betaPowers };
}

/**
 * Loads state from `snapshotOptimizer` into a fresh optimizer of the same kind. Adam.setWeights
 * recomputes beta^t with pow(), which differs in the last float bit from the running product Adam
 * keeps while training; writing back the saved products makes a resumed run match bit for bit.
 */
export async function restoreOptimizer(
  optimizer: tf.Optimizer,
  arrays: WeightArray[],
  betaPowers: [number, number] | null,
): Promise<void> {
  if (arrays.length === 0) return;
  const named = arrays.map((a) => ({ name: a.name, tensor: tf.tensor(a.values, a.shape, a.dtype) }));
  await optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  const adam = optimizer as unknown as AdamInternals;
  if (betaPowers && adam.accBeta1 && adam.accBeta2) {
    const [p1, p2] = betaPowers;
    tf.tidy(() => {
      adam.accBeta1!.assign(tf.scalar(p1));
      adam.accBeta2!.assign(tf.scalar(p2));
    });
  }
}


/**
 * A training batch as plain typed arrays: what a task builds on the main thread, what is split
 * into shards and posted to data-parallel workers, and what each replica turns into tensors.
 * Keeping batches off the backend until the replica needs them lets one batch feed any number of
 * workers, and keeps the pixels uint8 (4x smaller) until the last moment.
 */
import * as tf from '@tensorflow/tfjs-core';
import { transformImages } from '../data/augment';

/** One array with its shape; the batch is always on axis 0. */
export interface HostTensor {
  data: Uint8Array | Int32Array | Float32Array;
  shape: number[];
}

/** Inputs, loss targets and per-image augmentation of one batch. */
export interface HostBatch {
  /** Images [batch, h, w, 1]: uint8 0..255 (scaled to 0..1 by `batchInputs`) or float32 0..1. */
  x: HostTensor;
  /** Loss targets, each with the batch on axis 0 (classification: int32 labels [batch]). */
  targets: HostTensor[];
  /** Per-image projective transforms for `tf.image.transform` [batch * 8], or null for none. */
  transforms: Float32Array | null;
}

/** Number of examples in a batch. */
export function batchSize(batch: HostBatch): number {
  return batch.x.shape[0];
}

function sliceTensor(t: HostTensor, start: number, end: number): HostTensor {
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: t.data.slice(start * row, end * row), shape: [end - start, ...t.shape.slice(1)] };
}

/** Rows [start, end) of every array of the batch, as copies (safe to transfer to a worker). */
export function sliceBatch(batch: HostBatch, start: number, end: number): HostBatch {
  return {
    x: sliceTensor(batch.x, start, end),
    targets: batch.targets.map((t) => sliceTensor(t, start, end)),
    transforms: batch.transforms ? batch.transforms.slice(start * 8, end * 8) : null,
  };
}

/** The ArrayBuffers of a batch, for postMessage's transfer list. */
export function batchBuffers(batch: HostBatch): ArrayBuffer[] {
  const arrays = [batch.x.data, ...batch.targets.map((t) => t.data), ...(batch.transforms ? [batch.transforms] : [])];
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

function toTensor(t: HostTensor): tf.Tensor {
  if (t.data instanceof Float32Array) return tf.tensor(t.data, t.shape, 'float32');
  return tf.tensor(t.data instanceof Int32Array ? t.data : Int32Array.from(t.data), t.shape, 'int32');
}

/** uint8 0..255 -> float 0..1. */
function scaled(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 255;
  return out;
}

/** The model input [batch, h, w, 1] float 0..1, with the batch's augmentation applied. */
export function batchInputs(batch: HostBatch): tf.Tensor4D {
  return tf.tidy(() => {
    const { data } = batch.x;
    const x = (data instanceof Uint8Array ? toTensor({ data: scaled(data), shape: batch.x.shape }) : toTensor(batch.x)) as tf.Tensor4D;
    return batch.transforms ? transformImages(x, batch.transforms) : x;
  });
}

/** The loss targets as tensors (int32 for integer arrays, float32 otherwise). */
export function batchTargets(batch: HostBatch): tf.Tensor[] {
  return batch.targets.map(toTensor);
}

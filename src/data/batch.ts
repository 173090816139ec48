import * as tf from '@tensorflow/tfjs-core';
import { Dataset } from './dataset';

/**
 * Float input tensor for the images at `indices` (or the range [start, end)): [n, h, w, 1] in 0..1.
 * Conversion happens per batch so a dataset never exists as float32 in full.
 */
export function imageBatch(ds: Dataset, indices: ArrayLike<number>): tf.Tensor4D {
  const size = ds.height * ds.width;
  const out = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i] * size;
    for (let p = 0; p < size; p++) out[i * size + p] = ds.images[src + p] / 255;
  }
  return tf.tensor4d(out, [indices.length, ds.height, ds.width, 1]);
}

/** Indices start..end-1, for batching a dataset in order. */
export function range(start: number, end: number): Int32Array {
  const r = new Int32Array(Math.max(0, end - start));
  for (let i = 0; i < r.length; i++) r[i] = start + i;
  return r;
}

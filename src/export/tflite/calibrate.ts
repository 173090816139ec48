import * as tf from '@tensorflow/tfjs-core';
import { InferenceGraph, runInferenceGraph } from '../inference_graph';
import { CalibrationRanges } from './build';
import { Dataset } from '../../data/dataset';
import { imageBatch } from '../../data/batch';

/**
 * Value ranges of the graph input and of every step's output over `images`
 * ([n, h, w, c] float, the model's input scale). Pass TRAINING images: calibrating on the test split
 * would leak it into the exported model. Runs in batches of `batchSize`.
 */
export function calibrateGraph(graph: InferenceGraph, images: tf.Tensor4D, batchSize = 100): CalibrationRanges {
  const n = images.shape[0];
  if (n === 0) throw new Error('Calibration needs at least one image.');
  const widen = (r: { min: number; max: number }, t: tf.Tensor) => {
    const [lo, hi] = tf.tidy(() => [tf.min(t).dataSync()[0], tf.max(t).dataSync()[0]]);
    r.min = Math.min(r.min, lo);
    r.max = Math.max(r.max, hi);
  };
  const input = { min: Infinity, max: -Infinity };
  const steps = graph.steps.map(() => ({ min: Infinity, max: -Infinity }));
  for (let start = 0; start < n; start += batchSize) {
    const batch = tf.slice(images, start, Math.min(batchSize, n - start));
    widen(input, batch);
    const outs = runInferenceGraph(graph, batch, true);
    outs.forEach((o, k) => widen(steps[k], o));
    tf.dispose([batch, ...outs]);
  }
  return { input, steps };
}

/**
 * `count` images spread evenly over a TRAINING split (every (n/count)-th image, so all classes of a
 * sorted or shuffled set appear), as float input [count, h, w, 1]. Refuses a test split.
 */
export function calibrationImages(train: Dataset, count = 300): tf.Tensor4D {
  if (train.split !== 'train') throw new Error(`Calibration must use training images, not the ${train.split} split of ${train.name}.`);
  const n = Math.min(count, train.count);
  const step = train.count / n;
  const indices = Int32Array.from({ length: n }, (_, i) => Math.floor(i * step));
  return imageBatch(train, indices);
}

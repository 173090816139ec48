/**
 * Class probabilities for preprocessed images: batching through a model, softmax when the model
 * outputs raw scores, top-k. No file system: the browser app uses it as it is.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { PreprocessedImage, toModelInput } from '../image/preprocess';

/** One class and its probability. */
export interface ClassProbability {
  label: string;
  p: number;
}

/** Class probabilities per image, [n][classes]; softmax is applied if the model outputs raw scores. */
export function predictProbabilities(model: tfl.LayersModel, classes: string[], images: PreprocessedImage[], batchSize = 64): Float32Array[] {
  const out: Float32Array[] = [];
  for (let start = 0; start < images.length; start += batchSize) {
    const batch = images.slice(start, start + batchSize);
    const flat = tf.tidy(() => {
      const x = toModelInput(batch, batch[0].size); // [b, 28, 28, 1]
      const y = model.predict(x) as tf.Tensor; // [b, classes]
      if (y.shape.length !== 2 || y.shape[1] !== classes.length) {
        throw new Error(`the model outputs shape [${y.shape}] but ${classes.length} classes were given; pass the classes the model was trained with`);
      }
      return looksLikeProbabilities(y) ? y : tf.softmax(y);
    });
    const data = flat.dataSync() as Float32Array;
    flat.dispose();
    for (let i = 0; i < batch.length; i++) out.push(data.slice(i * classes.length, (i + 1) * classes.length));
  }
  return out;
}

function looksLikeProbabilities(y: tf.Tensor): boolean {
  return tf.tidy(() => {
    const min = tf.min(y).dataSync()[0];
    const sums = tf.sum(y, 1).dataSync() as Float32Array;
    return min >= 0 && Array.from(sums).every((s) => Math.abs(s - 1) < 1e-3);
  });
}

/** The k most probable classes, most probable first. */
export function topClasses(probs: ArrayLike<number>, classes: string[], k = 3): ClassProbability[] {
  return Array.from(probs, (p, i) => ({ label: classes[i], p }))
    .sort((a, b) => b.p - a.p)
    .slice(0, Math.min(k, classes.length));
}

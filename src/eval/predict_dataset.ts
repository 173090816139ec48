import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Dataset } from '../data/dataset';
import { imageBatch, range } from '../data/batch';

/** Predicted class, its probability, and the full probability rows for every image of a dataset. */
export interface DatasetPredictions {
  predicted: Uint8Array;   // [n]
  confidence: Float32Array; // [n] probability of the predicted class
  probs: Float32Array;      // [n, numClasses]
}

/** Runs the model over a dataset in inference mode, in batches, and collects the predictions. */
export function predictDataset(model: tfl.LayersModel, ds: Dataset, batchSize = 1000): DatasetPredictions {
  const numClasses = ds.classes.length;
  const predicted = new Uint8Array(ds.count);
  const confidence = new Float32Array(ds.count);
  const probs = new Float32Array(ds.count * numClasses);
  for (let start = 0; start < ds.count; start += batchSize) {
    const end = Math.min(ds.count, start + batchSize);
    const p = tf.tidy(() => model.predict(imageBatch(ds, range(start, end))) as tf.Tensor2D); // [batch, classes]
    const [, width] = p.shape;
    if (width !== numClasses) {
      p.dispose();
      throw new Error(`Model outputs ${width} classes but dataset ${ds.name} has ${numClasses}: was it trained on another dataset?`);
    }
    const rows = p.dataSync() as Float32Array;
    p.dispose();
    probs.set(rows, start * numClasses);
    for (let i = 0; i < end - start; i++) {
      let best = 0;
      for (let c = 1; c < numClasses; c++) if (rows[i * numClasses + c] > rows[i * numClasses + best]) best = c;
      predicted[start + i] = best;
      confidence[start + i] = rows[i * numClasses + best];
    }
  }
  return { predicted, confidence, probs };
}

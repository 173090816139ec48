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

/**
 * The format of the web app's models index (`models.json`): which saved models the page offers and
 * how to feed each one. Types only, shared by the Node side (model_index.ts) and the page.
 */

/** What a model reads: one character per 28x28 image, or a word or line of text (CTC). */
export type ModelKind = 'character' | 'line';

/** One model the page can load. */
export interface ModelIndexEntry {
  /** Folder name under the models directory, e.g. 'mnist'. */
  id: string;
  /** What the page calls it, e.g. 'Digits (MNIST)'. */
  title: string;
  kind: ModelKind;
  /** Folder of the model relative to the app root, ending in '/': `${path}model.json`. */
  path: string;
  /** Every file of the model (model.json, its weight files, metadata.json, a line model's LM file), for the offline cache. */
  files: string[];
  family: string;
  dataset: string;
  /** Character models: class index -> character. Line models: the charset (blank excluded). */
  classes: string[];
  /** Character models: the input side (28). Line models: the input height. */
  imageSize: number;
  /** Line models: the index of the CTC blank class. */
  blankIndex?: number;
  /** Line models: input width pixels per output frame. */
  downsample?: number;
  testAccuracy?: number;
  testCount?: number;
  params?: number;
  /** Bytes of all files. */
  bytes: number;
}

/** The whole index. */
export interface ModelIndex {
  version: 1;
  models: ModelIndexEntry[];
}

/** The metadata.json of a saved model, as a type only: the web app reads it too (no file access here). */

/** What `saved_models/<name>/metadata.json` records next to the weights. */
export interface ModelMetadata {
  /** Model family ('baseline', 'cnn') and dataset id ('mnist', 'emnist-dev47', ...). */
  family: string;
  dataset: string;
  /** Class index -> character; the model's output order. */
  classes: string[];
  imageSize: number;
  /** Accuracy on the dataset's test split, and how many images that was measured on. */
  testAccuracy?: number;
  testCount?: number;
  epochs?: number;
  backend?: string;
  trainingSeconds?: number;
  imagesPerSec?: number;
  seed?: number;
  /** The command that produced this model, so it can be reproduced. */
  command?: string;
  gitCommit?: string;
  createdAt?: string;
  params?: number;
  [extra: string]: unknown;
}

/** The models the page offers (models.json, made from each saved model's metadata.json) and loading one. */
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelIndex, ModelIndexEntry } from '../../src/web/model_index_format';
import { PreprocessOptions, geometryForDataset } from '../../src/image/preprocess';

export type { ModelIndex, ModelIndexEntry };

/** Fetches the models index; an error says what the server lacked. */
export async function fetchModelIndex(url = 'models.json'): Promise<ModelIndex> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}; the app was built or served without models (see 'hwr serve --models')`);
  const index = (await res.json()) as ModelIndex;
  if (index.version !== 1 || !Array.isArray(index.models)) throw new Error(`${url}: not a models index of version 1`);
  return index;
}

/** Why the page cannot run this model yet, or null if it can. */
export function unsupportedReason(entry: ModelIndexEntry): string | null {
  // Line models need the line preprocessing and a CTC decoder in the page; until then they are listed, not run.
  if (entry.kind === 'line') return 'line models are not supported by this page yet';
  if (entry.imageSize !== 28) return `expects ${entry.imageSize}x${entry.imageSize} input; the page makes 28x28`;
  return null;
}

/** The preprocessing a character model expects: the function `hwr predict` uses. */
export function preprocessOptionsFor(entry: ModelIndexEntry): PreprocessOptions {
  return geometryForDataset(entry.dataset);
}

/** One line for the model picker, e.g. 'Digits (MNIST) · 99.42%'. */
export function optionLabel(entry: ModelIndexEntry): string {
  const acc = entry.testAccuracy !== undefined ? ` · ${(100 * entry.testAccuracy).toFixed(2)}%` : '';
  const why = unsupportedReason(entry);
  return `${entry.title}${acc}${why ? ` (${why})` : ''}`;
}

/** A loaded model with its timings. */
export interface LoadedModel {
  entry: ModelIndexEntry;
  model: tfl.LayersModel;
  /** Fetch + parse + weights uploaded to the backend. */
  loadMs: number;
}

/** Loads a model of the index (relative to the page). */
export async function loadIndexedModel(entry: ModelIndexEntry): Promise<LoadedModel> {
  const start = performance.now();
  const model = await tfl.loadLayersModel(`${entry.path}model.json`);
  return { entry, model, loadMs: performance.now() - start };
}

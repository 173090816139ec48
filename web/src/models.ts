/**
 * The models the page offers (models.json, made from each saved model's metadata.json) and loading
 * one, with a line model's character language model when its metadata names one.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { BeamSearchLm } from '../../src/ctc/decode';
import type { ModelIndex, ModelIndexEntry } from '../../src/web/model_index_format';
import { PreprocessOptions, geometryForDataset } from '../../src/image/preprocess';
import { lineLmFromJson, lineLmProblem } from '../../src/lines/line_lm';
import { LineModelMetadata, lineMetadataProblem, lineModelMismatch } from '../../src/lines/line_model';
// Registers the FusedBiLSTM layer class, so a line model trained with `--head lstm` loads here too
// (in the page it runs its tfjs-ops path: the project's wasm kernels are Node-side).
import '../../src/kernels/fused_lstm';

export type { ModelIndex, ModelIndexEntry };

/** Fetches the models index; an error says what the server lacked. */
export async function fetchModelIndex(url = 'models.json'): Promise<ModelIndex> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}; the app was built or served without models (see 'hwr serve --models')`);
  const index = (await res.json()) as ModelIndex;
  if (index.version !== 1 || !Array.isArray(index.models)) throw new Error(`${url}: not a models index of version 1`);
  return index;
}

/** Why the page cannot run this model, or null if it can. */
export function unsupportedReason(entry: ModelIndexEntry): string | null {
  if (entry.kind === 'line') return null; // any height: the line recipe scales to the model's
  if (entry.imageSize !== 28) return `expects ${entry.imageSize}x${entry.imageSize} input; the page makes 28x28`;
  return null;
}

/** The preprocessing a character model expects: the function `hwr predict` uses. */
export function preprocessOptionsFor(entry: ModelIndexEntry): PreprocessOptions {
  return geometryForDataset(entry.dataset);
}

/** The line recipe's options for a line model: `hwr predict`'s, decided in one place (body-height scaling when the metadata has `body`). */
export { linePreprocessOptionsFor } from '../../src/lines/line_model';

/** One line for the model picker, e.g. 'Digits (MNIST) · 99.42%'. */
export function optionLabel(entry: ModelIndexEntry): string {
  const acc = entry.testAccuracy !== undefined ? ` · ${(100 * entry.testAccuracy).toFixed(2)}%` : '';
  const why = unsupportedReason(entry);
  return `${entry.title}${acc}${why ? ` (${why})` : ''}`;
}

/** A loaded model with its timings; a line model also carries its metadata (charset, height, blank, downsample). */
export interface LoadedModel {
  entry: ModelIndexEntry;
  model: tfl.LayersModel;
  /** Line models only. */
  line: LineModelMetadata | null;
  /** A line model's character LM and weights for beam decoding (null without one). */
  lm: BeamSearchLm | null;
  /** Fetch + parse + weights uploaded to the backend. */
  loadMs: number;
}

/**
 * Loads a model of the index (relative to the page). A line model's metadata.json is fetched too and
 * checked as `hwr predict` checks it (loadLineModel): a bad one is an error naming the file; so is
 * the language model it names (lm.json), fetched with it.
 */
export async function loadIndexedModel(entry: ModelIndexEntry): Promise<LoadedModel> {
  const start = performance.now();
  let line: LineModelMetadata | null = null;
  let lm: BeamSearchLm | null = null;
  if (entry.kind === 'line') {
    const url = `${entry.path}metadata.json`;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}; a line model needs its metadata.json (charset, height)`);
    const meta = await res.json();
    const problem = lineMetadataProblem(meta, url) ?? lineLmProblem(meta, url);
    if (problem) throw new Error(problem);
    line = meta as LineModelMetadata;
    if (line.lm) lm = await fetchLineLm(entry, line, line.lm.file);
  }
  const model = await tfl.loadLayersModel(`${entry.path}model.json`);
  const mismatch = line && lineModelMismatch(model, line, entry.path);
  if (mismatch) {
    model.dispose();
    throw new Error(mismatch);
  }
  return { entry, model, line, lm, loadMs: performance.now() - start };
}

/** The character LM a line model's metadata names, fetched from the model's folder. */
async function fetchLineLm(entry: ModelIndexEntry, meta: LineModelMetadata, file: string): Promise<BeamSearchLm> {
  const url = `${entry.path}${file}`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}; the model's metadata names it as its language model (rebuild the app with it, or remove 'lm')`);
  return lineLmFromJson(await res.json(), meta, url);
}

/**
 * Reading lines with a saved line model: loading a model folder with clear errors, and its
 * character language model when its metadata names one. What makes a model a line model, and
 * turning a batch of line images into text with a CTC decoder, are the pure half in line_model.ts
 * (re-exported here), which the web app bundles; the LM's checks are in line_lm.ts, pure too.
 *
 * A line model's metadata.json: family 'crnn', task 'lines', `charset` (class index -> character,
 * ' ' included), `blank` = charset.length (the last class), `height` (input height, pixels) and
 * `downsample` (input width pixels per output time step); optionally `lm` ({ file, order, alpha,
 * beta }: its LM file, e.g. lm.json, and the weights tuned on its validation lines).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { BeamSearchLm } from '../ctc/decode';
import { LoadedModel, loadModel } from '../io/saved_model';
import { lineLmFromJson, lineLmProblem } from './line_lm';
import { LineModelMetadata, lineMetadataProblem, lineModelMismatch } from './line_model';

export { decodeLineScores, isLineModel, lineMetadataProblem, lineModelMismatch, lineScores, readLineBatch, readPreprocessedLine } from './line_model';
export type { LineLmMetadata, LineModelMetadata, LineReading, LineScoreOptions, ReadLine, ReadLineOptions } from './line_model';
export { lineLmFromJson, lineLmProblem } from './line_lm';

/** A loaded line model. */
export interface LoadedLineModel extends LoadedModel {
  metadata: LineModelMetadata;
  /** Its character LM and weights (pass as `lm` with decoder 'beam'), or null when its metadata names none. */
  lm: BeamSearchLm | null;
}

/** Options of `loadLineModel`. */
export interface LoadLineModelOptions {
  /** Load the LM its metadata names (default true); false leaves `lm` null. */
  lm?: boolean;
}

/** Loads a line model folder; a folder that is not a line model, or a broken LM, is an error naming the file. */
export async function loadLineModel(dir: string, opts: LoadLineModelOptions = {}): Promise<LoadedLineModel> {
  const loaded = await loadModel(dir);
  const problem = lineMetadataProblem(loaded.metadata, `${dir}/metadata.json`);
  if (problem) {
    loaded.model.dispose();
    throw new Error(problem);
  }
  const meta = loaded.metadata as LineModelMetadata;
  const mismatch = lineModelMismatch(loaded.model, meta, dir);
  if (mismatch) {
    loaded.model.dispose();
    throw new Error(mismatch);
  }
  let lm: BeamSearchLm | null = null;
  try {
    if (opts.lm !== false) lm = loadLineLm(dir, meta);
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
  return { model: loaded.model, metadata: meta, lm };
}

/** The character LM a line model's metadata names (read from `dir`), or null when it names none. */
export function loadLineLm(dir: string, meta: LineModelMetadata): BeamSearchLm | null {
  const problem = lineLmProblem(meta, path.join(dir, 'metadata.json'));
  if (problem) throw new Error(problem);
  if (!meta.lm) return null;
  const file = path.join(dir, meta.lm.file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file} is missing, but ${path.join(dir, 'metadata.json')} names it as the model's language model: ` +
      "restore it, rebuild it with scripts/build-line-lm.js, or remove 'lm' from the metadata.");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not JSON (${(e as Error).message}): rebuild it with scripts/build-line-lm.js.`);
  }
  return lineLmFromJson(json, meta, file);
}

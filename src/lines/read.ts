/**
 * Reading lines with a saved line model: loading a model folder with clear errors. What makes a
 * model a line model, and turning a batch of line images into text with a CTC decoder, are the
 * pure half in line_model.ts (re-exported here), which the web app bundles.
 *
 * A line model's metadata.json: family 'crnn', task 'lines', `charset` (class index -> character,
 * ' ' included), `blank` = charset.length (the last class), `height` (input height, pixels) and
 * `downsample` (input width pixels per output time step).
 */
import { LoadedModel, loadModel } from '../io/saved_model';
import { LineModelMetadata, lineMetadataProblem, lineModelMismatch } from './line_model';

export { isLineModel, lineMetadataProblem, lineModelMismatch, readLineBatch, readPreprocessedLine } from './line_model';
export type { LineModelMetadata, LineReading, ReadLine, ReadLineOptions } from './line_model';

/** A loaded line model. */
export interface LoadedLineModel extends LoadedModel {
  metadata: LineModelMetadata;
}

/** Loads a line model folder; a folder that is not a line model is an error naming its metadata file. */
export async function loadLineModel(dir: string): Promise<LoadedLineModel> {
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
  return { model: loaded.model, metadata: meta };
}

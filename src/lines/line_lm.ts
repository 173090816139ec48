/**
 * A line model's character language model, with no file access (the web app bundles it): checking
 * what metadata.json's `lm` says (the file in the model's folder, the weights tuned on the model's
 * validation lines) and turning the file's JSON into the beam search's `lm` option, refused when it
 * was built for another charset. read.ts reads the file in Node; web/src/models.ts fetches it.
 */
import { CharLm } from '../ctc/char_lm';
import type { BeamSearchLm } from '../ctc/decode';
import type { LineModelMetadata } from './line_model';

/** Why the `lm` of a line model's metadata (read from `file`) is unusable, or null when it is fine or absent. */
export function lineLmProblem(meta: LineModelMetadata, file: string): string | null {
  const { lm } = meta;
  if (lm === undefined) return null;
  const fix = "fix it, or remove 'lm' to read without a language model (rebuild one with scripts/build-line-lm.js)";
  if (lm === null || typeof lm !== 'object') return `${file}: 'lm' must be { file, order, alpha, beta }, got ${JSON.stringify(lm)}; ${fix}.`;
  if (typeof lm.file !== 'string' || !/^[^/\\.][^/\\]*$/.test(lm.file)) {
    return `${file}: 'lm.file' must be a file name in the model's folder (like 'lm.json'), got ${JSON.stringify(lm.file)}; ${fix}.`;
  }
  if (!(Number.isFinite(lm.alpha) && lm.alpha >= 0 && Number.isFinite(lm.beta))) {
    return `${file}: 'lm.alpha' (>= 0) and 'lm.beta' must be numbers, got ${JSON.stringify(lm.alpha)} and ${JSON.stringify(lm.beta)}; ${fix}.`;
  }
  return null;
}

/**
 * The beam search's LM option from the JSON of `meta.lm.file` (`source` names it in errors) and the
 * weights in `meta.lm`. An LM of another charset than the model's is an error: its labels would
 * mean other characters.
 */
export function lineLmFromJson(json: unknown, meta: LineModelMetadata, source: string): BeamSearchLm {
  if (!meta.lm) throw new Error(`lineLmFromJson: the model's metadata names no language model (no 'lm'), so ${source} has no weights.`);
  const model = CharLm.fromJSON(json, source);
  if (model.charset.join('') !== meta.charset.join('') || model.charset.length !== meta.charset.length) {
    throw new Error(`${source} was built for the charset ${JSON.stringify(model.charset.join(''))}, but the model writes ` +
      `${JSON.stringify(meta.charset.join(''))}: rebuild it for this model with scripts/build-line-lm.js.`);
  }
  return { model, alpha: meta.lm.alpha, beta: meta.lm.beta };
}

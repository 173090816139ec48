/**
 * `hwr evaluate --model saved_models/lines`: a line model on N synthetic TEST lines of each kind
 * (src/lines/test_sets.ts: held-out handwriting fonts, EMNIST ByClass test letters and random
 * strings, with test-split words; English prose of unseen addresses; the training mix of paper and
 * camera), greedy and beam, and beam with the model's character LM when its metadata names one (the
 * 'beam+lm' row); case-sensitive CER, the loose CER (no case, no punctuation) and WER.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadLineModel } from '../lines/read';
import { formatLineEvaluations } from '../lines/evaluate';
import { UsageError, intOption } from './args';
import { evaluateLineTestSets, lineEmnist, lineReport } from './train_lines';

type Values = Record<string, string | boolean | undefined>;

/** Options `hwr evaluate` takes for line models only. */
export const LINE_EVALUATE_OPTIONS = {
  lines: { type: 'string', help: 'line models: test lines per kind (held-out fonts, EMNIST letters, random strings, English prose)', default: '1000' },
  'beam-width': { type: 'string', help: 'line models: prefix beam search width', default: '10' },
  'no-emnist': { type: 'boolean', help: 'line models: skip the EMNIST test lines (no EMNIST ByClass needed)' },
  seed: { type: 'string', help: 'line models: seed of the test lines', default: "the model's" },
  'no-lm': { type: 'boolean', help: "line models: skip the beam+lm row (the character LM the model's metadata names)" },
} as const;

/** Runs `hwr evaluate` on a line model folder; returns the exit code. */
export async function evaluateLineModel(modelDir: string, values: Values): Promise<number> {
  const { model, metadata, lm } = await loadLineModel(modelDir, { lm: !values['no-lm'] });
  if (!metadata.body) {
    throw new UsageError(`${modelDir} is a line model of the older kind (EMNIST-glyph lines at height ${metadata.height}, no 'body' in its metadata): ` +
      "the test lines are now realistic handwriting it was not made for. Retrain it with 'hwr train --dataset lines'.");
  }
  const n = intOption(values, 'lines', intOption(values, 'limit', 1000));
  if (n < 1) throw new UsageError('--lines must be 1 or more.');
  const beamWidth = intOption(values, 'beam-width', 10);
  const lineInfo = (metadata.lines ?? {}) as { lineSeed?: number; sharedWords?: number };
  const seed = intOption(values, 'seed', lineInfo.lineSeed ?? 42);
  const emnist = lineEmnist(values, 'test');
  const geometry = { height: metadata.height, bodyHeight: metadata.body.height, baselineRow: metadata.body.baseline };
  const reports = evaluateLineTestSets(model, metadata, { emnist, seed, geometry, sharedWords: lineInfo.sharedWords ?? 0 }, n, beamWidth, lm);
  console.log(`${modelDir}: ${metadata.family} line model, ${metadata.dataset}; test lines: held-out fonts, ${emnist ? `${emnist.name} test letters, ` : ''}random strings (words unseen in training), English prose (sentences unseen)`);
  if (lm) console.log(`beam+lm: beam search with ${metadata.lm?.file} (order ${lm.model.order}, alpha ${lm.alpha}, beta ${lm.beta}, tuned on validation lines)`);
  console.log(formatLineEvaluations(reports));
  const out = String(values.out ?? `outputs/evaluation-${path.basename(path.resolve(modelDir))}.json`);
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ model: modelDir, ...lineReport(reports) }, null, 2) + '\n');
  console.log(`\nreport written to ${out}`);
  return 0;
}

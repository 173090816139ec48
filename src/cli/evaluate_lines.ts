/**
 * `hwr evaluate --model saved_models/lines`: a line model on N synthetic TEST lines (test-split
 * EMNIST images, words never seen in training), greedy and beam, CER (both definitions) and WER;
 * the same on random-string test lines; and, on the very same lines, the segmentation baseline (a
 * character model reading the line character by character).
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadEmnistPart } from '../data/emnist';
import { createLineGenerator } from '../synth/lines';
import { loadModel } from '../io/saved_model';
import { loadLineModel } from '../lines/read';
import { LineEvaluation, LineReader, evaluateLines, formatLineEvaluations } from '../lines/evaluate';
import { readLinesBySegmentation } from '../read/segment/read';
import { UsageError, intOption } from './args';
import { lineReport } from './train_lines';

type Values = Record<string, string | boolean | undefined>;

/** Options `hwr evaluate` takes for line models only. */
export const LINE_EVALUATE_OPTIONS = {
  lines: { type: 'string', help: 'line models: test lines per kind (words, random strings)', default: '1000' },
  'beam-width': { type: 'string', help: 'line models: prefix beam search width', default: '10' },
  baseline: { type: 'string', help: 'line models: character model for the segmentation baseline', default: 'saved_models/emnist' },
  'no-baseline': { type: 'boolean', help: 'line models: skip the segmentation baseline' },
  seed: { type: 'string', help: 'line models: seed of the test lines', default: "the model's" },
} as const;

/** The EMNIST split a line model's dataset id names ('emnist-dev47-lines' -> 'dev47'). */
function splitOf(dataset: string): string | undefined {
  const m = /^emnist-(.+)-lines$/.exec(dataset);
  return m ? m[1] : undefined;
}

/** Runs `hwr evaluate` on a line model folder; returns the exit code. */
export async function evaluateLineModel(modelDir: string, values: Values): Promise<number> {
  const { model, metadata } = await loadLineModel(modelDir);
  const n = intOption(values, 'lines', intOption(values, 'limit', 1000));
  if (n < 1) throw new UsageError('--lines must be 1 or more.');
  const beamWidth = intOption(values, 'beam-width', 10);
  const lineInfo = (metadata.lines ?? {}) as { lineSeed?: number };
  const seed = intOption(values, 'seed', lineInfo.lineSeed ?? 42);
  const chars = loadEmnistPart('test', { dir: values['emnist-dir'] as string | undefined, split: (values.split as string | undefined) ?? splitOf(metadata.dataset) });
  if (chars.classes.join('') + ' ' !== metadata.charset.join('')) {
    throw new UsageError(`${modelDir} reads the characters ${JSON.stringify(metadata.charset.join(''))} but ${chars.name} has ${JSON.stringify(chars.classes.join(''))} + ' ': pass the matching --emnist-dir/--split.`);
  }

  // The segmentation baseline reads the same lines with a character model.
  const others: Record<string, LineReader> = {};
  if (!values['no-baseline']) {
    const baselineDir = String(values.baseline ?? 'saved_models/emnist');
    if (fs.existsSync(path.join(baselineDir, 'metadata.json'))) {
      const char = await loadModel(baselineDir);
      if (char.metadata.classes.join('') !== chars.classes.join('')) {
        throw new UsageError(`The baseline character model ${baselineDir} has classes ${char.metadata.classes.join('')} but the lines are written with ${chars.classes.join('')}: pass a matching --baseline or --no-baseline.`);
      }
      others.segmentation = (images, count, _height, width) => readLinesBySegmentation(char.model, char.metadata.classes, images, count, width);
    } else {
      console.error(`no character model at ${baselineDir}: skipping the segmentation baseline (--baseline DIR to point at one)`);
    }
  }

  const reports: Record<string, LineEvaluation> = {};
  for (const mode of ['words', 'random'] as const) {
    const lines = createLineGenerator({ chars, split: 'test', mode, seed, height: metadata.height });
    const started = Date.now();
    reports[mode] = evaluateLines(model, metadata, lines, { n, beamWidth, others });
    console.error(`${mode}: ${n} test lines read in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(`${modelDir}: ${metadata.family} line model, ${metadata.dataset}; test lines from ${chars.name} test images, words unseen in training`);
  console.log(formatLineEvaluations(reports));
  const out = String(values.out ?? `outputs/evaluation-${path.basename(path.resolve(modelDir))}.json`);
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ model: modelDir, ...lineReport(reports) }, null, 2) + '\n');
  console.log(`\nreport written to ${out}`);
  return 0;
}

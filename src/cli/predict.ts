import * as path from 'path';
import { initBackend, describeBackend } from '../runtime/backend';
import { loadModel } from '../io/saved_model';
import { predictFiles, savePredictionGrid } from '../read/characters';
import { geometryForDataset } from '../image/preprocess';
import { ModelMetadata } from '../io/saved_model';
import { isLineModel, lineMetadataProblem, loadLineLm } from '../lines/read';
import { LinePrediction, predictLineFiles, predictSegmentedFiles, readsAsExpected, saveLinePredictionGrid } from '../read/lines';
import { BODY_SCALES, SLANTS, parseBodyScales, parseSlants } from '../read/body_scales';
import { Command, UsageError, intOption } from './args';

/** `--body-scales 0.85,1,1.15` or `--slants=-12,12` read by `parse` (a usage error names what is wrong); undefined when not given. */
function listOption(value: unknown, parse: (text: string, flag: string) => readonly number[], flag: string): readonly number[] | undefined {
  if (value === undefined) return undefined;
  try {
    return parse(String(value), flag);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** `hwr predict`: classify image files (photos, scans, canvas drawings) with a saved model. */
export const predictCommand: Command = {
  name: 'predict',
  usage: 'predict --model saved_models/mnist <image|folder>... [--json]\n' +
    '       hwr predict --model saved_models/lines <image|folder>... [--decoder beam|greedy] [--no-lm] [--body-scales LIST] [--slants LIST] [--json]\n' +
    '       hwr predict --model saved_models/emnist --segment <image|folder>... [--json]',
  summary: 'Predict the character in each image (PNG, JPEG, WebP; folders are expanded). Each image is\n' +
    'preprocessed like MNIST/EMNIST (grayscale, polarity, crop, fit, centre). Prints label, confidence\n' +
    'and top-3 per file, and writes a grid of the inputs as the model saw them to outputs/prediction_visuals/.\n' +
    'With a line model (saved_models/lines), reads the writing in each image instead: a word, a line or a\n' +
    'whole page (its lines found, deskewed and read top to bottom, one output line per line); with --segment,\n' +
    'a character model reads one word or line by splitting it into characters. Both print the text and its\n' +
    'confidence per file (with --json, a line model adds each line\'s text, confidence and box). Line models\n' +
    "decode by beam search with their character language model (lm.json) when their metadata names one\n" +
    "(the most accurate reading; --no-lm: without it, --decoder greedy: best path, the fastest). Each line is\n" +
    'read at three body heights around the one the line recipe estimates and leaning 12 degrees either way,\n' +
    'and one reading kept (--body-scales 1 --slants 0: once, about three times as fast). Writing that leans\n' +
    'further than the model\'s training lines is sheared upright first, and a lone word amid much paper is\n' +
    'read from the paper just around it.',
  positionals: true,
  options: {
    model: { type: 'string', short: 'm', help: 'saved model folder', default: 'saved_models/mnist' },
    json: { type: 'boolean', help: 'print JSON instead of a table' },
    out: { type: 'string', short: 'o', help: 'prediction grid PNG', default: 'outputs/prediction_visuals/<model>.png' },
    backend: { type: 'string', help: 'tensorflow, wasm or cpu (env TFJS_BACKEND)' },
    decoder: { type: 'string', help: 'line models: beam (prefix beam search, with the model\'s LM) or greedy (best path)', default: 'beam' },
    'beam-width': { type: 'string', help: 'line models: prefixes kept by --decoder beam', default: '10' },
    'no-lm': { type: 'boolean', help: "line models: --decoder beam without the model's character language model" },
    'body-scales': { type: 'string', help: 'line models: body-height factors each line is read at, comma-separated (1: one body height)', default: BODY_SCALES.join(',') },
    slants: { type: 'string', help: 'line models: shears in degrees each line is also read at, comma-separated, e.g. --slants=-8,8 (0: none)', default: SLANTS.join(',') },
    segment: { type: 'boolean', help: 'read words/lines with a character model by splitting them into characters' },
  },
  async run(values, files) {
    if (files.length === 0) throw new UsageError(`hwr predict: give one or more image files or folders. See 'hwr predict --help'.`);
    const modelDir = String(values.model ?? 'saved_models/mnist');
    const backend = await initBackend({ backend: values.backend as never });
    if (!values.json) console.error(describeBackend(backend));
    const { model, metadata } = await loadModel(modelDir);
    if (isLineModel(metadata) || values.segment) return predictLinesCli(values, files, modelDir, model, metadata);
    if (values.decoder !== undefined || values['beam-width'] !== undefined) {
      throw new UsageError(`--decoder and --beam-width are for line models; ${modelDir} reads single characters (add --segment to read a word with it).`);
    }
    if (values['no-lm']) {
      throw new UsageError(`--no-lm is for line models (their character language model); ${modelDir} reads single characters.`);
    }
    for (const flag of ['body-scales', 'slants']) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is for line models; ${modelDir} reads single characters.`);
    }
    // EMNIST images were made by a different recipe (bounding box, no mass centring): match it.
    const preprocess = geometryForDataset(metadata.dataset);
    const preds = await predictFiles(model, metadata.classes, files, { preprocess });
    if (preds.length === 0) throw new UsageError(`No image files (.png, .jpg, .jpeg, .webp) found in ${files.join(', ')}.`);
    const grid = String(values.out ?? `outputs/prediction_visuals/${path.basename(path.resolve(modelDir))}.png`);
    if (preds.some((p) => p.ok)) savePredictionGrid(preds, grid, { title: `${metadata.dataset} ${metadata.family}` });
    if (values.json) {
      console.log(JSON.stringify(preds.map((p) => (p.ok
        ? { file: p.file, label: p.label, confidence: p.confidence, top3: p.top3 }
        : { file: p.file, error: p.error })), null, 2));
    } else {
      const width = Math.max(...preds.map((p) => p.file.length));
      for (const p of preds) {
        if (!p.ok) console.log(`${p.file.padEnd(width)}  error: ${p.error}`);
        else console.log(`${p.file.padEnd(width)}  ${p.label}  ${(100 * p.confidence).toFixed(1).padStart(5)}%   top-3: ` +
          p.top3.map((t) => `${t.label} ${(100 * t.p).toFixed(1)}%`).join(', '));
      }
      if (preds.some((p) => p.ok)) console.log(`\ninputs as the model saw them: ${grid}`);
    }
    return preds.every((p) => p.ok) ? 0 : 1;
  },
};

/** The word/line branch of `hwr predict`: a line model, or a character model with --segment. */
async function predictLinesCli(
  values: Record<string, string | boolean | undefined>,
  files: string[],
  modelDir: string,
  model: Parameters<typeof predictLineFiles>[0],
  metadata: ModelMetadata,
): Promise<number> {
  let preds: LinePrediction[];
  let how = 'segmented';
  if (isLineModel(metadata)) {
    if (values.segment) {
      throw new UsageError(
        `--segment splits a word into characters for a character model (e.g. saved_models/emnist), but ${modelDir} is a line model ` +
          'that reads whole lines itself: drop --segment.',
      );
    }
    const problem = lineMetadataProblem(metadata, path.join(modelDir, 'metadata.json'));
    if (problem) throw new Error(problem);
    const decoder = String(values.decoder ?? 'beam');
    if (decoder !== 'greedy' && decoder !== 'beam') throw new UsageError(`--decoder must be greedy or beam, got '${decoder}'.`);
    const beamWidth = intOption(values, 'beam-width', 10);
    if (beamWidth < 1) throw new UsageError('--beam-width must be at least 1.');
    // The LM is part of beam decoding; greedy never loads it.
    const lm = decoder === 'beam' && !values['no-lm'] ? loadLineLm(modelDir, metadata) : null;
    preds = await predictLineFiles(model, metadata, files, { decoder, beamWidth, lm, bodyScales: listOption(values['body-scales'], parseBodyScales, '--body-scales'), slants: listOption(values.slants, parseSlants, '--slants') });
    how = lm ? 'beam+lm' : decoder;
  } else {
    if (values.decoder !== undefined || values['beam-width'] !== undefined || values['no-lm'] || values['body-scales'] !== undefined || values.slants !== undefined) {
      const what = values['no-lm'] ? '--no-lm is' : values['body-scales'] !== undefined ? '--body-scales is' : values.slants !== undefined ? '--slants is' : '--decoder and --beam-width are';
      throw new UsageError(`${what} for line models; --segment reads each character with the character model.`);
    }
    preds = await predictSegmentedFiles(model, metadata.classes, files, { geometry: geometryForDataset(metadata.dataset) });
  }
  if (preds.length === 0) throw new UsageError(`No image files (.png, .jpg, .jpeg, .webp) found in ${files.join(', ')}.`);
  const name = path.basename(path.resolve(modelDir)) + (isLineModel(metadata) ? '' : '-segment');
  const grid = String(values.out ?? `outputs/prediction_visuals/${name}.png`);
  // Short: the grid is as wide as the widest line, and a longer title would be cut off.
  if (preds.some((p) => p.ok)) saveLinePredictionGrid(preds, grid, { title: `${path.basename(path.resolve(modelDir))} (${how})` });
  if (values.json) {
    console.log(JSON.stringify(preds.map((p) => (p.ok
      ? {
        file: p.file,
        text: p.text,
        confidence: p.confidence,
        ...(p.lines ? { lines: p.lines.map((l) => ({ text: l.text, confidence: l.confidence, box: l.box })) } : {}),
        ...(p.notes.length ? { notes: p.notes } : {}),
      }
      : { file: p.file, error: p.error })), null, 2));
  } else {
    const width = Math.max(...preds.map((p) => p.file.length));
    const percent = (c: number) => `${(100 * c).toFixed(1).padStart(5)}%`;
    for (const p of preds) {
      if (!p.ok) {
        console.log(`${p.file.padEnd(width)}  error: ${p.error}`);
        continue;
      }
      const check = p.expected === null ? '' : readsAsExpected(p) ? '   (right)' : `   (expected "${p.expected}")`;
      if (p.lines && p.lines.length > 1) {
        // A page: the file, then its lines indented under it, top to bottom.
        console.log(`${p.file.padEnd(width)}  ${p.lines.length} lines  ${percent(p.confidence)}${check}`);
        for (const l of p.lines) console.log(`${''.padEnd(width)}  "${l.text}"  ${percent(l.confidence)}`);
      } else {
        console.log(`${p.file.padEnd(width)}  "${p.text}"  ${percent(p.confidence)}${check}`);
      }
      for (const note of p.notes) console.log(`${''.padEnd(width)}  note: ${note}`);
    }
    if (preds.some((p) => p.ok)) console.log(`\ninputs as the reader saw them: ${grid}`);
  }
  return preds.every((p) => p.ok) ? 0 : 1;
}
